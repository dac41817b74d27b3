"""The floor against the leanest straight-line JWS we can write, timed interleaved.

Why: this machine's speed flips ~1.8x from one second to the next, so two
implementations timed at different moments give a ratio of moments, not of
code. Here every round times the floor and the lean version back to back in
short bursts (ABBA, ~``--burst-ms`` each, pinned to one CPU, gc off), and the
paired ratio floor/lean of that round is kept. The table shows the median
paired ratio with a distribution-free 95% interval (order statistics of the
median) over ``--rounds`` rounds.

The lean version (``lean_sign``/``lean_verify`` below) is specialised per alg,
key and expectation at build time and does exactly the floor's checks (see
``jwtbench.adapters.floor``): strict base64url, header alg pinned, no crit,
signature, exp/aud/iss. Both are checked to agree before anything is timed.

The last columns pair the floor with the crypto limit (``jwtbench.adapters.limit``,
its cells built by the correctness gate): floor/limit, and the share of the
floor's time that is the primitive (limit/floor).

    python tools/floor_vs_lean.py [--algs HS256,RS256,...] [--rounds 200]
"""

from __future__ import annotations

import argparse
import binascii
import gc
import hmac
import json
import os
import time
from collections.abc import Callable
from itertools import repeat
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from scipy.stats import binom

from jwtbench.adapters import Expect, load_adapter
from jwtbench.adapters.jose import b64url, compact_json
from jwtbench.adapters.keys import jws_key, load_claims
from jwtbench.measure.gate import prepare
from jwtbench.model.cell import Cell

ALGS = ("HS256", "RS256", "PS256", "ES256", "EdDSA")
EXPECT = Expect()
_HASH = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC = {"ES256": 32, "ES384": 48, "ES512": 66}


class Bad(Exception):
    """The lean verifier refused a token."""


def lean_sign(alg: str) -> Callable[[dict[str, Any]], str]:
    """A sign closure for ``alg`` with everything bound: one straight line per call."""
    b2a, enc = binascii.b2a_base64, json.JSONEncoder(separators=(",", ":")).encode
    url = bytes.maketrans(b"+/", b"-_")
    head = b64url(compact_json({"alg": alg, "typ": "JWT"})).encode() + b"."
    material = jws_key(alg)
    if alg[:2] == "HS":
        secret, name, digest = material.secret, "sha" + alg[2:], hmac.digest

        def sign_hs(claims: dict[str, Any]) -> str:
            si = head + b2a(enc(claims).encode(), newline=False).translate(url).rstrip(b"=")
            mac = b2a(digest(secret, si, name), newline=False).translate(url).rstrip(b"=")
            return (si + b"." + mac).decode()

        return sign_hs
    key = material.private_key()
    signer, size = key.sign, _EC.get(alg, 0)
    args = _args(alg)

    def sign_pk(claims: dict[str, Any]) -> str:
        si = head + b2a(enc(claims).encode(), newline=False).translate(url).rstrip(b"=")
        sig = signer(si, *args)
        if size:
            r, s = decode_dss_signature(sig)
            sig = r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return (si + b"." + b2a(sig, newline=False).translate(url).rstrip(b"=")).decode()

    return sign_pk


