"""Authlib's JOSE module (``authlib.jose``), as used by Authlib's OAuth servers.

Authlib 1.x marks ``authlib.jose`` deprecated in favour of joserfc (same
authors) but still ships and uses it; the warning is silenced here so it does
not flood the run. Prepared keys are Authlib key objects (``RSAKey``...); raw
keys are PEM bytes, imported on every call.
"""

from __future__ import annotations

import warnings
from typing import Any

from adapters.base import JWS_ALGS, Adapter, Expect, Use
from adapters.keys import KeyMaterial


def _jose() -> Any:
    # authlib.deprecate installs an "always" filter when first imported; import
    # it before ours so our "ignore" filter takes precedence.
    import authlib.deprecate  # noqa: F401

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import authlib.jose

    return authlib.jose


class AuthlibAdapter(Adapter):
    name = "authlib"
    library = "authlib"
    module = "authlib"
    backend = "cryptography"
    jws_algs = frozenset(JWS_ALGS)
    # authlib.jose.jwt (the module-level instance) accepts every registered
    # algorithm except "none" when the caller does not restrict them.
    enabled_by_default = frozenset(JWS_ALGS)
    notes = "authlib.jose is deprecated upstream in favour of joserfc"

    def __init__(self) -> None:
        super().__init__()
        jose = _jose()
        self._jwt: dict[str, Any] = {alg: jose.JsonWebToken([alg]) for alg in JWS_ALGS}
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
