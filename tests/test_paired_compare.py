"""``jwtbench compare`` on paired ratios (tests/data/golden_paired.json, synthetic paired fields).

The head runs are the golden file with every time scaled by a machine drift
(all adapters alike: paired ratios unchanged) and, for one library, a real
slowdown (its times and its stored paired ratios scaled): the paired view must
flag exactly that library's cells, whatever the drift, and report the floor's
change apart; the absolute comparison of the same files cannot tell them apart.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from jwtbench.analysis import paired
from jwtbench.analysis.compare import compare_results
from jwtbench.analysis.intervals import Interval
from jwtbench.analysis.paired import (
    FROM_BURSTS,
    FROM_INTERVALS,
    compare_paired,
    has_paired,
    verdict_of,
)
from jwtbench.analysis.stats import IMPROVEMENT, NO_CHANGE, REGRESSION
from jwtbench.cli.compare import cmd_compare
from jwtbench.model.errors import UsageError
from jwtbench.model.results import Results, load_results
from jwtbench.present.compare_paired import render_paired_markdown, render_paired_terminal

DATA = Path(__file__).parent / "data"
PAIRED = DATA / "golden_paired.json"
QUICK = DATA / "golden_quick.json"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PAIRED.read_text(encoding="utf-8"))
    return data


def scaled(
    raw: dict[str, Any], drift: float, slow: dict[str, float] | None = None
) -> dict[str, Any]:
    """Every time times ``drift``; ``slow`` adapters' times (and paired ratios) times theirs."""
    out = copy.deepcopy(raw)
    for bench in out["benchmarks"]:
        factor = (slow or {}).get(bench["params"]["adapter"], 1.0)
        stats = bench["stats"]
        stats["data"] = [v * drift * factor for v in stats["data"]]
        stats["median"] *= drift * factor
        stats["ops"] = 1 / stats["median"]
        for key in ("over_floor", "over_limit"):
            entry = bench["extra_info"].get(key)
            if entry and factor != 1.0:
                entry["ratio"] *= factor
                entry["ci95"] = [v * factor for v in entry["ci95"]]
    return out


def results(raw: dict[str, Any], name: str) -> Results:
    return Results(Path(name), raw)


def test_has_paired_tells_paired_files_from_older_ones(raw: dict[str, Any]) -> None:
    assert has_paired(results(raw, "paired.json"))
    assert not has_paired(load_results(QUICK))


def test_drift_alone_is_no_regression_on_paired_ratios(raw: dict[str, Any]) -> None:
    # The whole machine 1.6x slower in head: absolute times all moved, paired ratios did not.
    base, head = results(raw, "base.json"), results(scaled(raw, 1.6), "head.json")
    pc = compare_paired(base, head)
    assert pc.cells and not pc.regressions and not pc.improvements
    assert {c.verdict for c in pc.cells} == {NO_CHANGE}
    assert pc.floor_drift() == pytest.approx(1.6, rel=1e-6)
    # ... while the absolute comparison of the same files calls regressions everywhere.
    assert compare_results(base, head).regressions


def test_a_slowed_library_is_flagged_through_the_drift(raw: dict[str, Any]) -> None:
    base = results(raw, "base.json")
    head = results(scaled(raw, 0.7, {"pyjwt": 1.3}), "head.json")  # a faster machine, slower pyjwt
    pc = compare_paired(base, head)
    assert {c.params["adapter"] for c in pc.regressions} == {"pyjwt"}  # no false alarm
    pyjwt = [c for c in pc.cells if c.params["adapter"] == "pyjwt"]
    assert all(c.change.value == pytest.approx(1.3, rel=1e-6) for c in pyjwt)
    # The noisiest cells of this short run cannot clear the interval at 30% ...
    assert len(pc.regressions) >= 12 and all(c.change.low > 1.05 for c in pc.regressions)
    # ... a 2x slowdown clears it everywhere.
    pc = compare_paired(base, results(scaled(raw, 0.7, {"pyjwt": 2.0}), "head.json"))
    assert {c.verdict for c in pc.cells if c.params["adapter"] == "pyjwt"} == {REGRESSION}
    assert {c.params["adapter"] for c in pc.regressions} == {"pyjwt"}
    # The floor is reported apart, never judged as a library.
    assert all(c.params["adapter"] not in ("floor", "limit") for c in pc.cells)
    assert pc.floor_drift() == pytest.approx(0.7, rel=1e-6)