def _args(alg: str) -> tuple[Any, ...]:
    if alg == "EdDSA":
        return ()
    h = _HASH[alg[-3:]]()
    if alg[:2] == "RS":
        return (padding.PKCS1v15(), h)
    if alg[:2] == "PS":
        return (padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
    return (ec.ECDSA(h),)


def lean_verify(alg: str) -> Callable[[str], dict[str, Any]]:
    """A verify closure for ``alg`` doing the floor's checks, everything bound."""
    a2b, b2a, loads, now = binascii.a2b_base64, binascii.b2a_base64, json.loads, time.time
    url = bytes.maketrans(b"+/", b"-_")
    std = bytes(
        {45: 43, 95: 47}.get(c, c if c < 128 and chr(c).isalnum() else 33) for c in range(256)
    )
    pads = (b"", b"===", b"==", b"=")
    aud_ok, iss_ok = EXPECT.audience, EXPECT.issuer
    material = jws_key(alg)
    hs = alg[:2] == "HS"
    secret, name, digest, equal = material.secret, "sha" + alg[2:], hmac.digest, hmac.compare_digest
    checker = None if hs else material.public_key().verify
    args, size = _args(alg), _EC.get(alg, 0)

    def unb64(seg: bytes) -> bytes:
        t = seg.translate(std)
        if b"!" in t:
            raise Bad("alphabet")
        return a2b(t + pads[len(t) & 3])

    def verify(token: str) -> dict[str, Any]:
        raw = token.encode()
        si, _, sig = raw.rpartition(b".")
        h, dot, p = si.partition(b".")
        if not dot or b"." in p:
            raise Bad("shape")
        header = loads(unb64(h))
        if header.__class__ is not dict or header.get("alg") != alg or "crit" in header:
            raise Bad("header")
        if hs:
            if not equal(
                b2a(digest(secret, si, name), newline=False).translate(url).rstrip(b"="), sig
            ):
                raise Bad("mac")
        else:
            s = unb64(sig)
            if size:
                if len(s) != 2 * size:
                    raise Bad("len")
                s = encode_dss_signature(
                    int.from_bytes(s[:size], "big"), int.from_bytes(s[size:], "big")
                )
            try:
                checker(s, si, *args)  # type: ignore[misc]
            except InvalidSignature:
                raise Bad("sig") from None
        claims = loads(unb64(p))
        if claims.__class__ is not dict:
            raise Bad("claims")
        exp = claims.get("exp")
        if (exp.__class__ is not int and exp.__class__ is not float) or not exp > now():
            raise Bad("exp")
        aud = claims.get("aud")
        if aud != aud_ok and not (aud.__class__ is list and aud_ok in aud):
            raise Bad("aud")
        if claims.get("iss") != iss_ok:
            raise Bad("iss")
        return claims

    return verify


def _burst(func: Callable[..., Any], args: tuple[Any, ...], n: int) -> float:
    t0 = time.perf_counter()
    for _ in repeat(None, n):
        func(*args)
    return time.perf_counter() - t0


def paired(
    a: tuple[Callable[..., Any], tuple[Any, ...]],
    b: tuple[Callable[..., Any], tuple[Any, ...]],
    rounds: int,
    burst_ms: float,
) -> tuple[float, float, float, float, float]:
    """Median paired ratio a/b, its 95% interval, and a's and b's median us/op."""
    n = 1
    while _burst(*a, n) < burst_ms / 1000:  # calibrate on a: ~burst_ms per burst
        n *= 2
    ratios, ta, tb = [], [], []
    for i in range(rounds):
        if i % 2:  # ABBA, then BAAB: neither side always goes first
            x1 = _burst(*a, n)
            y1 = _burst(*b, n)
            y2 = _burst(*b, n)
            x2 = _burst(*a, n)
        else:
            y1 = _burst(*b, n)
            x1 = _burst(*a, n)
            x2 = _burst(*a, n)
            y2 = _burst(*b, n)
        ratios.append((x1 + x2) / (y1 + y2))
        ta.append((x1 + x2) / (2 * n) * 1e6)
        tb.append((y1 + y2) / (2 * n) * 1e6)
    lo, hi = median_ci(ratios)
    return _median(ratios), lo, hi, _median(ta), _median(tb)


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def median_ci(xs: list[float], level: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval for the median: order statistics at binomial quantiles."""
    s, n = sorted(xs), len(xs)
    lo = max(int(binom.ppf((1 - level) / 2, n, 0.5)) - 1, 0)
    hi = min(n - lo - 1, n - 1)
    return s[lo], s[hi]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--algs", default=",".join(ALGS))
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--burst-ms", type=float, default=3.0)
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: last)")
    opts = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {opts.cpu if opts.cpu is not None else cpus[-1]})
    floor, claims = load_adapter("floor"), load_claims("small")
    print(
        f"floor / lean, paired ABBA bursts of ~{opts.burst_ms} ms, {opts.rounds} rounds,"
        " prepared keys, small claims"
    )
    print(
        f"{'alg':7} {'op':6} {'floor/lean':>10} {'95% interval':>17} {'floor us':>9}"
        f" {'lean us':>8} {'floor/limit':>11} {'95% interval':>15} {'crypto share':>12}"
    )
    for alg in opts.algs.split(","):
        material = jws_key(alg)
        sk, vk = (
            floor.prepare_key(alg, material, "sign"),
            floor.prepare_key(alg, material, "verify"),
        )
        sign, verify = lean_sign(alg), lean_verify(alg)
        token = floor.sign(claims, sk, alg)
        # the two agree before anything is timed (ES/PS signatures are randomised)
        assert verify(token) == claims == floor.verify(sign(claims), vk, alg, EXPECT)
        if alg[:2] in ("HS", "RS") or alg == "EdDSA":
            assert sign(claims) == token
        gc.collect()
        gc.disable()
        try:
            for op, a, b in (
                ("sign", (floor.sign, (claims, sk, alg)), (sign, (claims,))),
                ("verify", (floor.verify, (token, vk, alg, EXPECT)), (verify, (token,))),
            ):
                limit = prepare(Cell("limit", alg, op, "prepared", "small"))
                r, lo, hi, ua, ub = paired(a, b, opts.rounds, opts.burst_ms)
                q, qlo, qhi, _, _ = paired(a, (limit.func, limit.args), opts.rounds, opts.burst_ms)
                print(
                    f"{alg:7} {op:6} {r:10.3f}   [{lo:.3f}, {hi:.3f}] {ua:9.2f} {ub:8.2f}"
                    f" {q:11.2f}   [{qlo:.2f}, {qhi:.2f}] {1 / q:12.0%}",
                    flush=True,
                )
        finally:
            gc.enable()


if __name__ == "__main__":
    main()
