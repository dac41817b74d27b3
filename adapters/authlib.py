"""Authlib's JOSE module (``authlib.jose``), as used by Authlib's OAuth servers.

Authlib 1.x marks ``authlib.jose`` deprecated in favour of joserfc (same
authors) but still ships and uses it; the warning is silenced here so it does
not flood the run. Prepared keys are Authlib key objects (``RSAKey``...); raw
keys are PEM bytes, imported on every call.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

from jwtbench.adapters.base import JWE_ENCS, JWS_ALGS, Adapter, DecodeCall, Expect, KeyForm, Use
from jwtbench.adapters.keys import KeyMaterial


def _jose() -> Any:
    # authlib.deprecate installs an "always" filter when first imported; import
    # it before ours so our "ignore" filter takes precedence.
    import authlib.deprecate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import authlib.jose

    return authlib.jose


class AuthlibAdapter(Adapter):
    name = "authlib"
    label = "Authlib"
    colour = "#2ca02c"
    library = "authlib"
    module = "authlib"
    backend = "cryptography"
    jws_algs = frozenset(JWS_ALGS)
    # authlib.jose.jwt (the module-level instance) accepts every registered
    # algorithm except "none" when the caller does not restrict them.
    enabled_by_default = frozenset(JWS_ALGS)
    jwe_algs = frozenset(
        ("RSA-OAEP", "RSA-OAEP-256", "RSA1_5", "A128KW", "A192KW", "A256KW", "dir",
         "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW",
         "A128GCMKW", "A192GCMKW", "A256GCMKW")
    )  # fmt: skip
    jwe_encs = frozenset(JWE_ENCS)
    notes = (
        "authlib.jose is deprecated upstream in favour of joserfc; ~1% of its ECDH-ES "
        "tokens carry short epk coordinates (RFC 7518 6.2.1.2), which strict consumers reject"
    )

    # authlib.jose.jwt.decode() checks the signature only; claims.validate() checks
    # exp/nbf/iat (and aud/iss only when claims_options ask for them).
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(
            jws="authlib.jose.jwt.decode(token, key)",
            jwe='JsonWebEncryption().deserialize_compact(token, key)["payload"]',
        ),
        "validate": DecodeCall(jws="claims = jwt.decode(token, key); claims.validate()"),
        "hardened": DecodeCall(
            jws="claims = JsonWebToken(algs).decode(token, key, claims_options={exp, aud, iss "
            "essential, aud/iss values}); claims.validate()",
            jwe="JsonWebEncryption(algorithms=[alg, enc]).deserialize_compact(token, key)",
            passes_expect=True,
        ),
    }

    def __init__(self) -> None:
        super().__init__()
        jose = _jose()
        self._jwt: dict[str, Any] = {alg: jose.JsonWebToken([alg]) for alg in JWS_ALGS}
        self._jwe: dict[tuple[str, str], Any] = {}
        self._jwe_cls = jose.JsonWebEncryption
        self._key_cls = {
            "RSA": jose.RSAKey,
            "EC": jose.ECKey,
            "OKP": jose.OKPKey,
            "oct": jose.OctKey,
        }

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return self._key_cls[material.kty].import_key(material.raw(use))

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        token: bytes = self._jwt[alg].encode({"alg": alg, "typ": "JWT"}, claims, key)
        return token.decode("ascii")

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        claims = self._jwt[alg].decode(
            token,
            key,
            claims_options={
                "exp": {"essential": True},
                "aud": {"essential": True, "value": expect.audience},
                "iss": {"essential": True, "value": expect.issuer},
            },
        )
        claims.validate()
        return dict(claims)

    def _encryption(self, alg: str, enc: str) -> Any:
        """A JsonWebEncryption that accepts only ``alg`` and ``enc`` (made once)."""
        if (alg, enc) not in self._jwe:
            self._jwe[alg, enc] = self._jwe_cls(algorithms=[alg, enc])
        return self._jwe[alg, enc]

    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        header = {"alg": alg, "enc": enc} | ({"cty": cty} if cty else {})
        token: bytes = self._encryption(alg, enc).serialize_compact(header, payload, key)
        return token.decode("ascii")

    def decrypt_bytes(
        self, token: str, key: Any, alg: str, enc: str
    ) -> tuple[dict[str, Any], bytes]:
        data = self._encryption(alg, enc).deserialize_compact(token, key)
        return dict(data["header"]), bytes(data["payload"])

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        import json

        return json.loads(data) if form == "jwk" else data  # authlib takes PEM, JWK dicts, bytes

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        jose = _jose()
        if call != "hardened":
            claims = jose.jwt.decode(token, key)
            if call == "validate":
                claims.validate()
            return dict(claims)
        options = {
            "exp": {"essential": True},
            "aud": {"essential": True, "value": expect.audience},
            "iss": {"essential": True, "value": expect.issuer},
        }
        claims = jose.JsonWebToken(algs).decode(token, key, claims_options=options)
        claims.validate()
        return dict(claims)

    def decode_jwe(self, call: str, token: str, key: Any, alg: str, enc: str) -> Any:
        jwe = self._jwe_cls() if call == "default" else self._jwe_cls(algorithms=[alg, enc])
        return bytes(jwe.deserialize_compact(token, key)["payload"])

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        jws = _jose().JsonWebSignature([alg])
        return bytes(jws.deserialize_compact(token, key)["payload"])
