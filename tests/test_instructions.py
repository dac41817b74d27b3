"""Instruction counts (``--timer instructions``): exact, repeatable, gated by a threshold.

Two real counted runs of one tiny selection (pyjwt, HS256, sign and verify,
prepared key, small payload: one valgrind process each, ~20-25 s here) are
shared by the tests that need counts; everything else is pure.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jwtbench.analysis.compare_counts import compare_counts, count_rows, verdict
from jwtbench.cli.main import main
from jwtbench.measure import instructions
from jwtbench.measure.instructions import CountError, dump_total, per_op
from jwtbench.model.records import ResultsError
from jwtbench.model.results import Results, load_results
from jwtbench.present.compare_counts import render_counts_markdown, render_counts_terminal
from jwtbench.present.md_instructions import render_instructions

TINY = ["--adapters", "pyjwt", "--algs", "HS256", "--ops", "sign,verify"]
TINY += ["--key-modes", "prepared", "--payloads", "small", "--no-interop", "--no-report"]
needs_valgrind = pytest.mark.skipif(
    not __import__("shutil").which("valgrind"), reason="valgrind is not installed"
)


# -- pure parts ---------------------------------------------------------------------------


def test_difference_method_cancels_the_constant_cost() -> None:
    constant = 12_345  # the marker, range(), the result kept: the same in both segments
    assert per_op(constant + 10 * 1000, constant + 20 * 1000, 10) == 1000
    assert per_op(constant + 10 * 1001, constant + 20 * 1001, 10) == 1001
    with pytest.raises(CountError, match="not above"):
        per_op(5000, 5000, 10)


def test_dump_total_reads_the_summary_line(tmp_path: Path) -> None:
    dump = tmp_path / "cg.out.3"
    dump.write_text("# callgrind format\nevents: Ir\nsummary: 2550993\n\nfn=x\n1 2\n")
    assert dump_total(dump) == 2550993
    (tmp_path / "bad").write_text("# callgrind format\n")
    with pytest.raises(CountError, match="summary"):
        dump_total(tmp_path / "bad")


def test_counted_environ_pins_hash_seed_and_cpu_mask() -> None:
    env = instructions.counted_environ({"PATH": "/bin", "OPENSSL_ia32cap": ""})
    assert env["PYTHONHASHSEED"] == "0"
    assert env["OPENSSL_ia32cap"] == instructions.IA32CAP != ""
    assert env["PATH"] == "/bin"


def test_verdict_is_a_plain_threshold() -> None:
    assert verdict(100_000, 101_001, 0.01) == "regression"
    assert verdict(100_000, 100_999, 0.01) == "within threshold"
    assert verdict(100_000, 98_000, 0.01) == "improvement"


def test_missing_valgrind_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("JWTBENCH_VALGRIND", str(tmp_path / "no-valgrind"))
    out = tmp_path / "run.json"
    code = main(["run", "--timer", "instructions", *TINY, "--output", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == f"jwtbench: error: {instructions.INSTALL_HINT}"
    assert "apt-get install valgrind" in err
    assert not out.exists()  # refused before measuring


def test_ab_and_calibrate_refuse_without_valgrind_before_building_anything(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("JWTBENCH_VALGRIND", str(tmp_path / "no-valgrind"))
    env_dir = tmp_path / "envs"
    ab = ["ab", "--timer", "instructions", "--base", "pyjwt==2.10.1", "--head", "pyjwt==2.15.1"]
    assert main([*ab, "--adapters", "pyjwt", "--env-dir", str(env_dir)]) == 2
    assert "apt-get install valgrind" in capsys.readouterr().err
    assert not env_dir.exists()
    assert main(["calibrate", "--timer", "instructions", "--trials", "1"]) == 2
    assert "apt-get install valgrind" in capsys.readouterr().err


def test_timer_details_round_trip() -> None:
    from jwtbench.model.records import COUNT_UNITS, Timer, Units

    timer = Timer("instructions", "instructions", {"valgrind": "valgrind-3.19.0"})
    assert Timer.from_dict(timer.to_dict(), "x") == timer
    assert Timer.from_dict(Timer().to_dict(), "x") == Timer()
    units = Units.from_dict(dict(COUNT_UNITS, token_bytes="bytes"), "x")
    assert units.counts and not Units().counts
    with pytest.raises(ResultsError, match="not times"):
        units.factor("time")


# -- real counts --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Results, Results]:
    """Two counted runs of the tiny selection (two valgrind processes)."""
    if not __import__("shutil").which("valgrind"):
        pytest.skip("valgrind is not installed")
    folder = tmp_path_factory.mktemp("counts")
    runs = []
    for name in ("one", "two"):
        path = folder / f"{name}.json"
        assert main(["run", "--timer", "instructions", *TINY, "--output", str(path)]) == 0
        runs.append(load_results(path))
    return runs[0], runs[1]


def _counts(results: Results) -> dict[str, float]:
    return {
        b["params"]["op"]: float(b["extra_info"]["instructions_per_op"])
        for b in results.raw["benchmarks"]
    }


@needs_valgrind
def test_counts_are_positive_and_recorded_with_their_unit(counted: tuple[Results, Results]) -> None:
    one, _ = counted
    counts = _counts(one)
    assert set(counts) == {"sign", "verify"}
    assert all(c > 10_000 for c in counts.values())  # PyJWT HS256: ~170k / ~400k here
    assert one.record.units.counts and one.record.timer.name == "instructions"
    details = dict(one.record.timer.details or {})
    assert details["valgrind"].startswith("valgrind-")
    assert details["openssl_ia32cap"] == instructions.IA32CAP
    assert "python" in details and "openssl" in details
    for bench in one.raw["benchmarks"]:
        assert bench["stats"]["rounds"] == 1
        assert bench["stats"]["median"] == pytest.approx(bench["extra_info"]["instructions_per_op"])
    with pytest.raises(ResultsError, match="instruction counts"):
        list(one.rows())  # readers of times (export, history, charts) refuse by unit


@needs_valgrind
def test_two_runs_agree_within_a_tenth_of_a_percent(counted: tuple[Results, Results]) -> None:
    one, two = counted
    a, b = _counts(one), _counts(two)
    assert max(abs(b[op] / a[op] - 1) for op in a) < 0.001
    cmp = compare_counts(one, two)
    assert not cmp.has_regression() and not cmp.improvements
    assert "no p-value" in render_counts_terminal(cmp)


def _scaled(results: Results, factor: float, op: str) -> Results:
    raw: dict[str, Any] = json.loads(json.dumps(results.raw))
    for bench in raw["benchmarks"]:
        if bench["params"]["op"] == op:
            bench["extra_info"]["instructions_per_op"] *= factor
    return Results(path=None, raw=raw)


@needs_valgrind
def test_compare_flags_a_two_percent_change_only(counted: tuple[Results, Results]) -> None:
    one, two = counted
    cmp = compare_counts(one, _scaled(two, 1.02, "verify"))
    assert [c.params["op"] for c in cmp.regressions] == ["verify"]
    assert cmp.regressions[0].ratio == pytest.approx(1.02, abs=0.001)
    assert "regression" in render_counts_markdown(cmp)
    assert not compare_counts(one, _scaled(two, 1.005, "verify")).has_regression()


@needs_valgrind
def test_compare_cli_gates_and_refuses_mixed_kinds(
    counted: tuple[Results, Results], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = counted
    slower = tmp_path / "slower.json"
    slower.write_text(json.dumps(_scaled(two, 1.02, "sign").raw), encoding="utf-8")
    assert main(["compare", str(one.path), str(two.path)]) == 0
    assert main(["compare", str(one.path), str(slower)]) == 1
    assert "REGRESSION" in capsys.readouterr().out
    times = Path(__file__).parent / "data"
    golden = next(p for p in sorted(times.rglob("*.json")) if _is_times(p))
    assert main(["compare", str(golden), str(one.path)]) == 2
    assert "same --timer" in capsys.readouterr().err


def _is_times(path: Path) -> bool:
    try:
        return not load_results(path).record.units.counts
    except Exception:
        return False


@needs_valgrind
def test_report_section_has_counts_and_the_caveat(counted: tuple[Results, Results]) -> None:
    one, _ = counted
    text = render_instructions(one)
    assert "Instructions per operation" in text and "SHA-NI" in text and "AVX-512" in text
    rows = count_rows(one)
    assert {r.params["op"] for r in rows} == {"sign", "verify"}
    assert all(r.crypto_share is None for r in rows)  # no limit cell in this selection
    raw: dict[str, Any] = json.loads(json.dumps(one.raw))
    for bench in list(raw["benchmarks"]):
        twin = json.loads(json.dumps(bench))
        twin["params"]["adapter"] = "limit"
        twin["extra_info"]["instructions_per_op"] = bench["extra_info"]["instructions_per_op"] / 4
        raw["benchmarks"].append(twin)
        raw["jwtbench"]["cells"].append({"params": twin["params"], "status": "ok", "reason": ""})
    shares = {
        r.params["op"]: r.crypto_share
        for r in count_rows(Results(path=None, raw=raw))
        if r.params["adapter"] == "pyjwt"
    }
    assert shares == {"sign": pytest.approx(0.25), "verify": pytest.approx(0.25)}
