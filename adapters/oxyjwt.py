"""OxyJWT (``import oxyjwt``): a PyJWT-shaped JWS library on a Rust core (aws-lc-rs).

Prepared keys are ``EncodingKey``/``DecodingKey`` objects (the library parses the
key once, in Rust). Raw mode passes the secret bytes for HMAC, as PyJWT users
do; for RSA, EC and Ed25519 OxyJWT refuses str/bytes keys outright ("raw
str/bytes keys are only accepted for HMAC algorithms", its guard against key
confusion), so raw mode builds the key object from PEM on every call, which is
what an application holding PEM must do with it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from jwtbench.adapters.base import JWS_ALGS, Adapter, DecodeCall, Expect, KeyForm, Use
from jwtbench.adapters.compiled import rust_backend
from jwtbench.adapters.keys import KeyMaterial

#: OxyJWT's key constructor per JWK key type (``EncodingKey.from_*``/``DecodingKey.from_*``).
_FROM = {"oct": "from_secret", "RSA": "from_rsa_pem", "EC": "from_ec_pem", "OKP": "from_ed_pem"}


#: The claims a verify requires (one dict, read-only to oxyjwt).
_REQUIRE = {"require": ["exp", "aud", "iss"]}


class OxyJWTAdapter(Adapter):
    name = "oxyjwt"
    label = "OxyJWT"
    compiled = True
    colour = "#17becf"
    library = "oxyjwt"
    distributions = ("orjson",)  # its JSON codec (a hard dependency)
    module = "oxyjwt"
    # Its README's "Supported Algorithms" table (0.9.0), each one tried here: ES512
    # and ES256K raise InvalidAlgorithmError("unsupported JWT algorithm").
    jws_algs = frozenset(JWS_ALGS) - {"ES512", "ES256K"}
    # oxyjwt.decode() without algorithms= raises DecodeError, as PyJWT 2 does
    # (api_jwt.py: 'It is required that you pass in a value for the "algorithms"
    # argument'): nothing is accepted by default.
    enabled_by_default = frozenset()
    notes = (
        "no ES512 or ES256K; no JWE; asymmetric keys must be EncodingKey/DecodingKey "
        "objects (raw mode builds them from PEM per call); it appears to cache a parsed "
        "key by its PEM (a warm RSA PEM load took 0.4 ms against ~95 ms for cryptography, "
        "its first RS256 sign ~115x a warm one), so raw-key cells time a cache hit, not a "
        "parse: compare raw-key numbers with that in mind"
    )

    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(
            jws="oxyjwt.decode(token, DecodingKey.from_rsa_pem(pem), algorithms=algs)"
        ),
        "hardened": DecodeCall(
            jws="oxyjwt.decode(token, key, algorithms=algs, audience=aud, issuer=iss, "
            'options={"require": ["exp", "aud", "iss"]})',
            passes_expect=True,
        ),
    }

    def __init__(self) -> None:
        super().__init__()
        type(self).backend = rust_backend(self.library, "oxyjwt._oxyjwt")
        import oxyjwt

        # looked up once: on a ~2.5 us HS256 call an import statement and an options
        # dict per call were ~7% of the cell (measured against a direct call)
        self._encode, self._decode = oxyjwt.encode, oxyjwt.decode

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        import oxyjwt

        if form == "jwk":
            return oxyjwt.DecodingKey.from_jwk(data.decode())
        return _key(kty, data, "verify")

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        import oxyjwt

        if call == "default":
            return oxyjwt.decode(token, key, algorithms=algs)
        return oxyjwt.decode(
            token,
            key,
            algorithms=algs,
            audience=expect.audience,
            issuer=expect.issuer,
            options={"require": ["exp", "aud", "iss"]},
        )

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return _key(material.kty, material.raw(use), use)

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        if isinstance(key, bytes) and not alg.startswith("HS"):
            key = _key(_kty(alg), key, "sign")
        token: str = self._encode(claims, key, algorithm=alg)
        return token

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        if isinstance(key, bytes) and not alg.startswith("HS"):
            key = _key(_kty(alg), key, "verify")
        claims: dict[str, Any] = self._decode(
            token,
            key,
            algorithms=[alg],
            audience=expect.audience,
            issuer=expect.issuer,
            options=_REQUIRE,
        )
        return claims


def _kty(alg: str) -> str:
    """The JWK key type an (asymmetric) JWS algorithm signs with."""
    if alg == "EdDSA":
        return "OKP"
    return "EC" if alg.startswith("ES") else "RSA"


def _key(kty: str, raw: bytes, use: Use) -> Any:
    import oxyjwt

    cls = oxyjwt.EncodingKey if use == "sign" else oxyjwt.DecodingKey
    return getattr(cls, _FROM[kty])(raw)
