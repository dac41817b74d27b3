"""jwtbench.envs.lockstep and paired comparisons: scheduling, burst bookkeeping, the paired test.

The real thing (two ``jwtbench run`` processes in lockstep, a slowdown
flagged and the floor not) runs in ``tests/test_compare.py`` and
``tests/test_ab.py``; these tests pin the logic around it without processes.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from jwtbench.analysis.runs import paired_rounds, split_bursts
from jwtbench.analysis.stats import (
    MIN_PAIRS,
    MODE_PAIRED,
    NO_CHANGE,
    REGRESSION,
    TOO_FEW,
    compare_many_runs,
    compare_paired,
)
from jwtbench.envs import lockstep, proc
from jwtbench.envs.lockstep import BURSTS, Coordinator, _Child
from jwtbench.measure import timers
from jwtbench.measure.merge import merge_benchmarks
from jwtbench.model.results import Row

# -- the coordinator's schedule -------------------------------------------------------


def _child(side: str, plan: list[str]) -> _Child:
    return _Child(side, proc=None, to_child=None, from_child=None, log=None, plan=plan)  # type: ignore[arg-type]


def _simulate(
    plans: dict[str, list[str]], bursts: int, group: Any = lockstep.same_cell, visits: int = 1
) -> list[tuple[str, str, int]]:
    """Who runs which burst, in order, when each child goes through its plan ``visits`` times."""
    return [(side, cell, burst) for side, cell, burst, _ in _visits(plans, bursts, group, visits)]


def _visits(
    plans: dict[str, list[str]], bursts: int, group: Any = lockstep.same_cell, visits: int = 1
) -> list[tuple[str, str, int, int]]:
    """``_simulate`` with each burst's visit: (side, cell, burst, visit)."""
    coordinator = Coordinator(
        {},
        {},
        cwd=None,
        pair="p",
        cpu=None,
        bursts=bursts,
        visits=visits,
        group=group,  # type: ignore[arg-type]
    )
    coordinator.children = {side: _child(side, plan) for side, plan in plans.items()}
    # (cell index in the walk of every visit, bursts done); -1: not started
    progress = {side: (0, -1) for side in plans}
    order: list[tuple[str, str, int, int]] = []
    while not all(child.finished for child in coordinator.children.values()):
        child = coordinator._next()
        index, done = progress[child.side]
        walk = plans[child.side] * visits
        if done == -1 or done == bursts:  # gate the next cell, stop before burst 0
            index, done = (index if done == -1 else index + 1), 0
            if index >= len(walk):
                child.finished = True
                continue
        else:
            order.append((child.side, walk[index], done, child.visit))
            done += 1
        progress[child.side] = (index, done)
        child.at = (walk[index], done)
        child.visit = index // len(plans[child.side])
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


def test_n_members_of_a_group_take_bursts_abc_cba() -> None:
    plans = {
        "floor": ["floor-HS256-sign", "floor-HS256-verify"],
        "pyjwt": ["pyjwt-HS256-sign", "pyjwt-HS256-verify"],
        "authlib": ["authlib-HS256-sign", "authlib-HS256-verify"],
    }
    order = _simulate(plans, bursts=4, group=lockstep.drop_side)
    sign = [(side, burst) for side, cell, burst in order if cell.endswith("HS256-sign")]
    assert sign == [
        ("floor", 0), ("pyjwt", 0), ("authlib", 0),
        ("authlib", 1), ("pyjwt", 1), ("floor", 1),
        ("floor", 2), ("pyjwt", 2), ("authlib", 2),
        ("authlib", 3), ("pyjwt", 3), ("floor", 3),
    ]  # fmt: skip
    groups = [cell.split("-", 1)[1] for _, cell, _ in order]
    assert groups == sorted(groups, key=["HS256-sign", "HS256-verify"].index)


