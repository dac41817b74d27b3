"""pyjosers (``import pyjosers``): jose-rs through PyO3, with a jwcrypto-style API.

JWS and JWE. Prepared keys are ``pyjosers.jwk.JWK`` objects (PEM or secret
imported once); raw mode imports the PEM or secret into a JWK on every call,
as ``JWK.from_pem`` users do. PBES2 takes the password itself (bytes), which
is both its prepared and its raw key. Claims are checked by the library's
own ``Validation`` policy (issuer, audience, required exp, pinned alg).
"""

from __future__ import annotations

from typing import Any, ClassVar

from jwtbench.adapters.base import (
    JWE_ALGS,
    JWE_ENCS,
    JWS_ALGS,
    Adapter,
    DecodeCall,
    Expect,
    KeyForm,
    Use,
)
from jwtbench.adapters.compiled import rust_backend
from jwtbench.adapters.jose import b64url
from jwtbench.adapters.keys import KeyMaterial


class PyjosersAdapter(Adapter):
    name = "pyjosers"
    label = "pyjosers"
    compiled = True
    colour = "#8c564b"
    library = "pyjosers"
    module = "pyjosers"
    # pyjosers.capabilities.report() of the 0.2.0 wheel, each tried here: ES256K
    # is "unsupported" (no secp256k1 keys).
    jws_algs = frozenset(JWS_ALGS) - {"ES256K"}
    # The same report: RSA-OAEP is "requires_feature" (the `legacy` Cargo
    # feature, off in the PyPI wheel) and RSA1_5 "refused" (RFC 8725 4.1).
    jwe_algs = frozenset(JWE_ALGS) - {"RSA-OAEP", "RSA1_5"}
    jwe_encs = frozenset(JWE_ENCS)
    # jws.default_allowed_algs is every supported JWS algorithm: jwt.decode(token,
    # key) with the default Validation (allowed_algorithms=[]) accepts any of them.
    enabled_by_default = jws_algs
    notes = (
        "no ES256K; no RSA-OAEP (needs the 'legacy' build feature) or RSA1_5 (refused); "
        "claims checked with the default 60 s leeway of its Validation"
    )

    # jwt.decode(token, key) with the default Validation: exp required, 60 s leeway,
    # any supported alg; JWE() without algs= uses its default allow-list.
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(
            jws="pyjosers.jwt.decode(token, JWK.from_pem(pem))",
            jwe="e = jwe.JWE(); e.deserialize(token, key); e.payload",
        ),
        "hardened": DecodeCall(
            jws="jwt.decode(token, key, validation=Validation(issuer=iss, audience=aud, "
            "allowed_algorithms=algs, require_exp=True))",
            jwe="e = jwe.JWE(algs=[alg, enc]); e.deserialize(token, key); e.payload",
            passes_expect=True,
        ),
    }

    def __init__(self) -> None:
        super().__init__()
        type(self).backend = rust_backend(self.library, "pyjosers._native")

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        from pyjosers import jwk

        if form == "jwk":
            return jwk.JWK.from_json(data.decode())
        if kty == "oct":
            return data  # a secret (or a PBES2 password): _to_jwk decides per alg
        return jwk.JWK.from_pem(data)

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        from pyjosers import jwt

        if call == "default":
            return jwt.decode(token, _to_jwk(key, algs[0]))
        policy = jwt.Validation(
            issuer=expect.issuer,
            audience=expect.audience,
            allowed_algorithms=algs,
            require_exp=True,
        )
        return jwt.decode(token, _to_jwk(key, algs[0]), validation=policy)

    def decode_jwe(self, call: str, token: str, key: Any, alg: str, enc: str) -> Any:
        from pyjosers import jwe

        parsed = jwe.JWE() if call == "default" else jwe.JWE(algs=[alg, enc])
        parsed.deserialize(token, _to_jwk(key, alg))
        return bytes(parsed.payload)

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        from pyjosers import jws

        parsed = jws.JWS()
        parsed.deserialize(token, _to_jwk(key, alg), alg)
        return bytes(parsed.payload)

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return _to_jwk(material.raw(use), alg)

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        from pyjosers import jwt

        token: str = jwt.encode(_to_jwk(key, alg), claims, algorithm=alg)
        return token

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        from pyjosers import jwt

        policy = jwt.Validation(
            issuer=expect.issuer,
            audience=expect.audience,
            allowed_algorithms=[alg],
            require_exp=True,
        )
        claims: dict[str, Any] = jwt.decode(token, _to_jwk(key, alg), validation=policy)
        return claims

    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        from pyjosers import jwe

        header = {"alg": alg, "enc": enc} | ({"cty": cty} if cty else {})
        token = jwe.JWE(payload, protected=header, algs=[alg, enc])
        token.add_recipient(_to_jwk(key, alg))
        result: str = token.serialize(compact=True)
        return result

    def decrypt_bytes(
        self, token: str, key: Any, alg: str, enc: str
    ) -> tuple[dict[str, Any], bytes]:
        from pyjosers import jwe

        parsed = jwe.JWE(algs=[alg, enc])
        parsed.deserialize(token, _to_jwk(key, alg))
        header: dict[str, Any] = parsed.jose_header
        return header, bytes(parsed.payload)


def _to_jwk(key: Any, alg: str) -> Any:
    """A JWK from what the harness passes (a JWK, PEM or a secret); PBES2 keeps its password."""
    from pyjosers import jwk

    if isinstance(key, jwk.JWK) or alg.startswith("PBES2"):
        return key
    if key.startswith(b"-----BEGIN"):
        return jwk.JWK.from_pem(key)
    return jwk.JWK(kty="oct", k=b64url(key))
