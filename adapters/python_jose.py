"""python-jose (``import jose``) with its ``cryptography`` backend.

python-jose picks a backend at import time (``cryptography`` when installed,
else pure-Python ``rsa``/``ecdsa``); the one actually loaded is recorded as
``backend`` so a result can never claim the wrong one.
"""

from __future__ import annotations

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
from jwtbench.adapters.keys import KeyMaterial


class PythonJoseAdapter(Adapter):
    name = "python-jose"
    label = "python-jose"
    colour = "#d62728"
    library = "python-jose"
    distributions = ("ecdsa", "rsa")  # its native backends, if present
    module = "jose"
    jws_algs = frozenset(
        ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
    )
    jwe_algs = frozenset(
        ("RSA-OAEP", "RSA-OAEP-256", "RSA1_5", "A128KW", "A192KW", "A256KW", "dir")
    )
    jwe_encs = frozenset(
        ("A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "A128GCM", "A192GCM", "A256GCM")
    )
    # jose.jwt.decode(token, key) with algorithms=None accepts any of its JWS algs, and
    # jwe.decrypt(token, key) has no allow-list: every JWE alg/enc (RSA1_5 included:
    # the conformance case rsa1_5-default is accepted).
    enabled_by_default = jws_algs | jwe_algs | jwe_encs
    notes = (
        "no PS*, ES256K or EdDSA; no ECDH-ES, AES-GCMKW or PBES2; jwe.decrypt() has no "
        "algorithm allow-list, so the adapter checks the header itself"
    )

    # jwt.decode(token, key) checks exp/nbf/iat/aud by default with algorithms=None
    # (any supported alg); jwe.decrypt() has no allow-list at all.
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(
            jws="jose.jwt.decode(token, key)", jwe="jose.jwe.decrypt(token, key)"
        ),
        "hardened": DecodeCall(
            jws="jwt.decode(token, key, algorithms=algs, audience=aud, issuer=iss, "
            'options={"require_exp": True, "require_aud": True, "require_iss": True})',
            jwe="pin alg/enc from jwe.get_unverified_header(token), then jwe.decrypt(token, key)",
            passes_expect=True,
        ),
    }

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

        if use in ("encrypt", "decrypt"):
            # jwe.encrypt/decrypt reject python-jose's own Key objects; the closest
            # to a prepared key they take is a cryptography key (wrapped per call).
            if material.kty == "oct":
                return material.secret
            return material.private_key() if use == "decrypt" else material.public_key()
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

    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        from jose import jwe

        token: bytes = jwe.encrypt(payload, key, encryption=enc, algorithm=alg, cty=cty)
        return token.decode("ascii")

    def decrypt_bytes(
        self, token: str, key: Any, alg: str, enc: str
    ) -> tuple[dict[str, Any], bytes]:
        from jose import jwe

        # jwe.decrypt() trusts the token's own alg/enc: pin them first, as an
        # application using python-jose must.
        header: dict[str, Any] = jwe.get_unverified_header(token)
        if header.get("alg") != alg or header.get("enc") != enc:
            raise VerificationError(f"JWE header is {header.get('alg')}/{header.get('enc')}")
        plaintext: bytes = jwe.decrypt(token, key)
        return header, plaintext

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        return conformance_key(data, form)

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        return decode_jws(call, token, key, algs, expect)

    def decode_jwe(self, call: str, token: str, key: Any, alg: str, enc: str) -> Any:
        from jose import jwe

        if call == "default":
            return jwe.decrypt(token, key)
        return self.decrypt_bytes(token, key, alg, enc)[1]

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        return verify_bytes(token, key, alg)


# The conformance calls, shared with ``python_jose_native`` (the same python-jose API;
# which backend runs is decided where python-jose is imported).


def conformance_key(data: bytes, form: KeyForm) -> Any:
    """The key as python-jose's users pass it: PEM bytes, a JWK dict, a secret."""
    import json

    return json.loads(data) if form == "jwk" else data


def decode_jws(call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
    """``jwt.decode(token, key)`` (default), or with the allow-list and claim checks."""
    from jose import jwt

    if call == "default":
        return jwt.decode(token, key)
    return jwt.decode(
        token,
        key,
        algorithms=algs,
        audience=expect.audience,
        issuer=expect.issuer,
        options={"require_exp": True, "require_aud": True, "require_iss": True},
    )


def verify_bytes(token: str, key: Any, alg: str) -> bytes:
    """The signature alone (published examples): ``jws.verify(token, key, [alg])``."""
    from jose import jws

    payload: bytes = jws.verify(token, key, [alg])
    return payload
