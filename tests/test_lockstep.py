"""jwtbench.envs.lockstep and paired comparisons: scheduling, burst bookkeeping, the paired test.

The real thing (two ``jwtbench run`` processes in lockstep, a slowdown
flagged and the floor not) runs in ``tests/test_compare.py`` and
``tests/test_ab.py``; these tests pin the logic around it without processes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from jwtbench.analysis.compare import paired_rounds, split_bursts
from jwtbench.analysis.stats import (
    MIN_PAIRS,
    MODE_PAIRED,
    NO_CHANGE,
    REGRESSION,
    TOO_FEW,
    compare_many_runs,
    compare_paired,
)
from jwtbench.envs.lockstep import BURSTS, Coordinator, _Child
from jwtbench.measure.merge import merge_benchmarks
from jwtbench.model.results import Row

# -- the coordinator's schedule -------------------------------------------------------


def _child(side: str, plan: list[str]) -> _Child:
    return _Child(side, proc=None, to_child=None, from_child=None, log=None, plan=plan)  # type: ignore[arg-type]


def _simulate(plans: dict[str, list[str]], bursts: int) -> list[tuple[str, str, int]]:
    """Who runs which burst, in order, when each child goes through its plan."""
    coordinator = Coordinator({}, {}, cwd=None, pair="p", cpu=None)  # type: ignore[arg-type]
    coordinator.children = {side: _child(side, plan) for side, plan in plans.items()}
    progress = {side: (0, -1) for side in plans}  # (cell index, bursts done); -1: not started
    order: list[tuple[str, str, int]] = []
    while not all(child.finished for child in coordinator.children.values()):
        child = coordinator._next()
        index, done = progress[child.side]
        plan = plans[child.side]
        if done == -1 or done == bursts:  # gate the next cell, stop before burst 0
            index, done = (index if done == -1 else index + 1), 0
            if index >= len(plan):
                child.finished = True
                continue
        else:
            order.append((child.side, plan[index], done))
            done += 1
        progress[child.side] = (index, done)
        child.at = (plan[index], done)
    return order


def test_bursts_of_a_cell_alternate_abba() -> None:
    order = _simulate({"base": ["c1", "c2"], "head": ["c1", "c2"]}, bursts=4)
    assert [(side, burst) for side, cell, burst in order if cell == "c1"] == [
        ("base", 0), ("head", 0), ("head", 1), ("base", 1),
        ("base", 2), ("head", 2), ("head", 3), ("base", 3),
    ]  # fmt: skip
    cells = [cell for _, cell, _ in order]
    assert cells == sorted(cells)  # c1 is done on both sides before c2 starts


def test_a_cell_only_one_side_has_runs_alone_and_the_pairs_realign() -> None:
    order = _simulate({"base": ["c1", "c2", "c3"], "head": ["c1", "c3"]}, bursts=2)
    assert [cell for side, cell, _ in order if side == "head"] == ["c1", "c1", "c3", "c3"]
    c2 = [i for i, (_, cell, _) in enumerate(order) if cell == "c2"]
    c3 = [i for i, (_, cell, _) in enumerate(order) if cell == "c3"]
    assert max(c2) < min(c3)  # head waits at c3 while base runs c2 alone
    assert [(s, b) for s, c, b in order if c == "c3"] == [
        ("base", 0), ("head", 0), ("head", 1), ("base", 1)
    ]  # fmt: skip


def test_a_finished_child_leaves_the_baton_to_the_other() -> None:
    order = _simulate({"base": ["c1"], "head": ["c1", "c2"]}, bursts=2)
    assert order[-2:] == [("head", "c2", 0), ("head", "c2", 1)]


# -- bursts in results files -----------------------------------------------------------


def _row(data: list[float], lockstep: Any) -> Row:
    values = tuple(float(v) for v in data)
    return Row({"adapter": "a"}, 1.0, 1.0, len(values), values, {"lockstep": lockstep})


def test_split_bursts_cuts_rounds_and_bursts_in_order() -> None:
    row = _row([1, 2, 3, 4, 5, 6], [["p1", [2, 1]], ["p2", [1, 2]]])
    assert split_bursts(row) == [("p1", [(1, 2), (3,)]), ("p2", [(4,), (5, 6)])]


@pytest.mark.parametrize(
    "lockstep",
    [None, "x", [["p1", [2, 2]]], [["p1", [6, 0]]], [["p1", ["a"]]], [["p1"]]],
)
def test_split_bursts_ignores_what_does_not_add_up(lockstep: Any) -> None:
    assert split_bursts(_row([1, 2, 3, 4, 5, 6], lockstep)) == []


def test_paired_rounds_match_by_pair_id() -> None:
    base = [("p1", [(1.0,), (2.0,)]), ("p2", [(3.0,)]), ("p3", [(4.0,)])]
    head = [("p2", [(30.0,)]), ("p1", [(10.0,), (20.0,)]), ("p3", [(40.0,), (41.0,)])]
    assert paired_rounds(base, head) == [
        [((1.0,), (10.0,)), ((2.0,), (20.0,))],
        [((3.0,), (30.0,))],
    ]  # p3 has a different burst count: not paired


def _entry(data: list[float], lockstep: Any = None) -> dict[str, Any]:
    extra = {"lockstep": lockstep} if lockstep is not None else {}
    return {
        "params": {"adapter": "a", "alg": "HS256"},
        "stats": {"data": data, "iterations": 1},
        "extra_info": extra,
    }


def test_merge_keeps_every_rounds_bursts_or_none() -> None:
    one = _entry([1.0, 2.0], [["p1", [1, 1]]])
    two = _entry([3.0], [["p2", [1]]])
    [merged] = merge_benchmarks([[one], [two]])
    assert merged["extra_info"]["lockstep"] == [["p1", [1, 1]], ["p2", [1]]]
    assert merged["extra_info"]["merged_runs"] == [2, 1]
    [mixed] = merge_benchmarks([[one], [_entry([3.0])]])
    assert "lockstep" not in mixed["extra_info"]  # a round without bursts: not paired


# -- the paired test on synthetic bursts -----------------------------------------------


def _bursts(
    rng: np.random.Generator, shift: float, rounds: int = 3, bursts: int = BURSTS
) -> list[list[tuple[list[float], list[float]]]]:
    """Machine speed flips per burst pair (shared by both sides); head is ``shift`` slower."""
    out = []
    for _ in range(rounds):
        pairs = []
        for _ in range(bursts):
            speed = rng.choice([1.0, 1.8]) * 1e-4
            base = speed * rng.lognormal(0, 0.03, 10)
            head = speed * (1 + shift) * rng.lognormal(0, 0.03, 10)
            pairs.append((list(base), list(head)))
        out.append(pairs)
    return out


def test_paired_same_code_through_a_flipping_machine_is_not_flagged() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        cell = compare_paired(_bursts(rng, 0.0))
        assert cell.mode == MODE_PAIRED and cell.verdict == NO_CHANGE
        assert 0.97 < cell.ratio < 1.03


def test_paired_sees_a_20_percent_slowdown_through_a_flipping_machine() -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        cell = compare_paired(_bursts(rng, 0.2))
        assert cell.verdict == REGRESSION and cell.ci_low > 1.1 and 1.15 < cell.ratio < 1.25
        assert (cell.base_runs, cell.head_runs) == (3, 3)


def test_paired_shift_below_threshold_is_not_flagged() -> None:
    rng = np.random.default_rng(3)
    assert all(compare_paired(_bursts(rng, 0.04)).verdict == NO_CHANGE for _ in range(20))


def test_paired_needs_enough_pairs() -> None:
    rng = np.random.default_rng(4)
    cell = compare_paired(_bursts(rng, 0.5, rounds=1, bursts=MIN_PAIRS - 1))
    assert cell.verdict == TOO_FEW and cell.mode == MODE_PAIRED


def test_paired_cells_join_the_holm_family_with_run_level_ones() -> None:
    rng = np.random.default_rng(5)
    runs = [list(1e-4 * rng.lognormal(0, 0.03, 20)) for _ in range(3)]
    out = compare_many_runs(
        {"slow": (runs, runs), "same": (runs, runs)},
        paired={"slow": _bursts(rng, 0.3)},
    )
    assert out["slow"].mode == MODE_PAIRED and out["slow"].verdict == REGRESSION
    assert out["same"].mode != MODE_PAIRED and out["same"].verdict == NO_CHANGE
