"""The lean floor (``jwtbench.adapters.floor``) still does every check it lists.

The floor was rewritten for speed (prepared keys carrying their primitive,
inlined claim checks, base64url straight through ``binascii``); these tests pin
that it still rejects what it must, in both key modes and for every alg, and
that its tokens are byte for byte the ones the plain JOSE helpers give.
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtbench.adapters import Expect, VerificationError, load_adapter
from jwtbench.adapters.base import JWS_ALGS
from jwtbench.adapters.floor import FloorAdapter
from jwtbench.adapters.jose import b64url, b64url_decode, compact_json
from jwtbench.adapters.keys import jws_key, load_claims
from jwtbench.measure.gate import flip_signature_byte

FLOOR = load_adapter("floor")
EXPECT = Expect()
CLAIMS = load_claims("small")
HEADER = {"alg": "HS256", "typ": "JWT"}
MODES = ("prepared", "raw")


def _keys(alg: str, key_mode: str) -> tuple[Any, Any]:
    material = jws_key(alg)
    mode: Any = key_mode
    return FLOOR.key_for(alg, material, "sign", mode), FLOOR.key_for(alg, material, "verify", mode)


def _token(alg: str, claims: Any = None, header: Any = None, payload: bytes | None = None) -> str:
    """A correctly signed token with any header and claims (even ones the floor refuses)."""
    head = b64url(compact_json({"alg": alg, "typ": "JWT"} if header is None else header))
    body = b64url(
        payload if payload is not None else compact_json(CLAIMS if claims is None else claims)
    )
    signing_input = f"{head}.{body}"
    key = FLOOR.prepare_key(alg, jws_key(alg), "sign")
    signature = FloorAdapter._sign_bytes(signing_input.encode(), key, alg)
    return f"{signing_input}.{b64url(signature)}"


def _refused(token: str, alg: str, key_mode: str, expect: Expect = EXPECT) -> str:
    """The rejection message; fails the test if the floor accepted the token."""
    verify_key = _keys(alg, key_mode)[1]
    with pytest.raises(VerificationError) as caught:
        FLOOR.verify(token, verify_key, alg, expect)
    return str(caught.value)


GRID = [(alg, mode) for alg in JWS_ALGS for mode in MODES]


@pytest.mark.parametrize(("alg", "key_mode"), GRID)
def test_accepts_its_own_and_a_helper_built_token(alg: str, key_mode: str) -> None:
    sign_key, verify_key = _keys(alg, key_mode)
    assert FLOOR.verify(FLOOR.sign(CLAIMS, sign_key, alg), verify_key, alg, EXPECT) == CLAIMS
    assert FLOOR.verify(_token(alg), verify_key, alg, EXPECT) == CLAIMS


@pytest.mark.parametrize("key_mode", MODES)
@pytest.mark.parametrize("alg", ["HS256", "HS512", "RS256", "EdDSA"])  # deterministic signatures
def test_tokens_are_the_plain_encoding(alg: str, key_mode: str) -> None:
    """Same bytes as b64url(compact_json(...)): token sizes and interop do not move."""
    assert FLOOR.sign(CLAIMS, _keys(alg, key_mode)[0], alg) == _token(alg)


@pytest.mark.parametrize(("alg", "key_mode"), GRID)
def test_rejects_wrong_alg_crit_and_tampering(alg: str, key_mode: str) -> None:
    other = "HS384" if alg != "HS384" else "HS256"
    assert "alg" in _refused(_token(alg, header={"alg": other, "typ": "JWT"}), alg, key_mode)
    assert "alg" in _refused(_token(alg, header={"typ": "JWT"}), alg, key_mode)
    assert "alg" in _refused(_token(alg, header=[alg]), alg, key_mode)  # header not an object
    crit = {"alg": alg, "crit": ["exp"], "exp": 1}
    assert "critical" in _refused(_token(alg, header=crit), alg, key_mode)
    good = _token(alg)
    assert "signature" in _refused(flip_signature_byte(good), alg, key_mode) or "HMAC" in (
        _refused(flip_signature_byte(good), alg, key_mode)
    )
    head, _, sig = good.split(".")
    swapped = _token(alg, {**CLAIMS, "sub": "admin"}).split(".")[1]
    _refused(f"{head}.{swapped}.{sig}", alg, key_mode)


@pytest.mark.parametrize(("alg", "key_mode"), GRID)
def test_rejects_bad_claims(alg: str, key_mode: str) -> None:
    assert "expired" in _refused(_token(alg, {**CLAIMS, "exp": 1_000_000_000}), alg, key_mode)
    for name in ("exp", "aud", "iss"):
        missing = {k: v for k, v in CLAIMS.items() if k != name}
        _refused(_token(alg, missing), alg, key_mode)
    assert "audience" in _refused(_token(alg), alg, key_mode, Expect(audience="https://x.example"))
    assert "issuer" in _refused(_token(alg), alg, key_mode, Expect(issuer="https://evil.example"))
    for not_object in ([CLAIMS], "claims", 1):
        assert "object" in _refused(_token(alg, not_object), alg, key_mode)


@pytest.mark.parametrize("key_mode", MODES)
def test_claim_edge_cases(key_mode: str) -> None:
    alg = "HS256"
    for exp in (True, "9999999999", None):
        assert "exp" in _refused(_token(alg, {**CLAIMS, "exp": exp}), alg, key_mode)
    nan = compact_json(CLAIMS).replace(b'"exp":', b'"exp":NaN,"x":', 1)
    assert "expired" in _refused(_token(alg, payload=nan), alg, key_mode)
    listed = {**CLAIMS, "aud": ["https://other.example", EXPECT.audience]}
    assert FLOOR.verify(_token(alg, listed), _keys(alg, key_mode)[1], alg, EXPECT) == listed
    wrong_list = {**CLAIMS, "aud": ["https://other.example"]}
    assert "audience" in _refused(_token(alg, wrong_list), alg, key_mode)


def _signed(alg: str, head: str, body: str) -> str:
    """Segments signed as they are: only the base64url check can refuse them."""
    key = FLOOR.prepare_key(alg, jws_key(alg), "sign")
    signature = FloorAdapter._sign_bytes(f"{head}.{body}".encode(), key, alg)
    return f"{head}.{body}.{b64url(signature)}"


@pytest.mark.parametrize("key_mode", MODES)
@pytest.mark.parametrize("alg", ["HS256", "ES256", "RS256"])
def test_rejects_bad_shapes_and_base64(alg: str, key_mode: str) -> None:
    good = _token(alg)
    head, body, sig = good.split(".")
    for shape in (f"{head}.{body}", f"{good}.x", f"{head}{body}{sig}", f"{head}.{body}.{sig}.."):
        assert "JWS" in _refused(shape, alg, key_mode)
    std = b64url(compact_json({**CLAIMS, "sub": "\u00ff?>"})).replace("-", "+").replace("_", "/")
    assert "+" in std or "/" in std  # the standard alphabet is not base64url
    for bad_body in (body + "=", body + "+", std, body[:-1] + "*", body[:-1] + "\u00e9"):
        assert "base64" in _refused(_signed(alg, head, bad_body), alg, key_mode), bad_body
    assert "claims" in _refused(_signed(alg, head, body + "AA"), alg, key_mode)  # not JSON
    assert "base64" in _refused(_signed(alg, head + "==", body), alg, key_mode)
    for bad_sig in (sig + "=", sig[:-1] + "!", sig + "A"):
        _refused(f"{head}.{body}.{bad_sig}", alg, key_mode)


def test_ecdsa_signature_must_be_r_and_s_full_size() -> None:
    good = _token("ES256")
    head, body, sig = good.split(".")
    der_like = b64url(b64url_decode(sig)[:-1])
    assert "length" in _refused(f"{head}.{body}.{der_like}", "ES256", "prepared")


def test_a_prepared_key_serves_only_its_alg() -> None:
    """A key prepared for HS256 cannot sign or verify as HS512 (alg never drifts)."""
    sign_key, verify_key = _keys("HS256", "prepared")
    with pytest.raises(ValueError, match="prepared for HS256"):
        FLOOR.sign(CLAIMS, sign_key, "HS512")
    hs512 = FLOOR.sign(CLAIMS, _keys("HS512", "prepared")[0], "HS512")
    with pytest.raises(VerificationError, match="prepared for HS256"):
        FLOOR.verify(hs512, verify_key, "HS512", EXPECT)
