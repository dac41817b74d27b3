"""PyJWT (``import jwt``): the most used JWT library in Python.

Prepared keys are what ``Algorithm.prepare_key`` returns (a ``cryptography``
key object, or the secret bytes); raw keys are PEM bytes, which PyJWT parses on
every ``encode``/``decode`` call.
"""

from __future__ import annotations

from typing import Any, ClassVar

from jwtbench.adapters.base import (
    JWS_ALGS,
    Adapter,
    AdapterUnavailable,
    DecodeCall,
    Expect,
    KeyForm,
    Use,
)
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
    # algorithms= is required since 2.0, so the shortest call that can succeed names them;
    # decode() checks exp/nbf/iat itself, and refuses an aud when no audience is given.
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(jws="jwt.decode(token, key, algorithms=algs)"),
        "hardened": DecodeCall(
            jws="jwt.decode(token, key, algorithms=algs, audience=aud, issuer=iss, "
            'options={"require": ["exp", "aud", "iss"]})',
            passes_expect=True,
        ),
    }

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

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        import jwt

        # a JWK is loaded with PyJWK (its documented way); PEM and secrets pass as they are
        return jwt.PyJWK.from_json(data.decode()) if form == "jwk" else data

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        import jwt

        if call == "default":
            return jwt.decode(token, key, algorithms=algs)
        return self._hardened(token, key, algs, expect)

    @staticmethod
    def _hardened(token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        import jwt

        return jwt.decode(
            token,
            key,
            algorithms=algs,
            audience=expect.audience,
            issuer=expect.issuer,
            options={"require": ["exp", "aud", "iss"]},
        )

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        import jwt

        payload: bytes = jwt.PyJWS().decode(token, key, algorithms=[alg])
        return payload
