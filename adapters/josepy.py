"""josepy (``import josepy``): certbot's JOSE library (JWS only, for ACME), on ``cryptography``.

josepy signs and verifies JWS objects and has no JWT claims API: the adapter
serializes the claims to JSON itself, and after ``JWS.verify`` checks exp, aud
and iss with the harness's ``check_claims`` on the verified payload, as a
josepy user has to write those checks. ``JWS.verify`` uses the ``alg`` the
token's header names, so the adapter compares it with the requested one first.

Prepared keys are josepy JWKs (``JWKRSA``/``JWKEC`` from ``JWK.load``, ``JWKOct``
for secrets); raw mode builds them from the PEM (or secret) on every call.
"""

from __future__ import annotations

import functools
import json
from typing import Any, ClassVar

from jwtbench.adapters.base import (
    Adapter,
    AdapterUnavailable,
    DecodeCall,
    Expect,
    KeyForm,
    Use,
    VerificationError,
)
from jwtbench.adapters.jose import check_claims
from jwtbench.adapters.keys import KeyMaterial, load_key


class JosepyAdapter(Adapter):
    name = "josepy"
    label = "josepy"
    colour = "#1b9e77"
    library = "josepy"
    distributions = ("cryptography",)
    module = "josepy"
    backend = "cryptography"
    # josepy/jwa.py registers HS*, RS*, PS* and ES256/384/512: no EdDSA, no ES256K.
    # Its PS* sign with salt_length=PSS.MAX_LENGTH (jwa.py _JWAPS) where RFC 7518
    # 3.5 fixes the salt to the hash size: the floor and PyJWT reject josepy's
    # PS* tokens (josepy itself verifies standard ones), so PS* is not declared.
    jws_algs = frozenset(
        ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
    )
    # JWS.from_compact(token).verify(key) runs whichever registered alg the
    # header names (Signature.verify: self.combined.alg.verify): every
    # registered algorithm is accepted unless the caller compares it.
    enabled_by_default = frozenset(
        ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
         "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
    )  # fmt: skip
    notes = (
        "JWS only and no JWT claims API: exp/aud/iss are checked by jwtbench's check_claims "
        "on the verified payload, and the header alg is compared by the adapter (josepy's "
        "verify trusts it); PS* sign with the maximum PSS salt (RFC 7518 wants the hash size): "
        "strict verifiers reject them, so PS* is not declared; no EdDSA or ES256K"
    )

    # JWS.verify() returns a bool and runs the header's alg; josepy has no claims API,
    # so the hardened call is the application's own code around it (as ``verify``).
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(jws="if not JWS.from_compact(token).verify(jwk): reject"),
        "hardened": DecodeCall(
            jws="JWS.from_compact(token); the header alg compared with algs; .verify(jwk); "
            "exp/aud/iss checked by the application (jwtbench's check_claims)",
            passes_expect=True,
        ),
    }

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        from josepy.jwk import JWK

        return JWK.json_loads(data) if form == "jwk" else _key(data)

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        from josepy.jws import JWS

        parsed = JWS.from_compact(token.encode("ascii"))
        if call == "default":
            if not parsed.verify(key):
                raise VerificationError("JWS.verify returned False")
            return json.loads(parsed.payload)
        header_alg = parsed.signature.combined.alg
        if header_alg is None or header_alg.name not in algs:
            raise VerificationError(f"token alg is {header_alg}, not one of {algs}")
        if not parsed.verify(key):
            raise VerificationError("signature does not verify")
        return check_claims(json.loads(parsed.payload), expect)

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        from josepy.jws import JWS

        parsed = JWS.from_compact(token.encode("ascii"))
        header_alg = parsed.signature.combined.alg
        if header_alg is None or header_alg.name != alg or not parsed.verify(_key(key)):
            raise VerificationError("signature does not verify")
        return bytes(parsed.payload)

    def unsupported_reason(self, alg: str, enc: str | None = None) -> str:
        if enc is None and alg.startswith("PS"):
            return (
                f"josepy {self.version} signs {alg} with the maximum PSS salt, not RFC 7518's "
                "hash-sized one: strict verifiers reject its tokens"
            )
        return super().unsupported_reason(alg, enc)

    def __init__(self) -> None:
        super().__init__()
        from josepy.jwk import JWK
        from josepy.jws import JWS

        self._jws = JWS  # looked up once, as an application holds it (not per call)

        # The backend it really runs: josepy's JWKs wrap cryptography keys.
        raw = JWK.load(load_key("rsa2048").public_pem).key._wrapped
        owner = type(raw).__module__.split(".", 1)[0]
        if owner != "cryptography":
            raise AdapterUnavailable(f"josepy's JWKRSA holds a {type(raw)!r}, not cryptography's")
        type(self).backend = owner

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return _key(material.raw(use))

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        payload = json.dumps(claims, separators=(",", ":")).encode("utf-8")
        signed = self._jws.sign(
            payload,
            key=_key(key),
            alg=_algorithm(alg),
            include_jwk=False,
            protect=_PROTECT,
            typ="application/JWT",  # josepy's MediaType writes it as "JWT" (RFC 7515 4.1.9)
        )
        return signed.to_compact().decode("ascii")

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        parsed = self._jws.from_compact(token.encode("ascii"))
        header_alg = parsed.signature.combined.alg
        if header_alg is None or header_alg.name != alg:  # josepy would run the token's alg
            raise VerificationError(f"token alg is {header_alg}, not {alg}")
        if not parsed.verify(_key(key)):
            raise VerificationError("signature does not verify")
        return check_claims(json.loads(parsed.payload), expect)


#: The protected header fields of every token.
_PROTECT = frozenset(("alg", "typ"))


@functools.cache
def _algorithm(alg: str) -> Any:
    """josepy's algorithm object for ``alg``, looked up once (an application holds it)."""
    from josepy.jwa import JWASignature

    return JWASignature.from_json(alg)


def _key(key: Any) -> Any:
    """A josepy JWK from PEM or secret bytes (raw mode); JWKs pass through."""
    from josepy.jwk import JWK, JWKOct

    if not isinstance(key, bytes):
        return key
    if key.startswith(b"-----BEGIN"):
        return JWK.load(key)
    return JWKOct(key=key)
