"""Every attack case, in report order, and ``craft`` (a case -> its tokens and key).

Ids are the issue's (``alg-none``, ``hmac-key-confusion``...) plus two that
library findings suggested (``header-alg-mismatch``: a verifier that ignores
the header's alg; ``pss-as-pkcs1``: PS256 verified as PKCS#1 v1.5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from jwtbench.adapters.base import Expect
from jwtbench.measure.conformance import cases as k
from jwtbench.measure.conformance.cases import Case, Crafted

_NONE = "CVE-2015-9235 class: alg none accepted (RFC 8725 3.1)"
_CONF = "CVE-2016-10555 / CVE-2024-33663 class: RSA public key used as HMAC secret (RFC 8725 3.1)"
_EVIL = "https://evil.example.com"


def _case(
    id: str, variant: str, crafts: str, reproduces: str, safe: str = "refused", **kw: Any
) -> Case:
    kind: Literal["jws", "jwe"] = "jwe" if id in _JWE_IDS else "jws"
    return Case(
        id=id, variant=variant, kind=kind, crafts=crafts, reproduces=reproduces, safe=safe, **kw
    )


_JWE_IDS = frozenset(("zip-bomb", "pbes2-p2c", "invalid-curve-epk", "rsa1_5-default"))

CASES: tuple[Case, ...] = (
    *(
        _case("alg-none", v, f'header alg "{v}", empty signature, the RSA key supplied', _NONE)
        for v in ("none", "None", "NONE")
    ),
    *(
        _case(
            "hmac-key-confusion",
            form,
            f"HS256 keyed with the victim's RSA public key as {form}",
            _CONF,
            form=form,
        )
        for form in ("pem", "pkcs1", "jwk", "stripped")
    ),
    _case(
        "hmac-key-confusion",
        "allow-list",
        "HS256 keyed with the public PEM; the application allows [RS256, HS256]",
        _CONF,
        algs=("RS256", "HS256"),
    ),
    *(
        _case(
            "psychic-ecdsa",
            v,
            f"ES256 signature (r, s) = {v}",
            "CVE-2022-21449 (psychic signatures)",
            victim="p256",
            algs=("ES256",),
        )
        for v in ("zero", "n", "zero-n")
    ),
    _case(
        "curve-mismatch",
        "",
        "header ES512 signed with the victim's P-256 key (SHA-512); allow-list [ES256, ES512]",
        "curve not bound to alg (RFC 7518 3.4)",
        victim="p256",
        algs=("ES256", "ES512"),
    ),
    _case(
        "header-alg-mismatch",
        "",
        "header RS512, signature RS256 by the victim's key",
        "verifier ignores the header alg (RFC 7515 4.1.1)",
    ),
    _case(
        "pss-as-pkcs1",
        "",
        "header PS256, a PKCS#1 v1.5 SHA-256 signature by the victim's key",
        "PS256 verified as RS256 (RFC 7518 3.5)",
        algs=("PS256",),
    ),
    _case(
        "crit-unknown",
        "",
        'signed token with crit ["urn:x-unknown"]',
        "RFC 7515 4.1.11: unknown critical header must be refused",
    ),
    _case(
        "b64-false-without-crit",
        "",
        "RFC 7797 unencoded payload signed as such, b64 not in crit",
        "RFC 7797 6: b64 false requires crit",
        expect=k.DOTLESS,
    ),
    _case("expired", "", "exp an hour ago", "RFC 7519 4.1.4"),
    _case(
        "not-yet-valid",
        "",
        "nbf an hour ahead",
        "RFC 7519 4.1.5",
        floor_gap="the floor checks exp/aud/iss only, not nbf",
    ),
    _case(
        "wrong-aud",
        "",
        f"aud {_EVIL}, the call names the expected audience",
        "RFC 7519 4.1.3",
        needs_expect=True,
    ),
    _case(
        "missing-aud",
        "",
        f"aud {_EVIL}, the call names no audience",
        "RFC 7519 4.1.3: a foreign aud must be refused when the application does not name one",
        needs_expect=False,
    ),
    _case("wrong-iss", "", "iss https://evil.example.com", "RFC 7519 4.1.1", needs_expect=True),
    _case(
        "claim-type",
        "exp-string",
        'exp "9999999999" (a string)',
        "NumericDate type confusion (RFC 7519 2)",
    ),
    _case("claim-type", "exp-true", "exp true", "NumericDate type confusion (RFC 7519 2)"),
    _case(
        "embedded-jwk",
        "",
        "header jwk with the attacker's key, signed by it",
        "CVE-2018-0114 class: trusting an embedded jwk",
    ),
    *(
        _case(
            "jku-x5u-fetch",
            v,
            f"header {v} https://evil.example.com/keys, signed by the attacker",
            "SSRF / key injection via jku/x5u (RFC 8725 3.10)",
            safe="refused without any network attempt",
        )
        for v in ("jku", "x5u")
    ),
    *(
        _case(
            "kid-injection",
            v,
            f"HS256 with kid {v} injection, keyed with what the lookup would return",
            "kid path traversal / SQL injection",
        )
        for v in ("path", "sql")
    ),
    _case(
        "duplicate-header-member",
        "",
        '{"alg":"RS256",...,"alg":"none"}, no signature',
        "parser differential on duplicate members (RFC 7515 4)",
    ),
    _case(
        "huge-token",
        "",
        "a 10 MB token (claims padded), signed by the attacker",
        "resource exhaustion by size",
        safe="refused within the limits",
    ),
    *(
        _case(
            "zip-bomb",
            v,
            f"dir + A256GCM, zip DEF of {v} of zeros (raw DEFLATE; -zlib: zlib-wrapped)",
            "CVE-2024-33664 class: decompression bomb",
            safe=f"refused, or at most {k.INFLATE_LIMIT} bytes inflated",
            victim="dir",
            algs=("dir", "A256GCM"),
            max_plaintext=k.INFLATE_LIMIT,
        )
        for v in ("10MB", "100MB", "1GB", "100MB-zlib")
    ),
    _case(
        "pbes2-p2c",
        "",
        "PBES2-HS256+A128KW with p2c 2^31-1",
        "CVE-2023-50967 class: unbounded PBKDF2 count",
        safe="refused before the work",
        victim="password",
        algs=("PBES2-HS256+A128KW", "A256GCM"),
    ),
    *(
        _case(
            "invalid-curve-epk",
            v,
            f"ECDH-ES epk {v} (order-3 point off P-256; a P-384 point)",
            "invalid-curve attack (CVE-2017-16007 class)",
            victim="p256",
            algs=("ECDH-ES", "A256GCM"),
        )
        for v in ("off-curve", "wrong-curve")
    ),
    _case(
        "rsa1_5-default",
        "",
        "a valid RSA1_5 + A256GCM token; the application uses RSA-OAEP",
        "Bleichenbacher oracle exposure (RFC 8725 3.2)",
        safe="refused unless asked for",
        algs=("RSA-OAEP", "A256GCM"),
    ),
)

_JWS: dict[str, Callable[[Case], str]] = {
    "alg-none": k._alg_none,
    "hmac-key-confusion": k._hmac_confusion,
    "psychic-ecdsa": k._psychic,
    "curve-mismatch": k._victim_signed({"alg": "ES512", "typ": "JWT"}, "ES512"),
    "header-alg-mismatch": k._victim_signed({"alg": "RS512", "typ": "JWT"}, "RS256"),
    "pss-as-pkcs1": k._victim_signed({"alg": "PS256", "typ": "JWT"}, "RS256"),
    "crit-unknown": k._victim_signed(
        {"alg": "RS256", "typ": "JWT", "crit": ["urn:x-unknown"], "urn:x-unknown": True}, "RS256"
    ),
    "b64-false-without-crit": k._b64_false,
    "expired": k._victim_signed({"alg": "RS256", "typ": "JWT"}, "RS256", exp=-3600),
    "not-yet-valid": k._victim_signed({"alg": "RS256", "typ": "JWT"}, "RS256", nbf=3600),
    "wrong-aud": k._victim_signed({"alg": "RS256", "typ": "JWT"}, "RS256", aud=_EVIL),
    "missing-aud": k._victim_signed({"alg": "RS256", "typ": "JWT"}, "RS256", aud=_EVIL),
    "wrong-iss": k._victim_signed({"alg": "RS256", "typ": "JWT"}, "RS256", iss=_EVIL),
    "embedded-jwk": k._attacker_signed(k._attacker_jwk),
    "kid-injection": k._kid,
    "duplicate-header-member": k._duplicate,
    "huge-token": k._huge,
}
_JWE: dict[str, Callable[[Case], str]] = {
    "zip-bomb": k._zip_bomb,
    "pbes2-p2c": k._pbes2,
    "invalid-curve-epk": k._invalid_curve,
    "rsa1_5-default": k._rsa1_5,
}


def _jku(case: Case) -> str:
    header = {"alg": "RS256", "typ": "JWT", case.variant: "https://evil.example.com/keys"}
    return k._attacker_signed(lambda: header)(case)


def _claim_type(case: Case) -> str:
    exp: object = "9999999999" if case.variant == "exp-string" else True
    return k._victim_signed({"alg": "RS256", "typ": "JWT"}, "RS256", exp=exp)(case)


_JWS["jku-x5u-fetch"] = _jku
_JWS["claim-type"] = _claim_type


def select(names: list[str] | None) -> list[Case]:
    """The cases whose id (or ``id/variant``) is in ``names``; all when None."""
    if not names:
        return list(CASES)
    chosen = [case for case in CASES if case.id in names or case.name in names]
    return chosen


def known_names() -> list[str]:
    return sorted({case.id for case in CASES} | {case.name for case in CASES})


def without_audience(case: Case) -> Case:
    """The case for a call given no expected audience: its tokens carry no ``aud``."""
    return replace(case, expect=Expect(audience="", issuer=case.expect.issuer))


def craft(case: Case) -> Crafted:
    """The case's attack token, its positive control and the victim's key."""
    key, kty = k.victim_key(case)
    if case.kind == "jwe":
        plaintext = k._plaintext(case)
        return Crafted(
            case, _JWE[case.id](case), k.control_jwe(case, plaintext), key, kty, plaintext
        )
    return Crafted(case, _JWS[case.id](case), k.control_jws(case), key, kty)


__all__ = ["CASES", "craft", "known_names", "select", "without_audience"]