def test_bursts_make_the_interval_when_both_runs_have_them(raw: dict[str, Any]) -> None:
    pc = compare_paired(results(raw, "b.json"), results(scaled(raw, 1.2), "h.json"))
    assert {c.source for c in pc.cells} == {FROM_BURSTS}  # every cell has >= 3 paired bursts
    cut = copy.deepcopy(raw)
    for bench in cut["benchmarks"]:  # RS256 raw-key sign cut to its first 2 bursts: too few
        p = bench["params"]
        if (p["alg"], p["op"], p["key_mode"]) == ("RS256", "sign", "raw"):
            bench["extra_info"]["lockstep"] = bench["extra_info"]["lockstep"][:1]
            bench["stats"]["data"] = bench["stats"]["data"][:2]
    pc = compare_paired(results(cut, "b.json"), results(scaled(cut, 1.2), "h.json"))
    short = {c.label for c in pc.cells if c.source == FROM_INTERVALS}
    assert short and all("RS256 sign raw" in label for label in short)
    assert sum(c.source == FROM_BURSTS for c in pc.cells) == len(pc.cells) - len(short)
    stripped = copy.deepcopy(raw)
    for bench in stripped["benchmarks"]:
        bench["extra_info"].pop("lockstep", None)
    pc = compare_paired(results(stripped, "b.json"), results(stripped, "h.json"))
    assert {c.source for c in pc.cells} == {FROM_INTERVALS}
    assert all(c.change.includes(1.0) and c.verdict == NO_CHANGE for c in pc.cells)


def test_the_floors_own_change_against_the_limit_is_paired(raw: dict[str, Any]) -> None:
    head = results(scaled(raw, 1.5, {"floor": 1.2}), "head.json")  # e.g. a cryptography bump
    pc = compare_paired(results(raw, "base.json"), head)
    with_limit = [f for f in pc.floors if f.over_limit is not None]
    assert with_limit and all(f.over_limit.value == pytest.approx(1.2) for f in with_limit)  # type: ignore[union-attr]
    assert all(f.ratio == pytest.approx(1.8) for f in pc.floors)
    # Every library's ratio to the floor (recomputed from the bursts) fell by the floor's
    # change: improvements, shown with the floor's own change beside them to explain it.
    from_bursts = [c for c in pc.cells if c.source == FROM_BURSTS]
    assert all(c.change.value == pytest.approx(1 / 1.2) for c in from_bursts)
    assert not pc.regressions and pc.improvements


def test_a_floor_that_moved_against_the_limit_means_another_machine_state(
    raw: dict[str, Any],
) -> None:
    # Drift moves the floor and the limit alike: one state, whatever the speed.
    pc = compare_paired(results(raw, "base.json"), results(scaled(raw, 1.6), "head.json"))
    assert pc.state is not None and pc.state.floor_shift == pytest.approx(1.0)
    assert pc.state.floor_cells > 0 and not pc.state.shifted and not pc.state.inputs_changed
    # The floor 4% slower against the bare primitive, same Python and cryptography: Python
    # ran slower relative to C in head (a noisy spell), and every verdict is less sure.
    head = results(scaled(raw, 1.0, {"floor": 1.04}), "head.json")
    pc = compare_paired(results(raw, "base.json"), head)
    assert pc.state is not None and pc.state.floor_shift == pytest.approx(1.04)
    assert pc.state.shifted
    text = render_paired_terminal(pc, compare_results(results(raw, "b"), head), verbose=False)
    assert "machine state: noise" in text and "moved +4.0%" in text
    assert "warning: the two runs saw the machine in different states" in text
    # ... unless Python (or cryptography, OpenSSL, jwtbench) changed: then the floor may have.
    bumped = scaled(raw, 1.0, {"floor": 1.04})
    bumped["jwtbench"]["provenance"]["python"] = "3.12.0"
    pc = compare_paired(results(raw, "base.json"), results(bumped, "head.json"))
    assert pc.state is not None and pc.state.inputs_changed == ("python",)
    assert not pc.state.shifted
    assert "python differ" in render_paired_markdown(pc, compare_results(results(raw, "b"), head))
    # The golden file's bursts are synthetic and scatter widely: both runs are called noisy.
    assert [side for side, _ in pc.state.noisy()] == ["base", "head"]
    assert "the head run was noisy" in text


