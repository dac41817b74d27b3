"""jwskate (``import jwskate``): a Pythonic JOSE library (JWS, JWE, JWT) on ``cryptography``.

Prepared keys are ``jwskate.Jwk`` objects (``Jwk.from_pem`` or, for secrets,
``SymmetricJwk.from_bytes``). Raw mode passes PEM through ``Jwk.from_pem`` on
every call, and secrets as bytes, which jwskate turns into a ``SymmetricJwk``
itself (``to_jwk``; it would treat PEM bytes as a secret too, hence the PEM
branch). Tokens are parsed with ``max_size=64 KiB``: jwskate refuses any token
over 16 KiB by default, which the 16kb claim set exceeds.

jwskate verifies a signature with the algorithm the *caller* names and never
reads the token's ``alg`` header (``SignedJwt.verify_signature``), so pinning
is by construction; ``JweCompact.decrypt`` pins ``alg`` (``strict=True``) but
not ``enc``, so the adapter checks ``enc`` in the header, as a jwskate user
must.
"""

from __future__ import annotations

from typing import Any, ClassVar

from jwtbench.adapters.base import (
    JWE_ENCS,
    Adapter,
    AdapterUnavailable,
    DecodeCall,
    Expect,
    KeyForm,
    Use,
    VerificationError,
)
from jwtbench.adapters.keys import PBES2_COUNT, KeyMaterial, load_key

#: jwskate's own limit is 16 KiB per token; 64 KiB lets the 16kb payload through.
MAX_SIZE = 64 * 1024

_PBES2 = frozenset(("PBES2-HS256+A128KW", "PBES2-HS384+A192KW", "PBES2-HS512+A256KW"))