def test_a_member_without_the_group_waits_at_its_next_one() -> None:
    plans = {
        "floor": ["floor-ES256K-sign", "floor-HS256-sign"],
        "pyjwt": ["pyjwt-HS256-sign"],  # no ES256K
        "jose": ["jose-ES256K-sign", "jose-HS256-sign"],
    }
    order = _simulate(plans, bursts=2, group=lockstep.drop_side)
    es = [(side, burst) for side, cell, burst in order if "ES256K" in cell]
    assert es == [("floor", 0), ("jose", 0), ("jose", 1), ("floor", 1)]
    hs = [(side, burst) for side, cell, burst in order if "HS256" in cell]
    assert hs == [
        ("floor", 0), ("pyjwt", 0), ("jose", 0), ("jose", 1), ("pyjwt", 1), ("floor", 1)
    ]  # fmt: skip
    assert order[: len(es)] == [(s, f"{s}-ES256K-sign", b) for s, b in es]


def test_visits_keep_every_group_together_visit_by_visit() -> None:
    """Each child walks its cells twice; no one starts visit 1 before visit 0 is done."""
    plans = {
        "floor": ["floor-ES256K-sign", "floor-HS256-sign"],
        "pyjwt": ["pyjwt-HS256-sign"],  # no ES256K: it waits for the others at each visit
        "jose": ["jose-ES256K-sign", "jose-HS256-sign"],
    }
    order = _visits(plans, bursts=2, group=lockstep.drop_side, visits=2)
    visits = [visit for *_, visit in order]
    assert visits == sorted(visits) and visits.count(0) == visits.count(1) == 10
    for visit in (0, 1):
        hs = [(side, burst) for side, cell, burst, v in order if v == visit and "HS256" in cell]
        assert hs == [
            ("floor", 0), ("pyjwt", 0), ("jose", 0), ("jose", 1), ("pyjwt", 1), ("floor", 1)
        ]  # fmt: skip
    assert [cell for _, cell, _, v in order if v == 1][:2] == [
        "floor-ES256K-sign", "jose-ES256K-sign"
    ]  # fmt: skip


def test_with_one_burst_a_visit_the_turn_order_turns_visit_by_visit() -> None:
    """Quick times one burst per cell and visit: without this, the floor would always go first."""
    plans = {side: [f"{side}-HS256-sign"] for side in ("floor", "pyjwt", "limit")}
    order = _visits(plans, bursts=1, group=lockstep.drop_side, visits=4)
    turns = [[side for side, *_, v in order if v == visit] for visit in range(4)]
    forward, backward = ["floor", "pyjwt", "limit"], ["limit", "pyjwt", "floor"]
    assert turns == [forward, backward, forward, backward]


def test_a_replica_side_groups_with_its_column_and_names_it() -> None:
    assert lockstep.replica_side("floor", 1) == "floor"
    side = lockstep.replica_side("floor", 3)
    assert side == "floor#3" and lockstep.side_column(side) == "floor"
    cell = "floor-HS256-sign-prepared-small"
    assert lockstep.drop_side(side, cell) == "HS256-sign-prepared-small"
    assert lockstep.side_column("pyjwt@2.8.0") == "pyjwt@2.8.0"


