"""The harness itself: matrix, gate, statuses, interruption, results files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jwtbench.adapters import ADAPTERS, AdapterUnavailable
from jwtbench.adapters.base import Expect
from jwtbench.adapters.joserfc import JoserfcAdapter
from jwtbench.adapters.pyjwt import PyJWTAdapter
from jwtbench.measure.gate import GateFailure, prepare
from jwtbench.measure.matrix import PROFILES, MatrixError, adapter_or_reason, build_matrix
from jwtbench.measure.runner import LineProgress, duration, run
from jwtbench.model.cell import Cell
from jwtbench.model.results import ResultsError, load_results
from jwtbench.model.selection import Selection


class FallbackAdapter(PyJWTAdapter):
    """Declares HS384 but silently signs HS256: the classic benchmark bug."""

    name = "fallback"

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        return super().sign(claims, key, "HS256")


class GullibleAdapter(PyJWTAdapter):
    """Accepts every token without checking the signature."""

    name = "gullible"

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        import jwt

        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
        return claims


class CheapPbes2Adapter(JoserfcAdapter):
    """PBES2 at joserfc's own default count (2048): a quarter of the floor's PBKDF2 work."""

    name = "cheap-pbes2"

    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        from joserfc import jwe

        return jwe.encrypt_compact({"alg": alg, "enc": enc}, payload, key, algorithms=[alg, enc])


class CrashingAdapter(PyJWTAdapter):
    name = "crashing"

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        raise RuntimeError("segfault simulated")


class MissingAdapter(PyJWTAdapter):
    name = "missing"
    library = "no-such-jose"
    module = "no_such_jose_module"


class InterruptingAdapter(PyJWTAdapter):
    name = "interrupting"

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        raise KeyboardInterrupt


class CutOffAdapter(PyJWTAdapter):
    """Signs fine through the gate and the first rounds, then Ctrl-C mid-measurement."""

    name = "cutoff"
    calls = 0

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        type(self).calls += 1
        if type(self).calls == 300:  # past the gate and calibration: rounds are being timed
            raise KeyboardInterrupt
        return super().sign(claims, key, alg)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Register the test-only adapters for one test."""
    for cls in (FallbackAdapter, GullibleAdapter, CrashingAdapter, MissingAdapter,
                InterruptingAdapter, CutOffAdapter, CheapPbes2Adapter):  # fmt: skip
        monkeypatch.setitem(ADAPTERS, cls.name, cls)
    adapter_or_reason.cache_clear()
    yield ADAPTERS
    adapter_or_reason.cache_clear()


QUICK = PROFILES["quick"]


def test_matrix_keeps_unsupported_cells_and_validates_names() -> None:
    cells = build_matrix(QUICK, Selection(adapters=("python-jose",), algs=("EdDSA", "HS256")))
    assert [c.alg for c in cells] == ["HS256"] * 4 + ["EdDSA"] * 4  # canonical order
    with pytest.raises(MatrixError, match="unknown algorithm HS999"):
        build_matrix(QUICK, Selection(algs=("HS999",)))
    with pytest.raises(MatrixError, match="unknown adapter nope"):
        build_matrix(QUICK, Selection(adapters=("nope",)))


def test_cell_params_are_the_results_schema() -> None:
    cell = Cell("pyjwt", "RS256", "verify", "raw", "small")
    assert cell.params == {"adapter": "pyjwt", "alg": "RS256", "op": "verify",
                           "key_mode": "raw", "payload": "small"}  # fmt: skip
    assert Cell.from_params(cell.params) == cell


def test_gate_refuses_silent_fallback(registry: Any) -> None:
    with pytest.raises(GateFailure, match="header alg is 'HS256', requested 'HS384'"):
        prepare(Cell("fallback", "HS384", "sign", "prepared", "small"))


def test_gate_refuses_verifier_that_accepts_tampered_tokens(registry: Any) -> None:
    with pytest.raises(GateFailure, match="accepted a tampered signature"):
        prepare(Cell("gullible", "ES256", "verify", "prepared", "small"))


def test_gate_refuses_a_pbes2_token_made_with_fewer_iterations(registry: Any) -> None:
    """Every PBES2 cell does the same PBKDF2 work: a library's cheaper default is refused."""
    alg = "PBES2-HS256+A128KW"
    with pytest.raises(GateFailure, match="p2c is 2048, the harness's tokens use 8192"):
        prepare(Cell("cheap-pbes2", alg, "encrypt", "prepared", "small", enc="A256GCM"))
    for adapter in ("joserfc", "jwskate", "jwcrypto", "floor"):  # each at the harness's count
        prepare(Cell(adapter, alg, "encrypt", "prepared", "small", enc="A256GCM"))


def test_missing_library_is_unavailable_with_reason(registry: Any) -> None:
    with pytest.raises(AdapterUnavailable, match="pip install no-such-jose"):
        MissingAdapter()


def test_run_records_every_status_and_goes_on(registry: Any, tmp_path: Path) -> None:
    outcome = run(
        "quick",
        Selection(
            adapters=("floor", "fallback", "crashing", "missing", "python-jose"),
            algs=("HS384", "EdDSA"),
            ops=("sign",),
            key_modes=("prepared",),
        ),
        results_dir=tmp_path,
        echo=lambda line: None,
    )
    results = load_results(outcome.path)
    status = {(c["params"]["adapter"], c["params"]["alg"]): c for c in results.cells}
    assert status["floor", "HS384"]["status"] == "ok"
    assert status["fallback", "HS384"]["status"] == "invalid"
    assert "header alg" in status["fallback", "HS384"]["reason"]
    assert status["crashing", "HS384"]["status"] == "error"
    assert "segfault simulated" in status["crashing", "HS384"]["reason"]
    assert status["missing", "EdDSA"]["status"] == "unavailable"
    assert "no-such-jose" in status["missing", "EdDSA"]["reason"]
    assert status["python-jose", "EdDSA"]["status"] == "unsupported"
    assert "does not implement EdDSA" in status["python-jose", "EdDSA"]["reason"]
    timed = {(r.params["adapter"], r.params["alg"]) for r in results.rows()}
    # only cells that passed the gate have numbers
    assert timed == {("floor", "HS384"), ("floor", "EdDSA"), ("python-jose", "HS384")}
    row = next(results.rows())
    assert row.token_bytes and row.token_bytes > 100
    assert row.rounds == len(row.data) >= QUICK.min_rounds
    assert results.meta["adapters"]["missing"]["available"] is False
    assert results.meta["provenance"]["openssl"].startswith("OpenSSL")


