"""PyJWT (``import jwt``): the most used JWT library in Python.

Prepared keys are what ``Algorithm.prepare_key`` returns (a ``cryptography``
key object, or the secret bytes); raw keys are PEM bytes, which PyJWT parses on
every ``encode``/``decode`` call.
"""

from __future__ import annotations

from typing import Any

from jwtbench.adapters.base import JWS_ALGS, Adapter, AdapterUnavailable, Expect, Use
from jwtbench.adapters.keys import KeyMaterial
from jwtbench.adapters.owners import foreign_owner


class PyJWTAdapter(Adapter):
    name = "pyjwt"
    label = "PyJWT"
    colour = "#1f77b4"
    library = "pyjwt"
    module = "jwt"
    backend = "cryptography"
    jws_algs = frozenset(JWS_ALGS)
    # jwt.decode() without algorithms= raises DecodeError since 2.0: nothing is
    # accepted by default.
    enabled_by_default = frozenset()

    def __init__(self) -> None:
        # PyPI's "jwt" (GehirnInc) installs the same top-level module: an import
        # that succeeds is not proof that this is PyJWT.
        super().__init__()  # first: a missing module says "not installed"
        foreign = foreign_owner(self.module, self.library)
        if foreign is not None:
            raise AdapterUnavailable(f"{foreign}, not PyJWT")

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        import jwt

        return jwt.get_algorithm_by_name(alg).prepare_key(material.raw(use))

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        import jwt

        return jwt.encode(claims, key, algorithm=alg)

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        import jwt

        return jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=expect.audience,
            issuer=expect.issuer,
            options={"require": ["exp", "aud", "iss"]},
        )
