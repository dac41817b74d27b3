"""The adapter contract: what every JOSE library wrapper declares and does.

An adapter wraps one library (one backend of it) behind the same five calls, so
the harness can run identical work through each. Capabilities are *declared as
data* on the class (``jws_algs``, ``jwe_algs``...), never discovered by calling
the library and catching errors: a cell the class does not declare is reported
``unsupported`` and is never silently run with another algorithm.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

# Expect and VerificationError are part of the contract: re-exported for adapters.
from jwtbench.adapters.jose import Expect as Expect
from jwtbench.adapters.jose import VerificationError as VerificationError
from jwtbench.adapters.jose import check_claims
from jwtbench.adapters.keys import KeyMaterial

Use = Literal["sign", "verify", "encrypt", "decrypt"]
KeyMode = Literal["prepared", "raw"]

#: Every JWS algorithm the harness knows, in report order.
JWS_ALGS: tuple[str, ...] = (
    "HS256", "HS384", "HS512",
    "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "ES256K",
    "EdDSA",
)  # fmt: skip

#: Every JWE key-management algorithm the harness knows (issue 3).
JWE_ALGS: tuple[str, ...] = (
    "RSA-OAEP", "RSA-OAEP-256", "RSA1_5",
    "A128KW", "A192KW", "A256KW", "dir",
    "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW",
    "A128GCMKW", "A256GCMKW", "PBES2-HS256+A128KW",
)  # fmt: skip

#: Every JWE content-encryption algorithm the harness knows (issue 3).
JWE_ENCS: tuple[str, ...] = (
    "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512",
    "A128GCM", "A192GCM", "A256GCM",
)  # fmt: skip


#: The decode calls of the safety matrix (issue 11), in report order.
CALLS: tuple[str, ...] = ("default", "validate", "hardened")
#: What the application holds as the victim's key: PEM (SubjectPublicKeyInfo /
#: PKCS#8), PKCS#1 PEM, JWK JSON text, PEM without its armour lines, a secret.
KeyForm = Literal["pem", "pkcs1", "jwk", "stripped", "secret"]


@dataclass(frozen=True)
class DecodeCall:
    """One documented way to decode with a library, as the report shows it.

    ``jws``/``jwe`` are the exact call (None: the library has no such call for
    that kind); ``passes_expect`` says whether the call is given the expected
    audience and issuer (only then can a wrong ``aud``/``iss`` be refused).
    """

    jws: str | None
    jwe: str | None = None
    passes_expect: bool = False


class AdapterUnavailable(Exception):
    """The library behind an adapter cannot be used here (not installed, too old)."""


class Adapter(ABC):
    """One JOSE library (one backend) behind the harness's calls.

    Subclasses set the class attributes and implement ``prepare_key``, ``sign``
    and ``verify`` (and the JWE calls when they declare JWE algorithms).
    ``sign``/``verify`` accept either what ``prepare_key`` returned (key mode
    ``prepared``) or what ``raw_key`` returned (key mode ``raw``: PEM text or
    secret bytes, converted by the library on every call, as most application
    code does).
    """

    name: ClassVar[str]
    #: How reports and charts name the library (its own spelling).
    label: ClassVar[str] = ""
    #: Its fixed colour in every chart (a matplotlib colour); "" picks a spare one.
    colour: ClassVar[str] = ""
    #: Distribution name, for ``importlib.metadata.version``.
    library: ClassVar[str]
    #: Other distributions whose versions the results record (a backend's).
    distributions: ClassVar[tuple[str, ...]] = ()
    #: Module that must import for the adapter to be available.
    module: ClassVar[str]
    backend: ClassVar[str] = "cryptography"
    jws_algs: ClassVar[frozenset[str]] = frozenset()
    jwe_algs: ClassVar[frozenset[str]] = frozenset()
    jwe_encs: ClassVar[frozenset[str]] = frozenset()
    #: What the library's shortest documented decode call accepts without the
    #: caller listing algorithms (the default allow-list); informational.
    enabled_by_default: ClassVar[frozenset[str]] = frozenset()
    #: Free-text remarks shown by ``jwtbench list`` and the report.
    notes: ClassVar[str] = ""
    #: What the row is: "library" (one people pick), "floor" (the fastest correct
    #: pure-Python JOSE) or "limit" (bare crypto primitives): the denominators of
    #: "x over floor" / "x over limit" are found by this, never by name.
    role: ClassVar[Literal["library", "floor", "limit"]] = "library"
    #: It makes and opens tokens through ``sign``/``verify``/``encrypt``...; False
    #: for a reference that times bare primitives (the interop grid and the gate's
    #: choice of an independent verifier skip it).
    makes_tokens: ClassVar[bool] = True
    #: A compiled (native, e.g. Rust) library rather than Python code: the report
    #: ranks it on its own rung of the ladder, never as a pure-Python finding.
    compiled: ClassVar[bool] = False
    #: Modules a conformance sandbox hides before the library is imported, so it runs
    #: as it does where they are not installed (python-jose-native: its cryptography
    #: backend, which a jwtbench process always has).
    hidden_modules: ClassVar[tuple[str, ...]] = ()

    #: The safety matrix's decode calls by name (``CALLS``): the library's
    #: shortest documented decode (``default``), its separate claims-validation
    #: call (``validate``, absent when it has none) and one with an explicit
    #: allow-list and claim checks (``hardened``). Run by ``decode_jws``/``decode_jwe``.
    decode_calls: ClassVar[dict[str, DecodeCall]] = {}

    def __init__(self) -> None:
        try:
            importlib.import_module(self.module)
        except ImportError as exc:
            raise AdapterUnavailable(
                f"{self.library} is not installed ({exc}); pip install {self.library}"
            ) from exc

    @property
    def version(self) -> str:
        """Installed version of the wrapped distribution."""
        try:
            return importlib.metadata.version(self.library)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    # -- capabilities -----------------------------------------------------
    def supports_jws(self, alg: str) -> bool:
        return alg in self.jws_algs

    def unsupported_reason(self, alg: str, enc: str | None = None) -> str:
        """Why a declared-unsupported cell is skipped (shown in results)."""
        if enc is None:
            return f"{self.name} {self.version} does not implement {alg}"
        if not self.jwe_algs:
            return f"{self.name} {self.version} has no JWE"
        missing = [name for name, known in ((alg, self.jwe_algs), (enc, self.jwe_encs))
                   if name not in known]  # fmt: skip
        return f"{self.name} {self.version} does not implement {' or '.join(missing)}"

    # -- keys ---------------------------------------------------------------
    def raw_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        """What application code typically passes on every call: PEM or secret bytes."""
        return material.raw(use)

    @abstractmethod
    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        """Build the library's own key object once, outside timing."""

    def key_for(self, alg: str, material: KeyMaterial, use: Use, key_mode: KeyMode) -> Any:
        if key_mode == "prepared":
            return self.prepare_key(alg, material, use)
        return self.raw_key(alg, material, use)

    # -- JWS ------------------------------------------------------------------
    @abstractmethod
    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        """Return a compact JWS (a signed JWT) of ``claims``."""

    @abstractmethod
    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        """Verify signature *and* exp/aud/iss; return the claims.

        Raise ``VerificationError`` (or let the library raise) on rejection.
        Only ``alg`` may be accepted: never the token's own choice.
        """

    # -- JWE (issue 3) ---------------------------------------------------------
    def supports_jwe(self, alg: str, enc: str) -> bool:
        return alg in self.jwe_algs and enc in self.jwe_encs

    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        """Return a compact JWE of ``payload`` (header ``cty`` set when given)."""
        raise NotImplementedError(f"{self.name} declares no JWE")

    def decrypt_bytes(
        self, token: str, key: Any, alg: str, enc: str
    ) -> tuple[dict[str, Any], bytes]:
        """Decrypt a compact JWE; return (protected header, plaintext).

        Only ``alg``/``enc`` may be accepted: the adapter passes the library's
        allow-list, or checks the header itself when the library has none.
        """
        raise NotImplementedError(f"{self.name} declares no JWE")

    def encrypt(self, claims: dict[str, Any], key: Any, alg: str, enc: str) -> str:
        """An encrypted (unsigned) JWT: the claims' JSON as the JWE payload."""
        return self.encrypt_bytes(json.dumps(claims).encode("utf-8"), key, alg, enc)

    def decrypt(self, token: str, key: Any, alg: str, enc: str, expect: Expect) -> dict[str, Any]:
        """Decrypt an encrypted JWT and check exp/aud/iss like ``verify``."""
        _, plaintext = self.decrypt_bytes(token, key, alg, enc)
        return check_claims(json.loads(plaintext), expect)

    def sign_encrypt(
        self, claims: dict[str, Any], sig_key: Any, sig_alg: str, key: Any, alg: str, enc: str
    ) -> str:
        """A nested JWT (RFC 7519 section 5.2): signed, then encrypted with ``cty: JWT``."""
        inner = self.sign(claims, sig_key, sig_alg)
        return self.encrypt_bytes(inner.encode("ascii"), key, alg, enc, cty="JWT")

    def decrypt_verify(
        self,
        token: str,
        key: Any,
        alg: str,
        enc: str,
        verify_key: Any,
        sig_alg: str,
        expect: Expect,
    ) -> dict[str, Any]:
        """Decrypt a nested JWT, then verify the inner JWS and its claims."""
        header, plaintext = self.decrypt_bytes(token, key, alg, enc)
        if str(header.get("cty", "")).upper() != "JWT":
            raise VerificationError("outer JWE does not declare cty JWT")
        return self.verify(plaintext.decode("ascii"), verify_key, sig_alg, expect)

    # -- the safety matrix (issue 11) ---------------------------------------------
    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        """The victim's key as an application hands it to ``decode_*``.

        ``data`` is the key in ``form`` (PEM bytes, JWK JSON...); ``kty`` is its
        JWK key type. The default passes the bytes on, as PEM-taking libraries
        are used; adapters whose library wants a key object build it here the
        documented way.
        """
        return data

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        """Run decode call ``call`` (see ``decode_calls``) on a JWS; return what it returns.

        ``algs`` is the application's allow-list (used by the calls that take
        one); ``expect`` is used only by calls with ``passes_expect``.
        """
        raise NotImplementedError(f"{self.name} declares no {call} JWS call")

    def decode_jwe(self, call: str, token: str, key: Any, alg: str, enc: str) -> Any:
        """Run decode call ``call`` on a compact JWE; return the plaintext (bytes)."""
        raise NotImplementedError(f"{self.name} declares no {call} JWE call")

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        """Check a compact JWS's signature with ``alg`` only (no claims); return the payload.

        For published examples (RFC 7515/7520/8037), whose payloads are not
        current JWT claims. Adapters without a JWS-only API leave it out.
        """
        raise NotImplementedError(f"{self.name} has no JWS-only verify in jwtbench")

    def describe(self) -> dict[str, Any]:
        """Version and declared capabilities, for results and ``jwtbench list``."""
        return {
            "name": self.name,
            "library": self.library,
            "version": self.version,
            "backend": self.backend,
            "jws_algs": sorted(self.jws_algs, key=_order(JWS_ALGS)),
            "jwe_algs": sorted(self.jwe_algs, key=_order(JWE_ALGS)),
            "jwe_encs": sorted(self.jwe_encs, key=_order(JWE_ENCS)),
            "enabled_by_default": sorted(self.enabled_by_default),
            "label": self.label or self.name,
            "colour": self.colour,
            "notes": self.notes,
            "role": self.role,
            "makes_tokens": self.makes_tokens,
            "compiled": self.compiled,
        }


def _order(known: tuple[str, ...]) -> Any:
    return lambda name: (known.index(name) if name in known else len(known), name)