def test_verdict_needs_the_threshold_and_the_interval() -> None:
    assert verdict_of(Interval(1.2, 1.1, 1.3), 0.10) == REGRESSION
    assert verdict_of(Interval(1.2, 1.02, 1.4), 0.10) == NO_CHANGE  # interval does not clear
    assert verdict_of(Interval(1.08, 1.06, 1.1), 0.10) == NO_CHANGE  # below the threshold
    assert verdict_of(Interval(0.8, 0.75, 0.85), 0.10) == IMPROVEMENT


def test_renderers_say_paired_and_show_the_floor(raw: dict[str, Any]) -> None:
    base, head = results(raw, "base.json"), results(scaled(raw, 0.7, {"pyjwt": 1.3}), "h.json")
    pc, cmp = compare_paired(base, head), compare_results(base, head)
    text = render_paired_terminal(pc, cmp, verbose=False)
    assert "mode: paired ratios" in text and "REGRESSION" in text
    assert "floor: the floor's absolute time changed 0.70x" in text
    assert "pyjwt" in text.split("floor:")[0]
    md = render_paired_markdown(pc, cmp)
    assert md.startswith("### jwtbench compare (paired ratios): ❌ regression")
    assert "**Floor**" in md and "paired vs limit" in md


def _args(base: Path, head: Path, **extra: Any) -> argparse.Namespace:
    values = {
        "base": str(base),
        "head": str(head),
        "base_extra": None,
        "head_extra": None,
        "threshold": 0.10,
        "alpha": 0.01,
        "fail_on": "regression",
        "markdown": None,
        "verbose": False,
        "paired_ratios": None,
    }
    return argparse.Namespace(**{**values, **extra})


def _write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_cli_defaults_to_paired_when_both_files_have_the_fields(
    raw: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _write(tmp_path, "base.json", raw)
    drifted = _write(tmp_path, "drift.json", scaled(raw, 1.6))
    assert cmd_compare(_args(base, drifted)) == 0  # drift is no regression on paired ratios
    assert "mode: paired ratios" in capsys.readouterr().out
    assert cmd_compare(_args(base, drifted, paired_ratios=False)) == 1  # absolute: drift flags
    assert "mode: unpaired: --unpaired" in capsys.readouterr().out
    slowed = _write(tmp_path, "slow.json", scaled(raw, 1.0, {"jwcrypto": 1.4}))
    out_md = tmp_path / "cmp.md"
    assert cmd_compare(_args(base, slowed, markdown=str(out_md))) == 1
    assert "(paired ratios)" in out_md.read_text(encoding="utf-8")


def test_cli_paired_ratios_refuses_a_file_without_the_fields(
    raw: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = _write(tmp_path, "base.json", raw)
    with pytest.raises(UsageError, match=r"golden_quick\.json"):
        cmd_compare(_args(base, QUICK, paired_ratios=True))
    # Without the flag an older file falls back to the absolute comparison, and says so.
    cmd_compare(_args(base, QUICK, fail_on="never"))
    assert "mode: unpaired: a file stores no paired ratios" in capsys.readouterr().out


def test_two_outlying_bursts_do_not_hide_a_slowdown() -> None:
    """Trial 2 of the slowdown trials: pyjwt HS256 sign, 24% slower in head.

    The base run's per-burst ratios had two outliers (bursts that caught the
    machine's slow state for the library only); a bootstrap of the two medians
    gave [1.01, 1.27] and no flag. The shift interval stays clear of the margin.
    """
    base = [3.465, 3.48, 3.483, 3.495, 3.561, 3.565, 3.601, 3.748, 5.168, 6.39]
    head = [4.375, 4.388, 4.389, 4.404, 4.426, 4.431, 4.439, 4.471, 4.473, 4.523]
    found = paired.change_from_bursts(base, head)
    assert found is not None and found.value == pytest.approx(1.2429, abs=1e-3)
    assert 1.15 < found.low < found.value < found.high < 1.3
    assert paired.verdict_of(found, 0.05) == REGRESSION
    same = paired.change_from_bursts(base, list(base))
    assert same is not None and same.low < 1.0 < same.high  # no shift: the interval holds 1


def test_the_shift_interval_uses_the_mann_whitney_order_statistics() -> None:
    base = [1.0] * 10
    head = [1.0 + 0.01 * i for i in range(10)]  # the 100 ratios: 10 of each head value
    low, high = paired.shift_interval(base, head)
    assert low == pytest.approx(1.02) and high == pytest.approx(1.07)  # the 24th from each end
