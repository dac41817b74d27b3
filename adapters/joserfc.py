"""joserfc (``import joserfc``): Authlib's successor, by the same authors, on ``cryptography``.

``authlib.jose`` warns on import that it is deprecated in favour of joserfc.
Prepared keys are joserfc key objects (``RSAKey``, ``ECKey``, ``OKPKey``,
``OctKey``); joserfc 1.x takes no bare PEM or secret, so raw mode imports the
PEM (or secret) with ``jwk.import_key(data, kty)`` on every call, as an
application holding PEM does.

joserfc's registries refuse every algorithm not flagged ``recommended`` unless
the caller lists it (``JWSRegistry.get_alg``/``JWERegistry._check_algorithm``:
"Algorithm of 'HS384' is not recommended"). The adapter always passes
``algorithms=[alg]`` (JWE: ``[alg, enc]``), the documented way to pin and to
ask for a non-recommended algorithm: the registry then checks membership in
that list instead of the recommended list and runs the same algorithm code, so
a cell measures joserfc's real path either way.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from jwtbench.adapters.base import (
    JWE_ALGS,
    JWE_ENCS,
    JWS_ALGS,
    Adapter,
    AdapterUnavailable,
    DecodeCall,
    Expect,
    KeyForm,
    Use,
)
from jwtbench.adapters.keys import PBES2_COUNT, KeyMaterial, load_key


def _kty(alg: str) -> str:
    """The JWK key type an algorithm (JWS or JWE key management) needs."""
    if alg.startswith(("HS", "A1", "A2", "dir", "PBES2")):
        return "oct"
    if alg.startswith(("RS", "PS")):
        return "RSA"
    if alg.startswith(("ES", "ECDH")):
        return "EC"
    return "OKP"  # EdDSA


class JoserfcAdapter(Adapter):
    name = "joserfc"
    label = "joserfc"
    colour = "#9467bd"
    library = "joserfc"
    distributions = ("cryptography",)
    module = "joserfc"
    backend = "cryptography"
    # joserfc/jwa.py JWS_ALGORITHMS: RFC 7518 (none, HS*, RS*, ES256/384/512, PS*),
    # EdDSA (RFC 8037), ES256K (RFC 8812) and RFC 9864's Ed25519/Ed448.
    jws_algs = frozenset(JWS_ALGS)
    # joserfc/_rfc7518/jwe_algs.py JWE_ALG_MODELS (all of RFC 7518 4.x) and
    # jwe_encs.py JWE_ENC_MODELS (all six encs).
    jwe_algs = frozenset(JWE_ALGS)
    jwe_encs = frozenset(JWE_ENCS)
    # jwt.decode(value, key) without algorithms= uses default_registry, which
    # accepts only the algorithms created with recommended=True:
    # _rfc7518/jws_algs.py JWS_ALGORITHMS (HMACAlgorithm(256, True),
    # RSAAlgorithm(256, True), ESAlgorithm("ES256", ..., True)); for JWE,
    # jwe_algs.py (RSA-OAEP, A128KW, A256KW, dir, ECDH-ES, ECDH-ES+A128KW,
    # ECDH-ES+A256KW) and every enc in jwe_encs.py.
    enabled_by_default = frozenset(
        ("HS256", "RS256", "ES256",
         "RSA-OAEP", "A128KW", "A256KW", "dir", "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A256KW",
         *JWE_ENCS)
    )  # fmt: skip
    notes = (
        "without algorithms= joserfc accepts only its 'recommended' algorithms (JWS: HS256, "
        "RS256, ES256; JWE: RSA-OAEP, A128KW, A256KW, dir, ECDH-ES, ECDH-ES+A128KW, "
        "ECDH-ES+A256KW) and refuses the rest, none and RSA1_5 included; the adapter always "
        "passes algorithms=[alg] (JWE [alg, enc]), the same code path; every EdDSA and "
        "RSA1_5 use warns (SecurityWarning: deprecated by RFC 9864 / the JOSE deprecation "
        "draft), a cost inside its path that the adapter leaves as it is"
    )

    # jwt.decode() checks the signature (recommended algs only); JWTClaimsRegistry()
    # .validate() checks exp/nbf/iat when present, aud/iss only when configured.
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(
            jws="jwt.decode(token, key)", jwe="jwe.decrypt_compact(token, key).plaintext"
        ),
        "validate": DecodeCall(
            jws="d = jwt.decode(token, key); jwt.JWTClaimsRegistry().validate(d.claims)"
        ),
        "hardened": DecodeCall(
            jws="d = jwt.decode(token, key, algorithms=algs); JWTClaimsRegistry(exp/aud/iss "
            "essential, aud/iss values).validate(d.claims)",
            jwe="jwe.decrypt_compact(token, key, algorithms=[alg, enc]).plaintext",
            passes_expect=True,
        ),
    }

    def __init__(self) -> None:
        super().__init__()
        from joserfc.jwk import RSAKey

        # The backend it really runs: joserfc's key objects wrap cryptography keys.
        raw = RSAKey.import_key(load_key("rsa2048").public_pem).raw_value
        owner = type(raw).__module__.split(".", 1)[0]
        if owner != "cryptography":
            raise AdapterUnavailable(f"joserfc's RSAKey holds a {type(raw)!r}, not cryptography's")
        type(self).backend = owner

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return _import(material.raw(use), material.kty)

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        from joserfc import jwt

        return jwt.encode({"alg": alg}, claims, _key(key, alg), algorithms=[alg])

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        from joserfc import jwt

        decoded = jwt.decode(token, _key(key, alg), algorithms=[alg])
        # joserfc's documented claims check: a registry of essential claims.
        jwt.JWTClaimsRegistry(
            exp={"essential": True},
            aud={"essential": True, "value": expect.audience},
            iss={"essential": True, "value": expect.issuer},
        ).validate(decoded.claims)
        return decoded.claims

    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        from joserfc import jwe

        header: dict[str, Any] = {"alg": alg, "enc": enc} | ({"cty": cty} if cty else {})
        if alg.startswith("PBES2"):  # joserfc's default p2c is 2048: the harness's count
            header["p2c"] = PBES2_COUNT
        return jwe.encrypt_compact(header, payload, _key(key, alg), algorithms=[alg, enc])

    def decrypt_bytes(
        self, token: str, key: Any, alg: str, enc: str
    ) -> tuple[dict[str, Any], bytes]:
        from joserfc import jwe

        obj = jwe.decrypt_compact(token, _key(key, alg), algorithms=[alg, enc])
        assert obj.plaintext is not None  # decrypt_compact raises on failure
        return dict(obj.protected), bytes(obj.plaintext)

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        from joserfc import jwk

        if form == "jwk":
            return jwk.import_key(json.loads(data))
        return _import(data, kty)

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        from joserfc import jwt

        if call != "hardened":
            decoded = jwt.decode(token, key)
            if call == "validate":
                jwt.JWTClaimsRegistry().validate(decoded.claims)
            return decoded.claims
        decoded = jwt.decode(token, key, algorithms=algs)
        jwt.JWTClaimsRegistry(
            exp={"essential": True},
            aud={"essential": True, "value": expect.audience},
            iss={"essential": True, "value": expect.issuer},
        ).validate(decoded.claims)
        return decoded.claims

    def decode_jwe(self, call: str, token: str, key: Any, alg: str, enc: str) -> Any:
        from joserfc import jwe

        algorithms = None if call == "default" else [alg, enc]
        return jwe.decrypt_compact(token, key, algorithms=algorithms).plaintext

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        from joserfc import jws

        return bytes(jws.deserialize_compact(token, _key(key, alg), algorithms=[alg]).payload)


def _import(data: bytes, kty: str) -> Any:
    from joserfc import jwk

    return jwk.import_key(data, kty)  # type: ignore[call-overload]


def _key(key: Any, alg: str) -> Any:
    """A joserfc key from what the harness passes (raw mode: PEM or secret bytes)."""
    return _import(key, _kty(alg)) if isinstance(key, bytes) else key
