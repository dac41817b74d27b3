"""Repeatability of two runs (issue 9's bar): share of x-over-floor cells within 5%, distribution.

Synthetic: golden_paired.json against a copy whose stored paired ratios are
moved by known factors, so the share, quantiles and histogram are known.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import pytest

from jwtbench.analysis.repeatability import AGREE, repeatability, text_histogram
from jwtbench.model.results import Results

DATA = Path(__file__).parent / "data"
PAIRED = DATA / "golden_paired.json"
TOOL = Path(__file__).parent.parent / "tools" / "repeat.py"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(PAIRED.read_text(encoding="utf-8"))
    return raw


def library_cells(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The prepared-key JWS library benches with a paired ratio (what the bar compares)."""
    return [
        b
        for b in doc["benchmarks"]
        if b["params"]["key_mode"] == "prepared"
        and "enc" not in b["params"]
        and b["params"]["adapter"] not in ("floor", "limit")
        and "over_floor" in b["extra_info"]
    ]


def moved(doc: dict[str, Any], factors: dict[int, float]) -> Results:
    """A copy of ``doc`` with the i-th library cell's over_floor times ``factors[i]``."""
    out = copy.deepcopy(doc)
    cells = library_cells(out)
    for i, factor in factors.items():
        entry = cells[i]["extra_info"]["over_floor"]
        entry["ratio"] *= factor
        entry["ci95"] = [v * factor for v in entry["ci95"]]
    return Results(None, out)


def test_identical_runs_agree_everywhere(doc: dict[str, Any]) -> None:
    found = repeatability(Results(None, doc), Results(None, copy.deepcopy(doc)))
    ok = {(c["params"]["adapter"], c["params"]["alg"], c["params"]["op"])
          for c in doc["jwtbench"]["cells"] if c["status"] == "ok"}  # fmt: skip
    expected = [
        b
        for b in library_cells(doc)
        if tuple(b["params"][k] for k in ("adapter", "alg", "op")) in ok
    ]
    assert len(found.changes) == len(expected) > 10
    assert found.paired and found.share == 1.0
    assert all(value == 0 for _, value in found.quantiles())


def test_share_quantiles_and_histogram_of_known_moves(doc: dict[str, Any]) -> None:
    base = Results(None, doc)
    head = moved(doc, {0: 1.03, 1: 1 / 1.049, 2: 1.06, 3: 0.8})  # 2 within 5%, 2 beyond
    found = repeatability(base, head)
    n = len(found.changes)
    assert found.agreeing == n - 2
    assert found.share == pytest.approx((n - 2) / n)
    worst = found.worst(2)
    assert [round(math.exp(abs(c.log_ratio)), 3) for c in worst] == [1.25, 1.06]
    assert dict(found.quantiles())[1.0] == pytest.approx(math.log(1.25))
    bins = dict(found.histogram())
    assert bins["0-1%"] == n - 4 and bins["3-5%"] == 2 and bins["5-7.5%"] == 1
    assert bins[">=30%"] == 0 and bins["20-30%"] == 1
    assert sum(bins.values()) == n
    lines = text_histogram(found.histogram(), width=10)
    assert lines[0].endswith("#" * 10) and lines[-1].endswith(" 0 ")
    assert AGREE == 1.05


def test_unpaired_runs_fall_back_to_medians_and_say_so(doc: dict[str, Any]) -> None:
    plain = copy.deepcopy(doc)
    for bench in plain["benchmarks"]:
        bench["extra_info"].pop("over_floor", None)
    found = repeatability(Results(None, plain), Results(None, copy.deepcopy(plain)))
    assert found.changes and not found.paired and found.share == 1.0


def test_cells_missing_from_one_run_are_counted_not_compared(doc: dict[str, Any]) -> None:
    head = copy.deepcopy(doc)
    gone = library_cells(head)[0]
    head["benchmarks"].remove(gone)
    found = repeatability(Results(None, doc), Results(None, head))
    full = repeatability(Results(None, doc), Results(None, doc))
    assert len(found.changes) == len(full.changes) - 1 and found.only_base == 1


def test_the_tool_prints_the_bar_and_refuses_bad_input(
    tmp_path: Path, doc: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("repeat_tool", TOOL)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    head = tmp_path / "head.json"
    head.write_text(json.dumps(moved(doc, {0: 1.2}).raw), encoding="utf-8")
    png = tmp_path / "hist.png"
    assert tool.main([str(PAIRED), str(head), "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "(paired over_floor)" in out and "agree within 5%:" in out and "(+20.0%)" in out
    assert png.stat().st_size > 1000
    assert tool.main([str(PAIRED), str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("repeat: ") and err.count("\n") == 1


def test_disjoint_intervals_are_counted(doc: dict[str, Any]) -> None:
    base = Results(None, doc)
    cells = library_cells(doc)
    lo, hi = cells[0]["extra_info"]["over_floor"]["ci95"]
    # moved just past its own interval's width: the two intervals no longer overlap
    factor = hi / lo * 1.01
    found = repeatability(base, moved(doc, {0: factor}))
    assert found.disjoint == 1
    assert repeatability(base, moved(doc, {0: 1.0})).disjoint == 0
