"""Groups timed together (``jwtbench.measure.groups``) and their paired ratios.

The pure parts (bursts, pairing, the interval) are checked on made-up
entries; one tiny real grouped run and one interrupted one check the
processes, the merged file and the statuses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from jwtbench.measure import paired
from jwtbench.measure.groups import (
    REFERENCES,
    REPLICAS,
    _benchmarks,
    child_command,
    replicated,
    run_grouped,
)
from jwtbench.measure.matrix import PROFILES
from jwtbench.measure.runner import LineProgress
from jwtbench.model.cell import Cell, cell_key
from jwtbench.model.results import load_results
from jwtbench.model.selection import Selection


def _entry(adapter: str, bursts: list[list[float]], pair: str = "p") -> dict[str, Any]:
    data = [v for burst in bursts for v in burst]
    return {
        "params": {"adapter": adapter, "alg": "HS256", "op": "sign"},
        "stats": {"data": data},
        "extra_info": {"lockstep": [[pair, [len(b) for b in bursts]]]},
    }


def test_a_burst_is_timed_by_its_fastest_round_and_follows_the_recorded_bursts() -> None:
    entry = _entry("a", [[1.5, 3.0, 2.0], [5.0]])
    assert paired.burst_times(entry) == [("p", 0, 1.5), ("p", 1, 5.0)]
    entry["stats"]["data"].append(9.0)  # rounds that do not add up: no bursts
    assert paired.burst_times(entry) == []


def test_slow_rounds_inside_a_burst_do_not_move_the_paired_ratio() -> None:
    """The machine slows some rounds of one member's burst and not the other's (seen here)."""
    floor_bursts = [[1.0, 1.8, 1.0, 1.0], [1.8, 1.0, 1.8, 1.8], [1.0, 1.0, 1.0, 1.8]]
    lib_bursts = [[2.5, 2.5, 4.5, 4.5], [2.5, 4.5, 4.5, 4.5], [4.5, 2.5, 2.5, 2.5]]
    floor = _entry("floor", [[v * 1e-5 for v in b] for b in floor_bursts])
    lib = _entry("pyjwt", [[v * 1e-5 for v in b] for b in lib_bursts])
    assert all(abs(r - 2.5) < 1e-9 for r in paired.pair_cells(lib, floor))


def test_a_ratio_pairs_bursts_of_the_same_round_through_machine_flips() -> None:
    speeds = [1.0, 1.8, 1.0, 1.8, 1.8, 1.0] * 4  # the machine, round by round
    floor = _entry("floor", [[s * 1e-5] for s in speeds])
    lib = _entry("pyjwt", [[s * 2.5e-5] for s in speeds])
    ratios = paired.pair_cells(lib, floor)
    assert len(ratios) == len(speeds) and all(abs(r - 2.5) < 1e-9 for r in ratios)
    summary = paired.summarise(ratios)
    assert summary is not None and summary["rounds"] == len(speeds)
    assert summary["ratio"] == summary["ci95"][0] == summary["ci95"][1] == 2.5


def test_the_interval_is_repeatable_and_covers_the_median() -> None:
    ratios = [1.0 + 0.01 * (i % 7) for i in range(40)]
    one, two = paired.summarise(ratios), paired.summarise(ratios)
    assert one == two and one is not None
    assert one["ci95"][0] <= one["ratio"] <= one["ci95"][1]
    assert paired.summarise([]) is None


def test_the_interval_of_the_median_is_two_order_statistics() -> None:
    """n = 10 (a quick run's visits): the 2nd and 9th smallest (97.9% coverage)."""
    values = [9.0, 1.0, 8.0, 2.0, 7.0, 3.0, 6.0, 4.0, 5.0, 10.0]
    assert paired.median_interval(values) == (2.0, 9.0)
    assert paired.median_interval([1.0, 2.0, 3.0]) == (1.0, 3.0)  # too few for 95%: the range
    assert paired.median_interval(list(map(float, range(20)))) == (5.0, 14.0)
    # coverage: the true median (0) lies inside in >= 95% of samples of 10
    rng = np.random.default_rng(1)
    samples = rng.normal(size=(2000, 10))
    inside = sum(lo <= 0 <= hi for lo, hi in map(paired.median_interval, samples))
    assert inside / 2000 > 0.95


def test_ratios_go_to_every_member_of_a_group_with_its_reference() -> None:
    floor = _entry("floor", [[1.0], [2.0]])
    lib = _entry("pyjwt", [[3.0], [6.0]])
    other = _entry("authlib", [[2.0], [4.0]])
    other["params"] = {**other["params"], "op": "verify"}  # another group, no floor there
    paired.add_paired_ratios([floor, lib, other], REFERENCES)
    assert lib["extra_info"]["over_floor"]["ratio"] == 3.0
    assert floor["extra_info"]["over_floor"]["ratio"] == 1.0
    assert "over_floor" not in other["extra_info"]
    assert "over_limit" not in lib["extra_info"]  # no limit adapter in this run


def test_the_floor_runs_in_three_processes_spread_through_the_turn_order() -> None:
    columns = ["floor", "pyjwt", "jwcrypto", "authlib", "joserfc", "limit"]
    sides = replicated(columns)
    assert REPLICAS["floor"] == 3
    assert sorted(sides) == sorted([*columns, "floor#2", "floor#3"])
    assert [s for s in sides if s.startswith("floor")] == ["floor", "floor#2", "floor#3"]
    gaps = np.diff([sides.index(s) for s in ("floor", "floor#2", "floor#3")])
    assert all(gap >= 2 for gap in gaps)  # never back to back
    assert replicated(["pyjwt", "limit"]) == ["pyjwt", "limit"]  # no floor, no replicas


def test_one_floor_process_off_does_not_move_the_ratios_to_the_floor() -> None:
    """Three floor replicas, one 5% slow in every round: x over floor keeps its value."""
    speeds = [1.0, 1.8, 1.0, 1.8, 1.8, 1.0, 1.0, 1.8, 1.0, 1.0]  # the machine, round by round
    replicas = [_entry("floor", [[s * 1e-5 * slow] for s in speeds]) for slow in (1.0, 1.05, 1.0)]
    lib = _entry("pyjwt", [[s * 2.5e-5] for s in speeds])
    cells = [Cell(a, "HS256", "sign", "prepared", "small") for a in ("floor", "pyjwt")]
    for entry in [*replicas, lib]:
        entry["params"] = cells[entry["params"]["adapter"] == "pyjwt"].params
    sides = ["floor", "floor#2", "floor#3"]
    docs = {side: {"benchmarks": [e]} for side, e in zip(sides, replicas, strict=True)}
    docs["pyjwt"] = {"benchmarks": [lib]}
    floor, mine = _benchmarks(cells, docs, {cell_key(c.params) for c in cells})
    assert floor["extra_info"]["merged_runs"] == [10, 10, 10]  # one run per replica
    assert len(floor["stats"]["data"]) == 30 and floor["extra_info"]["lockstep"][0][0] == "p"
    paired.add_paired_ratios([floor, mine], REFERENCES)
    assert mine["extra_info"]["over_floor"]["ratio"] == 2.5
    assert mine["extra_info"]["over_floor"]["rounds"] == 10  # a round per round, not per replica
    assert floor["extra_info"]["over_floor"]["ratio"] == 1.0


def test_a_member_runs_its_adapter_only_and_only_its_slowdown() -> None:
    sel = Selection(adapters=("floor", "pyjwt"), algs=("HS256",))
    cmd = child_command("quick", sel, "pyjwt", Path("o.json"), "quick", ("pyjwt", 0.1))
    assert "--adapters=pyjwt" in cmd and "--algs=HS256" in cmd
    assert "--inject-slowdown=pyjwt=0.1" in cmd
    cmd = child_command("quick", sel, "floor", Path("o.json"), "quick", ("pyjwt", 0.1))
    assert not any(part.startswith("--inject-slowdown") for part in cmd)


def test_a_grouped_run_times_the_members_together_and_pairs_them(tmp_path: Path) -> None:
    selection = Selection(
        adapters=("floor", "pyjwt"), algs=("HS256", "ES256K"), ops=("sign",),
        key_modes=("prepared",),
    )  # fmt: skip
    lines: list[str] = []
    outcome = run_grouped(
        "quick", selection, output=tmp_path / "r.json", interop=False,
        progress=LineProgress(lines.append),
    )  # fmt: skip
    assert not outcome.interrupted and outcome.exit_code == 0
    progress = [line for line in lines if line.startswith("progress:")]  # not verbose
    assert progress[-1].startswith("progress: 4/4 cells (100%)"), lines
    assert any(line.endswith("; at HS256-sign-prepared-small") for line in progress)
    results = load_results(outcome.path)
    assert results.meta["groups"]["members"] == ["floor", "pyjwt"]
    rows = {(r.params["adapter"], r.params["alg"]): r for r in results.rows()}
    lib, floor = rows["pyjwt", "HS256"], rows["floor", "HS256"]
    pair = results.meta["groups"]["pair"]
    assert lib.extra_info["lockstep"][0][0] == floor.extra_info["lockstep"][0][0] == pair
    over = lib.extra_info["over_floor"]
    assert over["rounds"] == PROFILES["quick"].bursts
    assert over["ci95"][0] <= over["ratio"] <= over["ci95"][1]
    statuses = {(c["params"]["adapter"], c["params"]["alg"]): c for c in results.cells}
    assert statuses["floor", "HS256"]["status"] == "ok"
    for cell in statuses.values():  # every cell has a status, and a reason unless ok
        assert cell["status"] == "ok" or cell["reason"]


def test_sigterm_keeps_what_the_members_measured(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "jwtbench.cli.main", "run", "--no-report", "--no-interop",
           "--adapters", "floor,pyjwt", "--algs", "HS256,HS384,HS512,RS256,RS384,RS512,PS256",
           "--key-modes", "prepared,raw", "--verbose", "--output", str(out)]  # fmt: skip
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    lines = []
    for line in child.stdout:  # the first cell timed by both members
        lines.append(line)
        if line.lstrip().startswith("[   2/"):
            break
    time.sleep(0.2)
    child.send_signal(signal.SIGTERM)
    child.communicate(timeout=60)
    assert child.returncode == 128 + signal.SIGTERM, "".join(lines)
    results = load_results(out)
    assert results.meta["interrupted"] is True
    statuses = [c["status"] for c in results.cells]
    assert "ok" in statuses and "not run" in statuses
    ok = {tuple(sorted(c["params"].items())) for c in results.cells if c["status"] == "ok"}
    assert {tuple(sorted(r.params.items())) for r in results.rows()} == ok
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
