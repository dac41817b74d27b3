"""python-jose (``import jose``) with its ``cryptography`` backend.

python-jose picks a backend at import time (``cryptography`` when installed,
else pure-Python ``rsa``/``ecdsa``); the one actually loaded is recorded as
``backend`` so a result can never claim the wrong one.
"""

from __future__ import annotations

from typing import Any

from adapters.base import Adapter, AdapterUnavailable, Expect, Use
from adapters.keys import KeyMaterial


class PythonJoseAdapter(Adapter):
    name = "python-jose"
    library = "python-jose"
    module = "jose"
    jws_algs = frozenset(
        ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
    )
    # jose.jwt.decode(token, key) with algorithms=None accepts any of these.
    enabled_by_default = jws_algs
    notes = "no PS*, ES256K or EdDSA"

    def __init__(self) -> None:
        super().__init__()
        from jose.backends import RSAKey

        # Class attribute on purpose: one process, one backend.
        type(self).backend = RSAKey.__module__.rsplit(".", 1)[-1].removesuffix("_backend")
        if self.backend != "cryptography":
            raise AdapterUnavailable(
                f"python-jose loaded its {self.backend!r} backend, not 'cryptography'"
            )

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        from jose import jwk

        return jwk.construct(material.raw(use), alg)

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        from jose import jwt

        token: str = jwt.encode(claims, key, algorithm=alg)
        return token

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        from jose import jwt

        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=expect.audience,
            issuer=expect.issuer,
            options={"require_exp": True, "require_aud": True, "require_iss": True},
        )
        return claims
