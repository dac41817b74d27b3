"""Every adapter against every other: round trip, cross-verification, rejection.

These are the conformance tests behind the benchmark's correctness gate: for
each (adapter, alg) the adapter declares, its tokens verify with the floor and
with every other adapter that declares the alg, and it rejects tampered,
expired, wrong-audience, wrong-issuer and wrong-algorithm tokens.
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtbench.adapters import ADAPTERS, Adapter, Expect
from jwtbench.adapters.base import JWS_ALGS
from jwtbench.adapters.jose import b64url, compact_json
from jwtbench.adapters.keys import jws_key, load_claims
from jwtbench.measure.gate import flip_signature_byte
from jwtbench.measure.matrix import adapter_or_reason

EXPECT = Expect()
# Adapters that make tokens and can load here: the crypto limit times bare primitives
# (tests/test_limit.py); a library that cannot load (e.g. a Python too old) carries its
# reason instead (tests/test_compiled_adapters.py checks it).
AVAILABLE = {
    n: a for n in ADAPTERS if isinstance(a := adapter_or_reason(n), Adapter) and a.makes_tokens
}
PAIRS = [(name, alg) for name, a in AVAILABLE.items() for alg in JWS_ALGS if alg in a.jws_algs]


def _keys(adapter: Adapter, alg: str, key_mode: str = "prepared") -> tuple[Any, Any]:
    material = jws_key(alg)
    return (
        adapter.key_for(alg, material, "sign", key_mode),  # type: ignore[arg-type]
        adapter.key_for(alg, material, "verify", key_mode),  # type: ignore[arg-type]
    )


def _rejects(adapter: Adapter, token: str, key: Any, alg: str, expect: Expect = EXPECT) -> bool:
    try:
        adapter.verify(token, key, alg, expect)
    except Exception:
        return True
    return False


@pytest.mark.parametrize("key_mode", ["prepared", "raw"])
@pytest.mark.parametrize(("name", "alg"), PAIRS)
def test_round_trip(name: str, alg: str, key_mode: str) -> None:
    adapter = AVAILABLE[name]
    sign_key, verify_key = _keys(adapter, alg, key_mode)
    claims = load_claims("1kb")
    token = adapter.sign(claims, sign_key, alg)
    assert adapter.verify(token, verify_key, alg, EXPECT) == claims


@pytest.mark.parametrize(("name", "alg"), PAIRS)
def test_cross_verification(name: str, alg: str) -> None:
    """A token made by ``name`` verifies with every other adapter, and vice versa."""
    producer = AVAILABLE[name]
    claims = load_claims("small")
    token = producer.sign(claims, _keys(producer, alg)[0], alg)
    others = [a for a in AVAILABLE.values() if a.name != name and alg in a.jws_algs]
    assert any(a.name == "floor" for a in others) or name == "floor"
    for other in others:
        assert other.verify(token, _keys(other, alg)[1], alg, EXPECT) == claims, other.name
        their_token = other.sign(claims, _keys(other, alg)[0], alg)
        assert producer.verify(their_token, _keys(producer, alg)[1], alg, EXPECT) == claims


def _floor_token(alg: str, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
    """A token signed by the floor, optionally with a custom header."""
    floor = AVAILABLE["floor"]
    key = floor.prepare_key(alg, jws_key(alg), "sign")
    if header is None:
        return floor.sign(claims, key, alg)
    signing_input = f"{b64url(compact_json(header))}.{b64url(compact_json(claims))}"
    signature = floor._sign_bytes(signing_input.encode(), key, alg)
    return f"{signing_input}.{b64url(signature)}"


@pytest.mark.parametrize(("name", "alg"), PAIRS)
def test_rejects_bad_tokens(name: str, alg: str) -> None:
    adapter = AVAILABLE[name]
    verify_key = _keys(adapter, alg)[1]
    claims = load_claims("small")
    good = _floor_token(alg, claims)
    assert adapter.verify(good, verify_key, alg, EXPECT) == claims
    assert _rejects(adapter, flip_signature_byte(good), verify_key, alg), "tampered signature"
    tampered_claims = _floor_token(alg, {**claims, "sub": "admin"}).split(".")[1]
    head, _, sig = good.split(".")
    assert _rejects(adapter, f"{head}.{tampered_claims}.{sig}", verify_key, alg), "swapped claims"
    expired = _floor_token(alg, {**claims, "exp": 1_000_000_000})
    assert _rejects(adapter, expired, verify_key, alg), "expired"
    assert _rejects(adapter, good, verify_key, alg, Expect(audience="https://other.example")), (
        "wrong audience"
    )
    assert _rejects(adapter, good, verify_key, alg, Expect(issuer="https://evil.example")), (
        "wrong issuer"
    )
    no_exp = {k: v for k, v in claims.items() if k != "exp"}
    assert _rejects(adapter, _floor_token(alg, no_exp), verify_key, alg), "missing exp"


@pytest.mark.parametrize("name", list(AVAILABLE))
def test_alg_none_and_wrong_alg_rejected(name: str) -> None:
    """The verifier honours only the algorithm it was asked for, never the token's."""
    adapter = AVAILABLE[name]
    claims = load_claims("small")
    verify_key = _keys(adapter, "HS256")[1]
    unsigned = (
        f"{b64url(compact_json({'alg': 'none', 'typ': 'JWT'}))}.{b64url(compact_json(claims))}."
    )
    assert _rejects(adapter, unsigned, verify_key, "HS256"), "alg none accepted"
    hs512 = _floor_token("HS512", claims)  # valid HS512 with the same secret
    assert _rejects(adapter, hs512, verify_key, "HS256"), "alg not pinned"


