"""The crypto limit (``jwtbench.adapters.limit``) and its correctness gate.

The limit times bare primitives on a token's signing input, so it makes no
tokens: the gate checks its raw signatures with direct ``cryptography`` calls
(``jwtbench.measure.gate.prepare_limit``), a broken limit is ``invalid``, and
the interop grid skips it because it declares ``makes_tokens = False``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jwtbench.adapters import ADAPTERS, VerificationError, load_adapter
from jwtbench.adapters.base import JWS_ALGS
from jwtbench.adapters.keys import jws_key, load_claims
from jwtbench.adapters.limit import LimitAdapter
from jwtbench.measure.gate import (
    GateFailure,
    direct_sign,
    direct_verifies,
    flip_last_byte,
    prepare,
    signing_input,
)
from jwtbench.measure.interop import jws_grid
from jwtbench.measure.matrix import adapter_or_reason, skip_reason
from jwtbench.measure.runner import run
from jwtbench.model.cell import Cell, Status
from jwtbench.model.results import load_results
from jwtbench.model.selection import Selection

LIMIT = load_adapter("limit")
GRID = [(alg, mode) for alg in JWS_ALGS for mode in ("prepared", "raw")]


def _data(alg: str) -> bytes:
    return signing_input(alg, load_claims("small"))


@pytest.mark.parametrize(("alg", "key_mode"), GRID)
def test_round_trip_and_independent_check(alg: str, key_mode: str) -> None:
    material, mode, data = jws_key(alg), key_mode, _data(alg)
    args = LIMIT.primitive_args(alg)
    sign_key = LIMIT.key_for(alg, material, "sign", mode)  # type: ignore[arg-type]
    verify_key = LIMIT.key_for(alg, material, "verify", mode)  # type: ignore[arg-type]
    signature = LIMIT.sign_input(data, sign_key, alg, args)
    assert direct_verifies(alg, data, signature)  # cryptography itself, not the limit
    assert LIMIT.verify_input(data, signature, verify_key, alg, args) is True
    assert LIMIT.verify_input(data, direct_sign(alg, data), verify_key, alg, args) is True
    with pytest.raises(VerificationError):
        LIMIT.verify_input(data, flip_last_byte(signature), verify_key, alg, args)
    with pytest.raises(VerificationError):
        LIMIT.verify_input(data + b"x", signature, verify_key, alg, args)


def test_signing_input_is_the_floors() -> None:
    """The limit signs exactly what a floor token of the same claims signs."""
    floor, claims = load_adapter("floor"), load_claims("small")
    token = floor.sign(claims, floor.prepare_key("HS256", jws_key("HS256"), "sign"), "HS256")
    assert token.rsplit(".", 1)[0].encode() == signing_input("HS256", claims)


@pytest.mark.parametrize(("alg", "key_mode"), GRID)
def test_every_limit_cell_passes_the_gate(alg: str, key_mode: str) -> None:
    for op in ("sign", "verify"):
        work = prepare(Cell("limit", alg, op, key_mode, "small"))
        work.check(work.func(*work.args))  # what a timed call returns is checked too
        assert work.extra_info["checked_by"] == "direct cryptography calls"
        assert work.extra_info["input_bytes"] == len(_data(alg))


def test_describe_says_what_it_is() -> None:
    info = LIMIT.describe()
    assert info["label"] == "crypto limit" and info["role"] == "limit"
    assert info["makes_tokens"] is False
    assert "not a library anyone would pick" in info["notes"]
    assert info["jws_algs"] == list(JWS_ALGS)


def test_jwe_cells_are_unsupported_with_a_reason() -> None:
    reason = skip_reason(Cell("limit", "dir", "encrypt", "prepared", "small", enc="A256GCM"))
    assert reason is not None and reason[0] == Status.UNSUPPORTED
    assert "has no JWE" in reason[1]


def test_interop_skips_adapters_that_make_no_tokens() -> None:
    grid = jws_grid(["HS256"])
    assert grid and all(e["ok"] for e in grid)
    assert "limit" not in {e["producer"] for e in grid} | {e["consumer"] for e in grid}


def test_token_calls_refuse() -> None:
    with pytest.raises(NotImplementedError, match="makes no tokens"):
        LIMIT.sign({}, b"k", "HS256")


class WrongKeyLimit(LimitAdapter):
    """Signs with another secret: a signature, but not one over the cell's key."""

    name = "wrongkey"

    def sign_input(self, data: bytes, key: Any, alg: str, args: tuple[Any, ...]) -> bytes:
        return super().sign_input(data, b"another secret", alg, args)


class GullibleLimit(LimitAdapter):
    """Accepts every signature."""

    name = "gullible-limit"

    def verify_input(
        self, data: bytes, signature: bytes, key: Any, alg: str, args: tuple[Any, ...]
    ) -> bool:
        return True


class TruthyLimit(LimitAdapter):
    """Verifies, but answers 1 rather than True (a result the gate does not trust)."""

    name = "truthy-limit"

    def verify_input(
        self, data: bytes, signature: bytes, key: Any, alg: str, args: tuple[Any, ...]
    ) -> bool:
        super().verify_input(data, signature, key, alg, args)
        return 1  # type: ignore[return-value]


class NoPrimitives(LimitAdapter):
    """Declares it makes no tokens yet offers nothing to time."""

    name = "no-primitives"
    sign_input = None  # type: ignore[assignment]


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for cls in (WrongKeyLimit, GullibleLimit, TruthyLimit, NoPrimitives):
        monkeypatch.setitem(ADAPTERS, cls.name, cls)
    adapter_or_reason.cache_clear()
    yield
    adapter_or_reason.cache_clear()


@pytest.mark.usefixtures("broken")
def test_gate_refuses_broken_limits() -> None:
    with pytest.raises(GateFailure, match="does not verify with cryptography"):
        prepare(Cell("wrongkey", "HS256", "sign", "prepared", "small"))
    with pytest.raises(GateFailure, match="accepted a tampered ES256 signature"):
        prepare(Cell("gullible-limit", "ES256", "verify", "prepared", "small"))
    with pytest.raises(GateFailure, match="not True"):
        prepare(Cell("truthy-limit", "RS256", "verify", "raw", "small"))
    with pytest.raises(GateFailure, match="offers no primitives"):
        prepare(Cell("no-primitives", "HS256", "sign", "prepared", "small"))


@pytest.mark.usefixtures("broken")
def test_run_records_a_broken_limit_as_invalid(tmp_path: Path) -> None:
    outcome = run(
        "quick",
        Selection(
            adapters=("limit", "wrongkey", "gullible-limit"),
            algs=("HS256",),
            key_modes=("prepared",),
        ),
        results_dir=tmp_path,
        echo=lambda line: None,
        passes=1,
    )
    results = load_results(outcome.path)
    status = {(c["params"]["adapter"], c["params"]["op"]): c for c in results.cells}
    assert status["limit", "sign"]["status"] == status["limit", "verify"]["status"] == "ok"
    assert status["wrongkey", "sign"]["status"] == "invalid"
    assert status["gullible-limit", "verify"]["status"] == "invalid"
    assert "tampered" in status["gullible-limit", "verify"]["reason"]
    entry = results.raw["jwtbench"]["adapters"]["limit"]
    assert entry["role"] == "limit" and entry["label"] == "crypto limit"
