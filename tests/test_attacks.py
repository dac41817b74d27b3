"""Known attacks on JOSE consumers, against every library that could be exposed.

alg "none" and RSA/HMAC key confusion are in test_adapters.py (every JWS
adapter). Here: JWE decompression bombs, huge PBES2 iteration counts and
invalid-curve ECDH-ES keys. A library that is exposed is marked ``xfail`` with
the finding, so the suite documents it without failing on the library's fault.
"""

from __future__ import annotations

import os
import time
import zlib

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jwtbench.adapters import ADAPTERS, load_adapter
from jwtbench.adapters.jose import b64url, compact_json
from jwtbench.adapters.keys import jwe_key
from jwtbench.measure.gate import header_of
from jwtbench.measure.matrix import adapter_or_reason

JWE_ADAPTERS = [
    n
    for n in ADAPTERS
    if not isinstance(a := adapter_or_reason(n), str) and a.jwe_algs and a.makes_tokens
]


def _dir_token(header: dict[str, object], plaintext: bytes) -> str:
    """A dir/A256GCM token with any header, encrypted with the fixed dir key."""
    protected = b64url(compact_json(header))
    iv = os.urandom(12)
    sealed = AESGCM(jwe_key("dir", "A256GCM").secret).encrypt(iv, plaintext, protected.encode())
    return f"{protected}..{b64url(iv)}.{b64url(sealed[:-16])}.{b64url(sealed[-16:])}"


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # RFC 1951 raw DEFLATE, as RFC 7516
    return packer.compress(data) + packer.flush()


BOMB_BYTES = 50_000_000  # 50 MB of zeros: a ~48 KB compressed payload, a ~65 KB token
LIMIT = 1_000_000


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n,
            marks=pytest.mark.xfail(
                reason="jwcrypto 1.6 inflates zip:DEF payloads without an output limit "
                "(it caps the compressed input at 256 KB: ~250 MB of output)"
            ),
        )
        if n == "jwcrypto"
        else n
        for n in JWE_ADAPTERS
    ],
)
def test_zip_bomb_not_inflated(name: str) -> None:
    adapter = load_adapter(name)
    token = _dir_token(
        {"alg": "dir", "enc": "A256GCM", "zip": "DEF"}, _raw_deflate(b"\0" * BOMB_BYTES)
    )
    key = adapter.prepare_key("dir", jwe_key("dir", "A256GCM"), "decrypt")
    try:
        _, plaintext = adapter.decrypt_bytes(token, key, "dir", "A256GCM")
    except Exception:
        return  # refused: safe
    assert len(plaintext) <= LIMIT, f"{name} inflated a {len(token)}-byte token to {len(plaintext)}"


#: Libraries that take p2c from the token without an upper bound: not run (the work
#: would take many minutes); tests/test_new_adapters.py shows the missing bound.
PBES2_UNBOUNDED = {
    "jwskate": "jwskate 0.12 unwrap_cek_with_password checks only p2c >= 1 (no upper bound)",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(run=False, reason=PBES2_UNBOUNDED[n]))
        if n in PBES2_UNBOUNDED
        else n
        for n in JWE_ADAPTERS
        if "PBES2-HS256+A128KW" in load_adapter(n).jwe_algs
    ],
)
def test_huge_pbes2_count_refused_before_work(name: str) -> None:
    """p2c = 2**31 would take many minutes of PBKDF2: it must be refused up front."""
    adapter = load_adapter(name)
    header = {"alg": "PBES2-HS256+A128KW", "enc": "A256GCM", "p2s": b64url(b"s" * 16),
              "p2c": 2**31}  # fmt: skip
    token = _dir_token(header, b"{}").replace("..", f".{b64url(b'k' * 40)}.", 1)
    key = adapter.prepare_key("PBES2-HS256+A128KW", jwe_key("PBES2-HS256+A128KW", ""), "decrypt")
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 - each library has its own error type
        adapter.decrypt_bytes(token, key, "PBES2-HS256+A128KW", "A256GCM")
    # generous bound: doing the work would take minutes
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    "name", [n for n in JWE_ADAPTERS if load_adapter(n).supports_jwe("ECDH-ES", "A256GCM")]
)
def test_invalid_curve_point_refused(name: str) -> None:
    """An epk that is not on P-256 (the invalid-curve attack) must not be used."""
    adapter = load_adapter(name)
    floor = load_adapter("floor")
    material = jwe_key("ECDH-ES", "A256GCM")
    token = floor.encrypt({"sub": "x"}, floor.prepare_key("ECDH-ES", material, "encrypt"),
                          "ECDH-ES", "A256GCM")  # fmt: skip
    header = header_of(token)
    epk = dict(header["epk"])
    epk["y"] = b64url((1).to_bytes(32, "big"))  # (x, 1) is not on the curve
    forged_header = b64url(compact_json({**header, "epk": epk}))
    forged = ".".join([forged_header, *token.split(".")[1:]])
    key = adapter.prepare_key("ECDH-ES", material, "decrypt")
    with pytest.raises(Exception):  # noqa: B017
        adapter.decrypt_bytes(forged, key, "ECDH-ES", "A256GCM")