def test_interrupted_run_keeps_what_it_measured(registry: Any, tmp_path: Path) -> None:
    outcome = run(
        "quick",
        Selection(
            adapters=("floor", "interrupting"),
            algs=("HS256",),
            ops=("sign", "verify"),
            key_modes=("prepared",),
        ),
        results_dir=tmp_path,
        echo=lambda line: None,
    )
    assert outcome.interrupted
    results = load_results(outcome.path)
    assert results.meta["interrupted"] is True
    assert [r.params["adapter"] for r in results.rows()] == ["floor", "floor"]
    statuses = {(c["params"]["adapter"], c["params"]["op"]): c["status"] for c in results.cells}
    assert statuses["floor", "sign"] == statuses["floor", "verify"] == "ok"
    assert statuses["interrupting", "sign"] == "not run"
    assert statuses["interrupting", "verify"] == "not run"
    assert not list(tmp_path.rglob(".*.tmp")), "no temporary file left behind"


def test_loader_refuses_unreadable_files_by_name(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(ResultsError, match=r"broken\.json: not valid JSON"):
        load_results(bad)
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"benchmarks": []}))
    with pytest.raises(ResultsError, match=r"plain\.json: not a jwtbench results file"):
        load_results(plain)
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"benchmarks": [], "jwtbench": {"schema_version": 99}}))
    with pytest.raises(ResultsError, match="schema_version 99 is not one this jwtbench reads"):
        load_results(future)
    with pytest.raises(ResultsError, match="no such results file"):
        load_results(tmp_path / "absent.json")


def test_cell_cut_off_mid_measurement_keeps_no_number(registry: Any, tmp_path: Path) -> None:
    """Defect 7 (runner half): a cell Ctrl-C cut short is ``not run`` and has no timing."""
    CutOffAdapter.calls = 0
    outcome = run(
        "quick",
        Selection(adapters=("floor", "cutoff"), algs=("HS256",), ops=("sign",)),
        results_dir=tmp_path,
        echo=lambda line: None,
        passes=1,
        interop=False,
        # rounds past call 300 however fast or slow the machine is right now
        extra_pytest_args=["--benchmark-min-rounds=1000"],
    )
    assert outcome.interrupted
    results = load_results(outcome.path)
    statuses = {
        (c["params"]["adapter"], c["params"]["key_mode"]): c["status"] for c in results.cells
    }
    assert statuses["cutoff", "prepared"] == "not run"
    ok = {k for k, status in statuses.items() if status == "ok"}
    timed = {(r.params["adapter"], r.params["key_mode"]) for r in results.rows()}
    assert timed == ok
    assert ("floor", "prepared") in timed
    assert statuses["cutoff", "raw"] == "not run"  # never reached


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_plain_progress_shows_a_line_every_tenth_of_the_cells_and_every_15_s() -> None:
    lines: list[str] = []
    clock = FakeClock()
    shown = LineProgress(lines.append, clock=clock)
    shown.begin("header", 100)
    for index in range(100):
        clock.now += 0.5
        shown.cell(f"[{index + 1}] per-cell line", "HS256-sign-prepared-small")
    progress = [line for line in lines if line.startswith("progress:")]
    assert len(progress) == 10 and not any("per-cell" in line for line in lines)
    assert progress[0] == (
        "progress: 10/100 cells (10%), 5s elapsed, ~45s left; at HS256-sign-prepared-small"
    )
    assert progress[-1].startswith("progress: 100/100 cells (100%), 50s elapsed, ~0s left")
    lines.clear()
    slow = LineProgress(lines.append, verbose=True, clock=clock)
    slow.begin("header", 1000)
    for _ in range(3):  # 3 of 1000 cells, 16 s each: a line per cell, time-driven
        clock.now += 16
        slow.cell("per-cell line")
    assert lines.count("per-cell line") == 3
    progress = [line for line in lines if line.startswith("progress:")]
    assert [line.split(",")[0] for line in progress] == [
        "progress: 1/1000 cells (0%)", "progress: 2/1000 cells (0%)",
        "progress: 3/1000 cells (0%)",
    ]  # fmt: skip
    assert "left" not in progress[0]  # one cell gives no pace (start-up is in its time)
    assert progress[-1].endswith("(0%), 48s elapsed, ~4h25m left")
    assert duration(59.6) == "1m00s" and duration(3725) == "1h02m"


def test_a_run_without_verbose_still_reports_progress(tmp_path: Path) -> None:
    lines: list[str] = []
    run(
        "quick",
        Selection(adapters=("floor",), algs=("HS256",), ops=("sign",), key_modes=("prepared",)),
        results_dir=tmp_path,
        progress=LineProgress(lines.append),
        passes=1,
        interop=False,
    )
    progress = [line for line in lines if line.startswith("progress:")]
    assert len(progress) == 1 and progress[0].startswith("progress: 1/1 cells (100%)")
    assert progress[0].endswith("; at HS256-sign-prepared-small")
