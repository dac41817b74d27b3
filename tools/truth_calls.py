"""The library calls of ``tools/truth.py``, written directly (not the harness's adapters).

One builder per library: from an alg and the key material of ``adapters/data/keys``,
the library's own sign and verify calls, the way its documentation (and jwtbench's
adapter for it) calls it; ``verify`` checks the signature, the header alg (only the
requested one is allowed) and exp/aud/iss as the adapters do. A library that cannot
do an alg raises ``Refused`` with the reason. Kept apart from the timing script so
that each file reads on its own: this one is the libraries, that one the method.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

from jwtbench.adapters.jose import Expect, b64url
from jwtbench.adapters.keys import KeyMaterial

EXPECT = Expect()

Sign = Callable[[dict[str, Any]], str]
Verify = Callable[[str], dict[str, Any]]
Builder = Callable[[str, KeyMaterial], tuple[Sign, Verify]]


class Refused(Exception):
    """A library's calls failed the check before timing (reason in the message)."""


def _kty(alg: str) -> str:
    if alg.startswith("HS"):
        return "oct"
    if alg.startswith(("RS", "PS")):
        return "RSA"
    return "EC" if alg.startswith("ES") else "OKP"


def _pyjwt(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    import jwt

    algorithm = jwt.get_algorithm_by_name(alg)
    sk, vk = (
        algorithm.prepare_key(material.raw("sign")),
        algorithm.prepare_key(material.raw("verify")),
    )
    options: Any = {"require": ["exp", "aud", "iss"]}
    aud, iss = EXPECT.audience, EXPECT.issuer
    return (
        lambda claims: jwt.encode(claims, sk, algorithm=alg),
        lambda token: jwt.decode(
            token, vk, algorithms=[alg], audience=aud, issuer=iss, options=options
        ),
    )


def _jwcrypto(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    from jwcrypto import jwk, jwt

    def key(use: str) -> Any:
        if material.kty == "oct":
            return jwk.JWK(kty="oct", k=b64url(material.secret))
        return jwk.JWK.from_pem(material.raw(use))

    sk, vk = key("sign"), key("verify")
    checks = {"exp": None, "aud": EXPECT.audience, "iss": EXPECT.issuer}

    def sign(claims: dict[str, Any]) -> str:
        token = jwt.JWT(header={"alg": alg, "typ": "JWT"}, claims=claims)
        token.make_signed_token(sk)
        return str(token.serialize())

    def verify(token: str) -> dict[str, Any]:
        checked = jwt.JWT(jwt=token, key=vk, algs=[alg], check_claims=checks)
        return dict(json.loads(checked.claims))

    return sign, verify


def _authlib(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    import authlib.deprecate  # noqa: F401  (installs its filter first; ours then wins)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib import jose
    classes = {"oct": jose.OctKey, "RSA": jose.RSAKey, "EC": jose.ECKey, "OKP": jose.OKPKey}
    cls = classes[material.kty]
    sk, vk = cls.import_key(material.raw("sign")), cls.import_key(material.raw("verify"))
    token_api = jose.JsonWebToken([alg])
    options = {
        "exp": {"essential": True},
        "aud": {"essential": True, "value": EXPECT.audience},
        "iss": {"essential": True, "value": EXPECT.issuer},
    }

    def verify(token: str) -> dict[str, Any]:
        claims = token_api.decode(token, vk, claims_options=options)
        claims.validate()
        return dict(claims)

    return lambda claims: token_api.encode({"alg": alg, "typ": "JWT"}, claims, sk).decode(), verify


def _python_jose(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    from jose import jwk, jwt

    if alg.startswith("PS") or alg == "EdDSA":
        raise Refused("python-jose has no PS* or EdDSA")
    sk, vk = jwk.construct(material.raw("sign"), alg), jwk.construct(material.raw("verify"), alg)
    options = {"require_exp": True, "require_aud": True, "require_iss": True}
    aud, iss = EXPECT.audience, EXPECT.issuer
    return (
        lambda claims: jwt.encode(claims, sk, algorithm=alg),
        lambda token: jwt.decode(
            token, vk, algorithms=[alg], audience=aud, issuer=iss, options=options
        ),
    )


def _joserfc(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    from joserfc import jwk, jwt

    kty = _kty(alg)
    sk, vk = jwk.import_key(material.raw("sign"), kty), jwk.import_key(material.raw("verify"), kty)  # type: ignore[call-overload]
    registry = jwt.JWTClaimsRegistry(
        exp={"essential": True},
        aud={"essential": True, "value": EXPECT.audience},
        iss={"essential": True, "value": EXPECT.issuer},
    )

    def verify(token: str) -> dict[str, Any]:
        decoded = jwt.decode(token, vk, algorithms=[alg])
        registry.validate(decoded.claims)
        return dict(decoded.claims)

    return lambda claims: jwt.encode({"alg": alg}, claims, sk, algorithms=[alg]), verify


def _jwskate(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    from jwskate import Jwk, Jwt, SignedJwt, SymmetricJwk

    sk: Any
    vk: Any
    if material.kty == "oct":
        sk = vk = SymmetricJwk.from_bytes(material.secret)
    else:
        sk, vk = Jwk.from_pem(material.raw("sign")), Jwk.from_pem(material.raw("verify"))

    def verify(token: str) -> dict[str, Any]:
        parsed = SignedJwt(token, max_size=64 * 1024)
        parsed.validate(vk, alg=alg, issuer=EXPECT.issuer, audience=EXPECT.audience)
        return dict(parsed.claims)

    return lambda claims: str(Jwt.sign(claims, sk, alg=alg)), verify


def _josepy(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    from josepy.jwa import JWASignature
    from josepy.jwk import JWK, JWKOct
    from josepy.jws import JWS

    from jwtbench.adapters.jose import check_claims  # the claim checks josepy lacks

    if alg.startswith("PS") or alg == "EdDSA":
        raise Refused("josepy: no EdDSA, and PS* with a non-RFC salt (not declared)")
    sk: Any
    vk: Any
    if material.kty == "oct":
        sk = vk = JWKOct(key=material.secret)
    else:
        sk, vk = JWK.load(material.raw("sign")), JWK.load(material.raw("verify"))
    algorithm, protect = JWASignature.from_json(alg), frozenset(("alg", "typ"))

    def sign(claims: dict[str, Any]) -> str:
        payload = json.dumps(claims, separators=(",", ":")).encode()
        signed = JWS.sign(
            payload,
            key=sk,
            alg=algorithm,
            include_jwk=False,
            protect=protect,
            typ="application/JWT",
        )
        return str(signed.to_compact().decode("ascii"))

    def verify(token: str) -> dict[str, Any]:
        parsed = JWS.from_compact(token.encode("ascii"))
        header_alg = parsed.signature.combined.alg
        if header_alg is None or header_alg.name != alg or not parsed.verify(vk):
            raise ValueError("refused")
        return dict(check_claims(json.loads(parsed.payload), EXPECT))

    return sign, verify


def _oxyjwt(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    import oxyjwt

    if material.kty == "oct":
        sk = vk = material.secret
    else:
        make = {"RSA": "from_rsa_pem", "EC": "from_ec_pem", "OKP": "from_ed_pem"}[material.kty]
        sk = getattr(oxyjwt.EncodingKey, make)(material.raw("sign"))
        vk = getattr(oxyjwt.DecodingKey, make)(material.raw("verify"))
    options = {"require": ["exp", "aud", "iss"]}
    aud, iss = EXPECT.audience, EXPECT.issuer
    return (
        lambda claims: oxyjwt.encode(claims, sk, algorithm=alg),
        lambda token: oxyjwt.decode(
            token, vk, algorithms=[alg], audience=aud, issuer=iss, options=options
        ),
    )


def _webtoken(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    import webtoken
    from webtoken import webtoken as wrapper

    native = wrapper.rust_lib  # encode() prints to stdout; the adapter calls this too
    if material.kty == "oct":
        sk = vk = material.secret
    else:
        sk, vk = (
            native.load_key_from_pem(material.raw("sign")),
            native.load_key_from_pem(material.raw("verify")),
        )
    options = {"require": ["exp", "aud", "iss"]}
    aud, iss = EXPECT.audience, EXPECT.issuer
    return (
        lambda claims: native.encode(claims, sk, alg, None, True, False),
        lambda token: webtoken.decode(
            token, vk, algorithms=[alg], audience=aud, issuer=iss, options=options
        ),
    )


def _pyjosers(alg: str, material: KeyMaterial) -> tuple[Sign, Verify]:
    from pyjosers import jwk, jwt

    def key(use: str) -> Any:
        if material.kty == "oct":
            return jwk.JWK(kty="oct", k=b64url(material.secret))
        return jwk.JWK.from_pem(material.raw(use))

    sk, vk = key("sign"), key("verify")
    policy = jwt.Validation(
        issuer=EXPECT.issuer, audience=EXPECT.audience, allowed_algorithms=[alg], require_exp=True
    )
    return (
        lambda claims: jwt.encode(sk, claims, algorithm=alg),
        lambda token: jwt.decode(token, vk, validation=policy),
    )


#: Results-file adapter name -> how this script calls that library.
LIBRARIES: dict[str, Builder] = {
    "pyjwt": _pyjwt,
    "jwcrypto": _jwcrypto,
    "authlib": _authlib,
    "python-jose": _python_jose,
    "joserfc": _joserfc,
    "jwskate": _jwskate,
    "josepy": _josepy,
    "oxyjwt": _oxyjwt,
    "webtoken": _webtoken,
    "pyjosers": _pyjosers,
}