class JwskateAdapter(Adapter):
    name = "jwskate"
    label = "jwskate"
    colour = "#e6ab02"
    library = "jwskate"
    distributions = ("binapy", "cryptography")
    module = "jwskate"
    backend = "cryptography"
    # jwskate/jwa/signature: HS*, RS*, PS*, ES256/384/512, EdDSA (and HS1/RS1).
    # Its secp256k1 algorithm is registered as "ES256k" (jwa/signature/ec.py),
    # not RFC 8812's "ES256K": it neither makes nor accepts ES256K tokens, so
    # ES256K is not declared.
    jws_algs = frozenset(
        ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
         "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
    )  # fmt: skip
    # jwskate/jwa/key_mgmt: every RFC 7518 key-management alg (plus RSA-OAEP-384/512);
    # jwa/encryption: all six encs. Its RSA1_5 is decrypt-only (key_mgmt/rsa.py
    # read_only: wrap_key raises NotImplementedError "for security reasons"), and a
    # cell needs both sides, so RSA1_5 is not declared.
    jwe_algs = frozenset(
        ("RSA-OAEP", "RSA-OAEP-256", "A128KW", "A192KW", "A256KW", "dir",
         "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW",
         "A128GCMKW", "A192GCMKW", "A256GCMKW", "PBES2-HS256+A128KW")
    )  # fmt: skip
    jwe_encs = frozenset(JWE_ENCS)
    # JWS: SignedJwt(token).verify(jwk) with no alg= uses the Jwk's own "alg"
    # member and raises "an alg is required" when there is none (jwk/alg.py
    # select_alg_class): the token's header never chooses, so no JWS alg is
    # enabled by default. JWE: JweCompact(token).decrypt(jwk) with no alg= runs
    # whatever the header names that the key can do (unwrap_cek passes
    # **self.headers to recipient_key), RSA1_5 included, with any enc.
    enabled_by_default = jwe_algs | {"RSA1_5"} | jwe_encs
    notes = (
        "the token's alg header is never read: the caller's alg verifies (a token whose "
        "header names another alg still verifies if the signature fits); secp256k1 is "
        "named 'ES256k', so no ES256K; tokens over 16 KiB refused by default (the adapter "
        "passes max_size=64 KiB); decrypt pins alg but not enc (the adapter checks enc); "
        "RSA1_5 decrypts only (jwskate refuses to encrypt with it), so it is not declared; "
        "zip is ignored (compressed bytes come back as the plaintext); PBES2 p2c has no "
        "upper bound on decrypt (tests/test_attacks.py)"
    )

    # verify_signature() returns a bool (the application must test it) and checks no
    # claims; validate() raises, and checks exp (iss/aud only when given).
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(
            jws="if not Jwt(token).verify_signature(jwk, algs=algs): reject",
            jwe="JweCompact(token).decrypt(jwk)  (PBES2: .decrypt_with_password(password))",
        ),
        "validate": DecodeCall(jws="Jwt(token).validate(jwk, algs=algs)"),
        "hardened": DecodeCall(
            jws="Jwt(token).validate(jwk, algs=algs, issuer=iss, audience=aud)",
            jwe="pin alg/enc of JweCompact(token), then .decrypt(jwk, alg=alg)",
            passes_expect=True,
        ),
    }

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        import json

        from jwskate import Jwk

        if form == "jwk":
            return Jwk(json.loads(data))
        return data if kty == "oct" else Jwk.from_pem(data)

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        from jwskate import Jwt

        jwt: Any = Jwt(token)
        if call == "default":
            if not jwt.verify_signature(key, algs=algs):
                raise VerificationError("verify_signature returned False")
        elif call == "validate":
            jwt.validate(key, algs=algs)
        else:
            jwt.validate(key, algs=algs, issuer=expect.issuer, audience=expect.audience)
        return jwt.claims

    def decode_jwe(self, call: str, token: str, key: Any, alg: str, enc: str) -> Any:
        from jwskate import JweCompact

        if call == "hardened":
            return self.decrypt_bytes(token, key, alg, enc)[1]
        jwe = JweCompact(token)
        if alg in _PBES2:
            return bytes(jwe.decrypt_with_password(key))
        return bytes(jwe.decrypt(key))

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        from jwskate import JwsCompact

        jws = JwsCompact(token)
        if not jws.verify_signature(_key(key), alg=alg):
            raise VerificationError("verify_signature returned False")
        return bytes(jws.payload)

    def unsupported_reason(self, alg: str, enc: str | None = None) -> str:
        if enc is None and alg == "ES256K":
            return f"jwskate {self.version} names secp256k1 'ES256k', not RFC 8812's ES256K"
        if alg == "RSA1_5" and enc is not None:
            return f"jwskate {self.version} decrypts RSA1_5 but refuses to encrypt with it"
        return super().unsupported_reason(alg, enc)

    def __init__(self) -> None:
        super().__init__()
        from jwskate import Jwk

        # The backend it really runs: jwskate's Jwk wraps a cryptography key.
        raw = Jwk.from_pem(load_key("rsa2048").public_pem).cryptography_key
        owner = type(raw).__module__.split(".", 1)[0]
        if owner != "cryptography":
            raise AdapterUnavailable(f"jwskate's Jwk holds a {type(raw)!r}, not cryptography's")
        type(self).backend = owner

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        from jwskate import SymmetricJwk

        if alg in _PBES2:
            return material.secret  # a password, not a key: jwskate takes it as bytes
        if material.kty == "oct":
            return SymmetricJwk.from_bytes(material.secret)
        return _key(material.raw(use))

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        from jwskate import Jwt

        return str(Jwt.sign(claims, _key(key), alg=alg))

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        from jwskate import SignedJwt

        jwt = SignedJwt(token, max_size=MAX_SIZE)
        # validate(): signature with alg, then iss, aud and exp (missing exp refused).
        jwt.validate(_key(key), alg=alg, issuer=expect.issuer, audience=expect.audience)
        claims: dict[str, Any] = jwt.claims
        return claims

    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        from jwskate import JweCompact

        if alg in _PBES2:
            if cty:
                raise NotImplementedError("jwskate's encrypt_with_password takes no extra header")
            return str(
                JweCompact.encrypt_with_password(payload, key, alg=alg, enc=enc, count=PBES2_COUNT)
            )
        extra = {"cty": cty} if cty else None
        return str(JweCompact.encrypt(payload, _key(key), enc=enc, alg=alg, extra_headers=extra))

    def decrypt_bytes(
        self, token: str, key: Any, alg: str, enc: str
    ) -> tuple[dict[str, Any], bytes]:
        from jwskate import JweCompact

        jwe = JweCompact(token, max_size=MAX_SIZE)
        if jwe.alg != alg or jwe.enc != enc:  # decrypt() pins alg only
            raise VerificationError(f"JWE header is {jwe.alg}/{jwe.enc}")
        if alg in _PBES2:
            plaintext = jwe.decrypt_with_password(key)
        else:
            plaintext = jwe.decrypt(_key(key), alg=alg)
        header: dict[str, Any] = dict(jwe.headers)
        return header, bytes(plaintext)


def _key(key: Any) -> Any:
    """A Jwk from PEM (raw mode); anything else jwskate converts itself."""
    from jwskate import Jwk

    if isinstance(key, bytes) and key.startswith(b"-----BEGIN"):
        return Jwk.from_pem(key)
    return key
