"""jwt (the PyPI distribution "jwt", by GehirnInc; ``import jwt``): JWS on ``cryptography``.

It installs a top-level ``jwt`` package, exactly like PyJWT, so the two cannot
share an environment: whichever installs last overwrites the other's files.
The adapter therefore asks ``importlib.metadata.packages_distributions()``
which distribution owns the ``jwt`` module here, and is unavailable (with that
reason) unless it is this one alone.

Keys are always the library's JWK objects (``OctetJWK``, ``jwk_from_pem``): its
``encode``/``decode`` refuse anything else, so raw mode builds them per call.
``JWT.decode`` checks the signature, the pinned algorithm and, when present,
``exp``/``nbf``; it has no audience or issuer check and does not require
``exp``, so the adapter checks those claims itself, as its users must.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any, ClassVar

from jwtbench.adapters.base import Adapter, AdapterUnavailable, DecodeCall, Expect, KeyForm, Use
from jwtbench.adapters.jose import check_claims
from jwtbench.adapters.keys import KeyMaterial
from jwtbench.adapters.owners import foreign_owner


class GehirnJWTAdapter(Adapter):
    name = "jwt"
    label = "jwt (GehirnInc)"
    colour = "#7f7f7f"
    library = "jwt"
    module = "jwt"
    # jwt.jwa.supported_signing_algorithms() in 1.4.0; jwk.supported_key_types()
    # is only oct and RSA, so there is no ES* or EdDSA at all.
    jws_algs = frozenset(
        ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
    )
    # JWS.decode with algorithms=None allows every supported algorithm.
    enabled_by_default = jws_algs
    notes = (
        "no ES* or EdDSA, no JWE; decode() checks no aud/iss and does not require exp "
        "(the adapter checks them); installs module jwt like PyJWT: own environment only"
    )

    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(jws="jwt.JWT().decode(token, key)"),
        "hardened": DecodeCall(
            jws="jwt.JWT().decode(token, key, algorithms=set(algs)), then exp/aud/iss "
            "checked by the application (it has no aud/iss check)",
            passes_expect=True,
        ),
    }

    def __init__(self) -> None:
        foreign = foreign_owner("jwt", self.library)
        if foreign is not None:
            raise AdapterUnavailable(
                f"{foreign}: PyPI 'jwt' needs its own environment (jwtbench run --isolate, "
                "or --adapters naming it with pyjwt)"
            )
        super().__init__()
        type(self).backend = "cryptography"

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return _to_jwk(material.raw(use))

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        token: str = _instance().encode(claims, _to_jwk(key), alg=alg)
        return token

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        claims = _instance().decode(token, _to_jwk(key), algorithms={alg})
        return check_claims(claims, expect)

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        import json

        jwt = _jwt()
        if form == "jwk":  # its documented loaders: jwk_from_dict, jwk_from_pem, OctetJWK
            return jwt.jwk_from_dict(json.loads(data))
        return _to_jwk(data)

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        if call == "default":
            return _instance().decode(token, key)
        return check_claims(_instance().decode(token, key, algorithms=set(algs)), expect)

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        payload: bytes = (
            importlib.import_module("jwt.jws").JWS().decode(token, _to_jwk(key), algorithms={alg})
        )
        return payload


def _jwt() -> Any:
    """GehirnInc's ``jwt`` module, typed as Any: type checkers see PyJWT's under that name."""
    return importlib.import_module("jwt")


@cache
def _instance() -> Any:
    """One ``jwt.JWT()``, made once, as its documentation's examples do."""
    return _jwt().JWT()


def _to_jwk(key: Any) -> Any:
    jwt = _jwt()
    if isinstance(key, jwt.AbstractJWKBase):
        return key
    if key.startswith(b"-----BEGIN"):
        return jwt.jwk_from_pem(key)
    return importlib.import_module("jwt.jwk").OctetJWK(key)
