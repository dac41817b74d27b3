"""jwcrypto (Latchset): a complete JOSE implementation on ``cryptography``.

Prepared keys are ``jwcrypto.jwk.JWK`` objects; in raw mode the adapter builds
the JWK from PEM (or the secret) on every call, as ``JWK.from_pem`` users do.
"""

from __future__ import annotations

import json
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
from jwtbench.adapters.jose import b64url
from jwtbench.adapters.keys import KeyMaterial


class JWCryptoAdapter(Adapter):
    name = "jwcrypto"
    label = "jwcrypto"
    colour = "#ff7f0e"
    library = "jwcrypto"
    module = "jwcrypto"
    backend = "cryptography"
    jws_algs = frozenset(JWS_ALGS)
    jwe_algs = frozenset(JWE_ALGS)
    jwe_encs = frozenset(JWE_ENCS)
    # jwcrypto.jws.default_allowed_algs, used when the caller passes no algs=
    # (RSA1_5 is left out of jwcrypto's JWE defaults since 1.0).
    enabled_by_default = frozenset(JWS_ALGS)
    # jwt.JWT(jwt=, key=) verifies and checks exp/nbf by default (check_claims=None);
    # JWE() without algs= uses jwe.default_allowed_algs.
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(
            jws="jwt.JWT(jwt=token, key=JWK.from_pem(pem))",
            jwe="e = jwe.JWE(); e.deserialize(token, key); e.payload",
        ),
        "hardened": DecodeCall(
            jws='jwt.JWT(jwt=token, key=key, algs=algs, check_claims={"exp": None, '
            '"aud": aud, "iss": iss})',
            jwe="e = jwe.JWE(algs=[alg, enc]); e.deserialize(token, key); e.payload",
            passes_expect=True,
        ),
    }

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        from jwcrypto import jwk

        if form == "jwk":
            return jwk.JWK.from_json(data.decode())
        return _to_jwk(data) if kty == "oct" or form != "stripped" else jwk.JWK.from_pem(data)

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        from jwcrypto import jwt

        if call == "default":
            return json.loads(jwt.JWT(jwt=token, key=key).claims)
        check = {"exp": None, "aud": expect.audience, "iss": expect.issuer}
        return json.loads(jwt.JWT(jwt=token, key=key, algs=algs, check_claims=check).claims)

    def decode_jwe(self, call: str, token: str, key: Any, alg: str, enc: str) -> Any:
        from jwcrypto import jwe

        parsed = jwe.JWE() if call == "default" else jwe.JWE(algs=[alg, enc])
        parsed.deserialize(token, key)
        return bytes(parsed.payload)

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        from jwcrypto import jws

        parsed = jws.JWS()
        parsed.deserialize(token, _to_jwk(key), alg)
        return bytes(parsed.payload)

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return _to_jwk(material.raw(use))

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        from jwcrypto import jwt

        token = jwt.JWT(header={"alg": alg, "typ": "JWT"}, claims=claims)
        token.make_signed_token(_to_jwk(key))
        result: str = token.serialize()
        return result

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        from jwcrypto import jwt

        checked = jwt.JWT(
            jwt=token,
            key=_to_jwk(key),
            algs=[alg],
            check_claims={"exp": None, "aud": expect.audience, "iss": expect.issuer},
        )
        claims: dict[str, Any] = json.loads(checked.claims)
        return claims

    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        from jwcrypto import jwe

        header = {"alg": alg, "enc": enc} | ({"cty": cty} if cty else {})
        token = jwe.JWE(payload, protected=header, algs=[alg, enc])
        token.add_recipient(_to_jwk(key))
        result: str = token.serialize(compact=True)
        return result

    def decrypt_bytes(
        self, token: str, key: Any, alg: str, enc: str
    ) -> tuple[dict[str, Any], bytes]:
        from jwcrypto import jwe

        parsed = jwe.JWE(algs=[alg, enc])
        parsed.deserialize(token, _to_jwk(key))
        header: dict[str, Any] = json.loads(parsed.objects["protected"])
        return header, bytes(parsed.payload)


def _to_jwk(key: Any) -> Any:
    """A JWK object from what the harness passes: a JWK, PEM bytes or a secret."""
    from jwcrypto import jwk

    if isinstance(key, jwk.JWK):
        return key
    if key.startswith(b"-----BEGIN"):
        return jwk.JWK.from_pem(key)
    return jwk.JWK(kty="oct", k=b64url(key))