def test_a_visit_starts_a_second_after_the_last_one_at_the_earliest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now, slept = [100.0], []
    monkeypatch.setattr(lockstep.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(
        lockstep.time, "sleep", lambda s: slept.append(s) or now.__setitem__(0, now[0] + s)
    )
    coordinator = Coordinator({}, {}, cwd=None, pair="p", cpu=None, bursts=2, visits=3)  # type: ignore[arg-type]
    child = _child("floor", ["c1"])
    child.at, child.visit = ("c1", 0), 0
    coordinator._space_visits(child)  # visit 0: no wait
    now[0] += 0.3
    child.at, child.visit = ("c1", 0), 1  # a small selection: visit 1 comes 0.3 s later
    coordinator._space_visits(child)
    assert slept == [pytest.approx(lockstep.MIN_VISIT_SECONDS - 0.3)]
    coordinator._space_visits(child)  # the same visit's next turn: no wait
    now[0] += 5.0
    child.visit = 2  # a big matrix: visits far apart
    coordinator._space_visits(child)
    assert len(slept) == 1


def test_merged_order_keeps_every_plan_order() -> None:
    assert lockstep.merged_order([["a", "c"], ["b", "c"], ["a", "b", "d"]]) == ["a", "b", "c", "d"]
    assert lockstep.merged_order([["x"], []]) == ["x"]


def test_the_baton_spec_carries_the_bursts_a_run_asks_for() -> None:
    read_fd, write_fd = os.pipe()
    baton = lockstep.Baton.from_spec(f"{read_fd},{write_fd},p,floor,7")
    assert (baton.pair, baton.side, baton.bursts) == ("p", "floor", 7)
    assert timers.LockstepTimer(baton).bursts == 7
    old = lockstep.Baton.from_spec(f"{os.dup(read_fd)},{os.dup(write_fd)},p,base")
    assert old.bursts == BURSTS  # ab's four-field spec keeps its default
    assert old.visits == 1
    spread = lockstep.Baton.from_spec(f"{os.dup(read_fd)},{os.dup(write_fd)},p,floor,2,5")
    assert (spread.bursts, spread.visits) == (2, 5)
    assert timers.LockstepTimer(spread).passes(1) == 5  # one pass per visit


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


# -- the timer seam: one place reads the coordinator's variable ---------------------------


class _FakeBenchmark:
    """pytest-benchmark's ``pedantic`` without timing (rounds and teardown calls only)."""

    def __init__(self) -> None:
        self.extra_info: dict[str, Any] = {}

    def pedantic(self, func: Any, args: tuple[Any, ...], iterations: int, rounds: int,
                 teardown: Any) -> Any:  # fmt: skip
        for _ in range(rounds):
            func(*args)
            teardown()
        teardown()  # pytest-benchmark calls it once more after its result call
        return "result"


def _baton_pipes(monkeypatch: pytest.MonkeyPatch, rest: str) -> tuple[int, int, int]:
    """A coordinator's pipes for this process's timer: (to child w, from child r, from child w)."""
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()
    monkeypatch.setenv(lockstep.ENV_VAR, f"{to_child_r},{from_child_w},{rest}")
    return to_child_w, from_child_r, from_child_w


def test_without_a_coordinator_the_timer_is_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lockstep.ENV_VAR, raising=False)
    timer = timers.from_environ()
    assert type(timer) is timers.PlainTimer
    assert timer.passes(5) == 5 and timer.metadata() == {}


def test_under_a_coordinator_the_timer_takes_turns_burst_by_burst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    to_child_w, from_child_r, from_child_w = _baton_pipes(monkeypatch, "pair1,head")
    monkeypatch.setattr(timers, "estimate", lambda func, args: 0.01)  # the fewest rounds
    timer = timers.from_environ()
    assert isinstance(timer, timers.LockstepTimer)
    assert timer.passes(5) == 1
    assert timer.metadata() == {"lockstep": {"pair": "pair1", "side": "head"}}
    os.write(to_child_w, b"go\n" * (BURSTS + 2))  # the coordinator's turns, in advance
    timer.collected(["c1"])
    bench = _FakeBenchmark()
    with timers.using(timer):
        assert timers.time_work(bench, lambda: None, (), "c1") == "result"
    timer.finished()
    os.close(from_child_w)
    with os.fdopen(from_child_r) as messages:
        sent = [json.loads(line) for line in messages]
    assert sent[0] == {"hello": ["c1"]}
    assert [m["burst"] for m in sent[1:-1]] == list(range(BURSTS + 1))
    assert sent[-1] == {"done": True}
    assert bench.extra_info["lockstep"] == [["pair1", [timers.MIN_ROUNDS] * BURSTS]]


