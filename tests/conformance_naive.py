"""A deliberately naive JOSE consumer: every mistake the attack cases exploit, in one place.

Used by tests/test_conformance_cases.py to prove each case is real: the naive
consumer accepts the attack token (or, for the resource cases, does the
unbounded work), the floor refuses it. Do not use this code for anything else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import zlib
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jwtbench.measure.conformance.craft import concat_kdf

# P-256 (SEC 2), for an ECDSA / ECDH with no range or on-curve checks.
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
A = -3
G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
Point = tuple[int, int] | None


def unb64(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


def add(p1: Point, p2: Point) -> Point:
    """Affine addition that never looks at b: works on any curve with this a (invalid curve)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def mul(k: int, point: Point) -> Point:
    out: Point = None
    while k:
        if k & 1:
            out = add(out, point)
        point, k = add(point, point), k >> 1
    return out


def naive_ecdsa(digest: bytes, r: int, s: int, q: tuple[int, int]) -> bool:
    """ECDSA with no 1 <= r, s < n check and a Fermat inverse (CVE-2022-21449's shape)."""
    e = int.from_bytes(digest, "big") >> max(0, len(digest) * 8 - 256)
    w = pow(s, N - 2, N)  # 0 for s = 0 or s = n, where a real inverse does not exist
    found = add(mul(e * w % N, G), mul(r * w % N, q))
    x = 0 if found is None else found[0]  # the point at infinity read as x = 0
    return x % N == r % N


def _lookup(kid: str) -> bytes:
    """A key store addressed by kid: a file path, or a SQL query (both injectable)."""
    if match := re.search(r"UNION SELECT '([^']*)'", kid):
        return match.group(1).encode()
    with open(os.path.normpath("/" + kid), "rb") as handle:
        return handle.read()


def _ec_public(key: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(key)


def _check(alg: str, signing_input: bytes, sig: bytes, key: Any) -> bool:
    """The primitive the *header* names, with the key as given (bytes are a secret)."""
    if alg.startswith("HS"):
        secret = key if isinstance(key, bytes) else b""
        return hmac.compare_digest(hmac.digest(secret, signing_input, "sha" + alg[2:]), sig)
    if isinstance(key, bytes):
        key = _ec_public(key)
    hash_alg = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    if alg.startswith(("RS", "PS")):  # PS* verified as PKCS#1 v1.5, like RS*
        try:
            key.verify(sig, signing_input, padding.PKCS1v15(), hash_alg)
            return True
        except Exception:
            return False
    nums = key.public_numbers()
    digest = hashlib.new(hash_alg.name, signing_input).digest()
    half = len(sig) // 2
    r, s = int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big")
    return naive_ecdsa(digest, r, s, (nums.x, nums.y))


def naive_verify(token: str, key: Any, algs: list[str], fetch: Any = None) -> bytes:
    """Accept whatever a careless consumer would; return the payload bytes."""
    head, payload, sig = token.split(".")[:3] if token.count(".") == 2 else _b64false(token)
    header = json.loads(unb64(head))  # duplicate members: the last wins, unchecked
    alg = header["alg"]
    if alg.lower() == "none":
        return unb64(payload)
    if "jwk" in header:
        key = _jwk_key(header["jwk"])
    elif "jku" in header or "x5u" in header:
        key = fetch(header.get("jku") or header.get("x5u"))
    elif "kid" in header:
        key = _lookup(header["kid"])
    signing_input = f"{head}.{payload}".encode()
    signature = unb64(sig)
    if not (
        _check(alg, signing_input, signature, key) or _check(algs[0], signing_input, signature, key)
    ):
        raise ValueError("naive: bad signature")
    return payload.encode() if header.get("b64") is False else unb64(payload)


def _b64false(token: str) -> list[str]:
    head, rest = token.split(".", 1)
    payload, sig = rest.rsplit(".", 1)
    return [head, payload, sig]


def _jwk_key(jwk: dict[str, str]) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    n, e = (int.from_bytes(unb64(jwk[m]), "big") for m in ("n", "e"))
    return rsa.RSAPublicNumbers(e, n).public_key()


def naive_decrypt(token: str, key: Any) -> bytes:
    """A JWE consumer that trusts the header: any alg, no epk checks, unbounded inflate."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    head, ek, iv, ct, tag = token.split(".")
    header = json.loads(unb64(head))
    if header["alg"] == "dir":
        cek = key
    elif header["alg"] == "ECDH-ES":
        private = load_pem_private_key(key, None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        epk = header["epk"]
        point = (int.from_bytes(unb64(epk["x"]), "big"), int.from_bytes(unb64(epk["y"]), "big"))
        shared = mul(private.private_numbers().private_value, point)
        assert shared is not None
        cek = concat_kdf(shared[0].to_bytes(32, "big"), header["enc"], 32)
    else:  # RSA1_5 or RSA-OAEP: whichever the header says
        private = load_pem_private_key(key, None)
        pad = (
            padding.PKCS1v15()
            if header["alg"] == "RSA1_5"
            else padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
        )
        cek = private.decrypt(unb64(ek), pad)  # type: ignore[union-attr]
    plaintext = AESGCM(cek).decrypt(unb64(iv), unb64(ct) + unb64(tag), head.encode())
    if header.get("zip") == "DEF":
        plaintext = zlib.decompress(plaintext, -15)  # no output bound
    return plaintext


def naive_pbes2_iterations(token: str) -> int:
    """How many PBKDF2 rounds a consumer without a cap would run for this token."""
    header = json.loads(unb64(token.split(".")[0]))
    return int(header["p2c"])