@pytest.mark.parametrize("name", [n for n, a in AVAILABLE.items() if "RS256" in a.jws_algs])
def test_key_confusion_rejected(name: str) -> None:
    """HS256 signed with the RSA public key PEM as the secret must not verify as RS256."""
    adapter = AVAILABLE[name]
    claims = load_claims("small")
    public_pem = jws_key("RS256").public_pem
    header = b64url(compact_json({"alg": "HS256", "typ": "JWT"}))
    signing_input = f"{header}.{b64url(compact_json(claims))}"
    signature = AVAILABLE["floor"]._sign_bytes(signing_input.encode(), public_pem, "HS256")
    forged = f"{signing_input}.{b64url(signature)}"
    for key_mode in ("prepared", "raw"):
        verify_key = _keys(adapter, "RS256", key_mode)[1]
        assert _rejects(adapter, forged, verify_key, "RS256"), key_mode


def test_every_adapter_declares_something() -> None:
    loadable = [a for n in ADAPTERS if isinstance(a := adapter_or_reason(n), Adapter)]
    for adapter in loadable:
        assert adapter.jws_algs <= set(JWS_ALGS), adapter.name
        assert adapter.version != "unknown", adapter.name
        assert adapter.describe()["name"] == adapter.name
        assert adapter.describe()["role"] in ("library", "floor", "limit"), adapter.name


def test_roles_are_declared_not_named() -> None:
    """The floor and the limit are found by their declared role; the limit makes no tokens."""
    roles = {name: cls.role for name, cls in ADAPTERS.items()}
    assert [n for n, r in roles.items() if r == "floor"] == ["floor"]
    assert [n for n, r in roles.items() if r == "limit"] == ["limit"]
    assert not ADAPTERS["limit"].makes_tokens
    assert all(cls.makes_tokens for n, cls in ADAPTERS.items() if n != "limit")


#: Verifiers that never read the token's alg header (a documented finding, in notes).
HEADER_ALG_IGNORED = {
    "jwskate": "jwskate 0.12 verifies with the caller's alg and never reads the header's",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=HEADER_ALG_IGNORED[n]))
        if n in HEADER_ALG_IGNORED
        else n
        for n, a in AVAILABLE.items()
        if "HS256" in a.jws_algs
    ],
)
def test_mislabelled_alg_rejected(name: str) -> None:
    """A header naming HS512 over a valid HS256 signature is not an HS256 token."""
    adapter = AVAILABLE[name]
    claims = load_claims("small")
    mislabelled = _floor_token("HS256", claims, header={"alg": "HS512", "typ": "JWT"})
    assert _rejects(adapter, mislabelled, _keys(adapter, "HS256")[1], "HS256")
