"""Grouped runs over several sets of fresh processes (``jwtbench.measure.waves``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jwtbench.measure import waves
from jwtbench.measure.matrix import PROFILES
from jwtbench.measure.paired import pair_by_process, summarise, summarise_processes
from jwtbench.model.results import load_results
from jwtbench.model.selection import Selection


def test_one_set_of_processes_is_the_plain_burst_interval() -> None:
    ratios = [1.0, 1.02, 0.99, 1.01, 1.03, 0.98, 1.0]
    assert summarise_processes({"a": ratios}) == summarise(ratios)


def test_processes_that_disagree_widen_the_interval_to_cover_them() -> None:
    """Two processes 20% apart, each tight: the interval spans both, not one's few percent."""
    slow = [1.2 + 0.001 * i for i in range(10)]
    fast = [1.0 + 0.001 * i for i in range(10)]
    alone = summarise(fast)
    both = summarise_processes({"p1": slow, "p2": fast})
    assert alone is not None and both is not None
    assert alone["ci95"][1] - alone["ci95"][0] < 0.01
    lo, hi = both["ci95"]
    assert lo <= 1.005 and hi >= 1.2
    assert both["processes"] == 2 and both["rounds"] == 20


def test_bursts_are_split_between_the_sets_with_a_floor_of_three() -> None:
    assert waves.split_bursts(20, 2) == 10
    assert waves.split_bursts(60, 4) == 15
    assert waves.split_bursts(4, 4) == 3
    # spread over visits: each set's share, at least one burst per visit
    assert waves.split_bursts(10, 1, 10) == 1
    assert waves.split_bursts(20, 2, 5) == 2
    assert waves.split_bursts(10, 2, 5) == 1


def test_the_visits_of_one_set_are_one_process_in_the_interval() -> None:
    """Pair ids ``PAIR/VISIT``: bursts pair within their visit, visits pool per set."""

    def entry(seconds: list[float], pair: str) -> dict[str, Any]:
        lockstep = [[f"{pair}/{v}", [1]] for v in range(len(seconds))]
        return {"stats": {"data": seconds}, "extra_info": {"lockstep": lockstep}}

    lib = entry([2.0, 4.0, 2.2], "s1")
    floor = entry([1.0, 2.0, 1.0], "s1")
    assert pair_by_process(lib, floor) == {"s1": [2.0, 2.0, 2.2]}
    other = {"stats": {"data": [1.0]}, "extra_info": {"lockstep": [["s1/7", [1]]]}}
    assert pair_by_process(lib, other) == {}  # another visit: nothing pairs


def test_a_cut_off_set_keeps_what_the_earlier_sets_measured() -> None:
    params = {"adapter": "floor", "alg": "HS256", "op": "sign"}
    first = {"jwtbench": {"cells": [{"params": params, "status": "ok", "reason": ""}]}}
    cut = {"jwtbench": {"cells": [{"params": params, "status": "not run", "reason": "x"}]}}
    waves._reached_only([first, cut])
    assert cut["jwtbench"]["cells"][0]["status"] == "ok"


def test_sets_are_merged_and_an_interrupted_set_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three sets asked, Ctrl-C while the third starts: the two measured sets are the file."""
    real = waves.run_grouped
    calls: list[int] = []

    def third_is_interrupted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(waves, "run_grouped", third_is_interrupted)
    selection = Selection(
        adapters=("floor", "limit"), algs=("HS256",), ops=("sign",), key_modes=("prepared",)
    )
    out = tmp_path / "run.json"
    outcome = waves.run_waves("quick", selection, processes=3, output=out, interop=False)
    assert outcome.interrupted and outcome.counts == {"ok": 2}
    raw = load_results(out).raw
    info = raw["jwtbench"]
    assert info["passes"] == 2 * PROFILES["quick"].visits and info["groups"]["processes"] == 2
    assert len(set(info["groups"]["pair"])) == 2
    limit = next(b for b in raw["benchmarks"] if b["params"]["adapter"] == "limit")
    visits = PROFILES["quick"].visits
    assert len(limit["extra_info"]["merged_runs"]) == 2 * visits  # a pass per set and visit
    over = limit["extra_info"]["over_floor"]
    per_visit = waves.split_bursts(PROFILES["quick"].bursts, 3, visits)
    assert over["processes"] == 2 and over["rounds"] == 2 * per_visit * visits
    assert 0 < over["ci95"][0] <= over["ratio"] <= over["ci95"][1] < 1.0  # beats the floor


def test_a_small_selection_gets_three_sets_of_processes_by_default() -> None:
    """Few cells: three sets (cheap, and one set's process offset shows); the quick matrix: one."""
    from jwtbench.measure.matrix import build_matrix

    quick = PROFILES["quick"]
    small = build_matrix(quick, Selection(adapters=("floor", "pyjwt"), algs=("HS256",)))
    assert waves.default_processes(quick, small) == waves.SMALL_RUN_PROCESSES == 3
    assert waves.default_processes(quick, build_matrix(quick, Selection())) == quick.processes == 1