def test_visits_time_each_cell_again_under_their_own_pair_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two visits of two bursts: the estimate once, a pair id per visit, done after the last."""
    to_child_w, from_child_r, from_child_w = _baton_pipes(monkeypatch, "pair1,floor,2,2")
    estimates: list[str] = []
    monkeypatch.setattr(timers, "estimate", lambda func, args: estimates.append("c1") or 0.01)
    timer = timers.from_environ()
    assert isinstance(timer, timers.LockstepTimer) and timer.passes(5) == 2
    os.write(to_child_w, b"go\n" * 20)  # the coordinator's turns, in advance
    entries = []
    with timers.using(timer):
        for visit in range(2):
            timer.start_pass(visit)
            timer.collected(["c1"])  # every pass collects again; hello is said once
            bench = _FakeBenchmark()
            timers.time_work(bench, lambda: None, (), "c1")
            entries += bench.extra_info["lockstep"]
            timer.finished()  # pytest's session ends after every visit
    os.close(from_child_w)
    with os.fdopen(from_child_r) as messages:
        sent = [json.loads(line) for line in messages]
    assert estimates == ["c1"]
    assert sent[0] == {"hello": ["c1"]} and sent[-1] == {"done": True}
    turns = [(m["visit"], m["burst"]) for m in sent[1:-1]]
    assert turns == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    rounds = [timers.MIN_ROUNDS] * 2
    assert entries == [["pair1/0", rounds], ["pair1/1", rounds]]


def test_using_puts_the_previous_timer_back() -> None:
    before = timers.current()
    with timers.using(timers.BurstTimer(2)) as inner:
        assert timers.current() is inner
    assert timers.current() is before


def test_the_lockstep_variable_is_read_in_one_place() -> None:
    root = Path(__file__).resolve().parent.parent / "bench"
    readers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(r"environ\.get\(\s*ENV_VAR|getenv\(\s*ENV_VAR|JWTBENCH_LOCKSTEP\"\s*\)",
                     path.read_text(encoding="utf-8"))
    ]  # fmt: skip
    assert readers == ["measure/timers.py"]


# -- the one subprocess helper ------------------------------------------------------------


def test_a_child_is_stopped_when_the_parent_is_interrupted() -> None:
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(KeyboardInterrupt), proc.running(sleeper) as child:
        raise KeyboardInterrupt
    assert child.proc.poll() is not None


def test_a_logged_child_is_pinned_and_its_failure_shows_its_last_lines(tmp_path: Path) -> None:
    cpu = proc.shared_cpu()
    script = "import sys\nfor i in range(30): print('line', i)\nsys.exit(4)"
    child = proc.start([sys.executable, "-c", script], log=tmp_path / "c.log", cpu=cpu)
    if cpu is not None:
        with contextlib.suppress(ProcessLookupError):  # it may have exited already
            assert os.sched_getaffinity(child.proc.pid) == {cpu}
    assert child.wait() == 4
    text = str(child.failure("head round", 4))
    assert text.startswith("head round failed (exit 4)") and "line 29" in text
    assert "line 14" not in text


def test_children_start_together_and_are_pinned_once_they_said_hello(tmp_path: Path) -> None:
    """Start-up (imports, collection) runs on every CPU; the timing runs on the shared one."""
    cpu = proc.shared_cpu()
    if cpu is None:
        pytest.skip("no CPU affinity on this platform")
    script = (
        "import os, sys\n"
        "from jwtbench.envs.lockstep import Baton, ENV_VAR\n"
        "baton = Baton.from_spec(os.environ[ENV_VAR])\n"
        "before = sorted(os.sched_getaffinity(0))\n"
        "baton.hello(['c'])\n"
        "after = sorted(os.sched_getaffinity(0))\n"
        "open(sys.argv[1], 'w').write(repr((before, after)))\n"
        "baton.turn('c', baton.bursts)\n"
        "baton.done()\n"
    )
    out = {side: tmp_path / f"{side}.txt" for side in ("a", "b")}
    coordinator = Coordinator(
        {side: [sys.executable, "-c", script, str(path)] for side, path in out.items()},
        {side: proc.child_environ() for side in out},
        cwd=tmp_path,
        pair="p",
        bursts=1,
        echo=lambda line: None,
    )
    assert coordinator.run() == {"a": 0, "b": 0}
    for path in out.values():
        before, after = ast.literal_eval(path.read_text())
        assert after == [cpu]
        assert before == sorted(os.sched_getaffinity(0))  # not pinned while starting


def test_a_slow_moment_while_estimating_does_not_shape_the_bursts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One preempted batch read 20 ms a call: the fastest batch counts, not the mean."""
    now = [0.0]
    calls = [0]

    def op() -> None:
        calls[0] += 1
        now[0] += 0.020 if calls[0] == 1 else 0.00005  # the first call is preempted

    monkeypatch.setattr(timers.time, "perf_counter", lambda: now[0])
    assert timers.estimate(op, ()) == pytest.approx(0.00005)
    assert timers.burst_shape(0.010) == (1, timers.MIN_ROUNDS)  # a slow op: still 3 rounds
    assert timers.burst_shape(0.040) == (1, 1)  # a raw RSA sign: cold extra ~1%, one call
