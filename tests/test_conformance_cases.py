"""Each attack case is real: a naive consumer falls for it, the floor refuses it.

The naive consumer (tests/conformance_naive.py) makes every mistake the cases
exploit; accepting (or, for resource cases, doing the unbounded work) proves
the token is the attack it claims to be. The floor must refuse every one
except the documented gaps (``Case.floor_gap``). Crafting runs in-process; the
1 GB and 100 MB zip bombs are left to ``jwtbench conformance`` (slow to craft).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from jwtbench.adapters import load_adapter
from jwtbench.adapters.base import VerificationError
from jwtbench.measure.conformance import catalogue
from jwtbench.measure.conformance.cases import (
    INFLATE_LIMIT,
    Case,
    Crafted,
    attacker_rsa,
    order3_point,
)
from tests.conformance_naive import naive_decrypt, naive_pbes2_iterations, naive_verify, unb64

FLOOR = load_adapter("floor")
SLOW = {"zip-bomb/100MB", "zip-bomb/1GB", "zip-bomb/100MB-zlib"}
CASES = [case for case in catalogue.CASES if case.name not in SLOW]


@pytest.fixture(scope="module")
def crafted() -> dict[str, Crafted]:
    return {case.name: catalogue.craft(case) for case in CASES}


def _fetch(url: str) -> Any:
    assert url.startswith("https://evil.example.com/")
    return attacker_rsa().public_key()  # what the attacker's server would serve


def _floor_open(made: Crafted, token: str) -> Any:
    case = made.case
    if case.kind == "jws":
        return FLOOR.decode_jws("default", token, made.key, list(case.algs), case.expect)
    return FLOOR.decode_jwe("default", token, made.key, case.algs[0], case.algs[1])


def test_catalogue_names_are_unique_and_cover_the_issue() -> None:
    names = [case.name for case in catalogue.CASES]
    assert len(names) == len(set(names))
    required = {
        "alg-none",
        "hmac-key-confusion",
        "psychic-ecdsa",
        "curve-mismatch",
        "crit-unknown",
        "b64-false-without-crit",
        "expired",
        "not-yet-valid",
        "wrong-aud",
        "missing-aud",
        "wrong-iss",
        "claim-type",
        "embedded-jwk",
        "jku-x5u-fetch",
        "kid-injection",
        "duplicate-header-member",
        "zip-bomb",
        "pbes2-p2c",
        "invalid-curve-epk",
        "rsa1_5-default",
        "huge-token",
    }
    assert required <= {case.id for case in catalogue.CASES}
    assert all(case.crafts and case.reproduces and case.safe for case in catalogue.CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_control_opens_with_the_floor(case: Case, crafted: dict[str, Crafted]) -> None:
    """The positive control is a legitimate token for the same set-up (stripped PEM aside)."""
    made = crafted[case.name]
    if case.form in ("stripped", "jwk"):
        pytest.skip("the floor takes PEM, not this key form (libraries may)")
    opened = _floor_open(made, made.control)
    if case.kind == "jwe":
        assert opened == made.plaintext


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_floor_refuses(case: Case, crafted: dict[str, Crafted]) -> None:
    made = crafted[case.name]
    if case.form in ("stripped", "jwk"):
        pytest.skip("the floor takes PEM, not this key form")
    if case.floor_gap:
        _floor_open(made, made.token)  # documented: the floor accepts it
        return
    with pytest.raises(VerificationError):
        _floor_open(made, made.token)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_naive_consumer_falls_for_it(case: Case, crafted: dict[str, Crafted]) -> None:
    made = crafted[case.name]
    if case.id == "pbes2-p2c":
        assert naive_pbes2_iterations(made.token) == 2**31 - 1
    elif case.id == "huge-token":
        assert len(made.token) >= 10_000_000
        assert json.loads(unb64(made.token.split(".")[0]))["alg"] == "RS256"
    elif case.name == "invalid-curve-epk/wrong-curve":
        pytest.skip("no naive arithmetic predicts a P-384 point's secret on P-256")
    elif case.kind == "jwe":
        plaintext = naive_decrypt(made.token, made.key)
        if case.id == "zip-bomb":
            assert len(plaintext) > INFLATE_LIMIT
        else:
            assert plaintext == made.plaintext
    else:
        payload = naive_verify(made.token, made.key, list(case.algs), fetch=_fetch)
        assert json.loads(payload)["sub"] == "alice"


def test_order3_point_is_off_p256_and_of_order_3() -> None:
    from tests.conformance_naive import add, mul

    x, y = order3_point()
    b = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
    p = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
    assert (y * y - (x**3 - 3 * x + b)) % p != 0  # not on P-256
    assert mul(3, (x, y)) is None and add((x, y), (x, y)) is not None


def test_select_and_unknown_names() -> None:
    assert {c.name for c in catalogue.select(["alg-none"])} == {
        "alg-none/none",
        "alg-none/None",
        "alg-none/NONE",
    }
    assert [c.name for c in catalogue.select(["zip-bomb/10MB"])] == ["zip-bomb/10MB"]
    assert "psychic-ecdsa/zero" in catalogue.known_names()


def test_calls_without_audience_get_tokens_without_aud() -> None:
    case = catalogue.select(["expired"])[0]
    made = catalogue.craft(catalogue.without_audience(case))
    assert "aud" not in json.loads(unb64(made.control.split(".")[1]))
    foreign = catalogue.craft(catalogue.without_audience(catalogue.select(["missing-aud"])[0]))
    assert json.loads(unb64(foreign.token.split(".")[1]))["aud"] == "https://evil.example.com"
