"""The crypto limit: the bare signature primitive, with no JOSE around it.

A reference row, not a library anyone would pick: for each JWS (alg, op) it
times only what ``cryptography``/``hmac`` spend on the signing input that a
token of the same claims has -- HMAC, RSA PKCS#1 v1.5 / PSS, ECDSA (DER, as
OpenSSL returns it) and EdDSA sign and verify -- with no JSON, base64, header
or claims. What a library spends above it is its own Python; the report shows
"x over limit" and the share of each library's time that is crypto.

It makes no tokens (``makes_tokens = False``), so the interop grid skips it and
the correctness gate checks it differently (``jwtbench.measure.gate``): the
signature it makes must verify with an independent ``cryptography`` call, and
its verify must accept a good signature and refuse one with a flipped byte.
Key mode ``raw`` parses the PEM on every call, as a raw-key library must.
JWE (key wrap/agreement plus AES-GCM / CBC-HMAC) is not declared yet: those
cells are reported ``unsupported`` with that reason.
"""

from __future__ import annotations

import hmac
from typing import Any, NoReturn, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from jwtbench.adapters.base import JWS_ALGS, Adapter, Expect, Use, VerificationError
from jwtbench.adapters.keys import KeyMaterial

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
    "56K": hashes.SHA256,  # ES256K
}
_HMAC = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def primitive_args(alg: str) -> tuple[Any, ...]:
    """The arguments after (signature,) data that ``cryptography`` needs for ``alg``."""
    if alg == "EdDSA":
        return ()
    hash_alg = _HASHES[alg[-3:]]()
    if alg[:2] == "RS":
        return (padding.PKCS1v15(), hash_alg)
    if alg[:2] == "PS":
        return (padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size), hash_alg)
    return (ec.ECDSA(hash_alg),)


@runtime_checkable
class Primitives(Protocol):
    """What an adapter with ``makes_tokens = False`` offers the gate to time."""

    def primitive_args(self, alg: str) -> tuple[Any, ...]: ...

    def sign_input(self, data: bytes, key: Any, alg: str, args: tuple[Any, ...]) -> bytes: ...

    def verify_input(
        self, data: bytes, signature: bytes, key: Any, alg: str, args: tuple[Any, ...]
    ) -> bool: ...


class LimitAdapter(Adapter):
    """The bare primitive per (alg, op): the denominator of "x over limit"."""

    name = "limit"
    label = "crypto limit"
    colour = "#b0b0b0"
    library = "cryptography"
    module = "cryptography"
    backend = "cryptography"
    role = "limit"
    makes_tokens = False
    jws_algs = frozenset(JWS_ALGS)
    notes = (
        "not a library anyone would pick: the bare signature primitive on the signing "
        "input (no JSON, base64, header or claims); makes no tokens"
    )

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        if material.kty == "oct":
            return material.secret
        return material.private_key() if use in ("sign", "decrypt") else material.public_key()

    # -- what the gate times -----------------------------------------------------
    def primitive_args(self, alg: str) -> tuple[Any, ...]:
        return primitive_args(alg)

    def sign_input(self, data: bytes, key: Any, alg: str, args: tuple[Any, ...]) -> bytes:
        """The raw signature (HMAC tag, RSA block, DER ECDSA, Ed25519) over ``data``.

        ``args`` is ``primitive_args(alg)``, built once outside the timed call.
        """
        name = _HMAC.get(alg)
        if name is not None:
            return hmac.digest(key, data, name)
        if key.__class__ is bytes:
            key = serialization.load_pem_private_key(key, password=None)
        signature: bytes = key.sign(data, *args)
        return signature

    def verify_input(
        self, data: bytes, signature: bytes, key: Any, alg: str, args: tuple[Any, ...]
    ) -> bool:
        """True if ``signature`` is good over ``data``; raises ``VerificationError`` if not."""
        name = _HMAC.get(alg)
        if name is not None:
            if not hmac.compare_digest(hmac.digest(key, data, name), signature):
                raise VerificationError("bad HMAC")
            return True
        if key.__class__ is bytes:
            key = serialization.load_pem_public_key(key)
        try:
            key.verify(signature, data, *args)
        except InvalidSignature:
            raise VerificationError("bad signature") from None
        return True

    # -- the token calls: the limit has none --------------------------------------
    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> NoReturn:
        raise NotImplementedError("the crypto limit makes no tokens (see sign_input)")

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> NoReturn:
        raise NotImplementedError("the crypto limit opens no tokens (see verify_input)")
