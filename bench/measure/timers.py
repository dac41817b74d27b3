"""Timers: how a run times its cells, chosen once per process.

A :class:`Timer` is the one object the runner, the pytest plugin and the
suites ask about timing: how many passes the run makes, what to do once the
cells are collected, how to time one cell's work, what to record in the
results file, and what to do at the end. Three exist today:

- :class:`PlainTimer`: pytest-benchmark's own calibrated rounds;
- :class:`LockstepTimer`: under a ``jwtbench.envs.lockstep.Coordinator``
  (``jwtbench ab``), the cell is timed in :data:`~jwtbench.envs.lockstep.BURSTS`
  bursts and the baton passes between them, outside the timed region;
- :class:`InstructionsTimer` (``jwtbench run --timer instructions``): each
  cell's instructions per op, counted under valgrind
  (``jwtbench.measure.instructions``: one valgrind process per adapter, the
  N / 2N difference method); the cell's stats hold that count.

:func:`current` picks the timer once, from ``JWTBENCH_LOCKSTEP`` (the only
place that reads it); :func:`using` puts another timer in place for a block
(``jwtbench selfcheck`` times the harness interleaved with a bare call that
way). Why a seam and not a flag: "groups of cells timed interleaved" and
instruction counts are further timers, not more ``if baton`` branches.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from jwtbench.envs.lockstep import BURSTS, ENV_VAR, Baton
from jwtbench.measure import instructions
from jwtbench.measure.matrix import skip_reason
from jwtbench.model import records
from jwtbench.model.cell import Cell

#: Target length of one burst, and of one round inside it.
BURST_SECONDS = 0.005
ROUND_SECONDS = 0.0005
#: Calls spent estimating an op's duration before its first burst (also its warm-up),
#: in a few batches of which the fastest counts.
ESTIMATE_SECONDS = 0.01
ESTIMATE_BATCHES = 4
#: Fewest rounds in a burst (its first, cold one must not be its burst time).
MIN_ROUNDS = 3
#: An op this slow gets one call per burst: the cold first round's extra
#: (~0.25 ms, measured) is ~1% of it, and the raw-RSA-key cells (a PEM parsed
#: per call, ~30-50 ms) were three quarters of the full profile's timed seconds.
SLOW_CALL_SECONDS = 0.02


class Timer:
    """How cells are timed; this base is plain pytest-benchmark."""

    name = "plain"

    def passes(self, requested: int) -> int:
        """Passes over the matrix this timer makes of the ``requested`` ones."""
        return requested

    def planned(self, cells: Sequence[Cell]) -> None:
        """The run's matrix, before anything is measured (refuse what cannot work here)."""

    def collected(self, cells: Sequence[str]) -> None:
        """The cells this run will time, in order (pytest collected them)."""

    def start_pass(self, index: int) -> None:
        """Pass ``index`` (0-based) over the cells begins."""

    def time(
        self, benchmark: Any, func: Callable[..., Any], args: tuple[Any, ...], cell: str
    ) -> Any:
        """Time ``func(*args)`` for ``cell`` with the pytest-benchmark fixture; its result."""
        return benchmark(func, *args)

    def finished(self) -> None:
        """Nothing more to time in this process."""

    def metadata(self) -> dict[str, Any]:
        """What the results file's ``jwtbench`` object records about this timer."""
        return {}

    def record(self) -> tuple[records.Timer, records.Units]:
        """The results file's ``jwtbench.timer`` and ``jwtbench.units``."""
        return records.Timer(), records.Units()


PlainTimer = Timer


class BurstTimer(Timer):
    """Times a cell in ``bursts`` bursts of ~:data:`BURST_SECONDS`; hooks between them."""

    name = "bursts"

    def __init__(self, bursts: int = BURSTS) -> None:
        self.bursts = bursts
        #: (iterations per round, rounds per burst) of the cell being timed.
        self.shape = (1, 1)
        #: Each cell's shape, estimated on its first visit only (the estimate is
        #: ~10-40 ms of calls; a later visit's cold first round is left out by
        #: the burst's fastest round).
        self.shapes: dict[str, tuple[int, int]] = {}

    def before(self, cell: str) -> None:
        """Called once the cell is warmed up, right before its first burst."""

    def between(self, cell: str, done: int) -> None:
        """Called after each burst (``done`` bursts so far), outside the timed region."""

    def annotate(self, benchmark: Any, per_burst: int) -> None:
        """Record the bursts in the cell's ``extra_info``."""

    def time(
        self, benchmark: Any, func: Callable[..., Any], args: tuple[Any, ...], cell: str
    ) -> Any:
        if cell not in self.shapes:
            self.shapes[cell] = burst_shape(estimate(func, args))
        iterations, per_burst = self.shape = self.shapes[cell]
        total = per_burst * self.bursts
        rounds_done = 0

        def teardown(*_args: Any, **_kwargs: Any) -> None:
            nonlocal rounds_done
            rounds_done += 1  # pedantic calls it once more after its result call
            if rounds_done <= total and rounds_done % per_burst == 0:
                self.between(cell, rounds_done // per_burst)

        self.before(cell)
        result = benchmark.pedantic(
            func, args=args, iterations=iterations, rounds=total, teardown=teardown
        )
        self.annotate(benchmark, per_burst)
        return result


class LockstepTimer(BurstTimer):
    """Bursts taking turns with the other side of a lockstep round (one baton)."""

    name = "lockstep"

    def __init__(self, baton: Baton) -> None:
        super().__init__(baton.bursts)  # the coordinator's number (ab: BURSTS)
        self.baton = baton

    def passes(self, requested: int) -> int:
        # the paired bursts replace the passes; a grouped run spreads them over visits
        return self.baton.visits

    def start_pass(self, index: int) -> None:
        self.baton.visit = index

    def collected(self, cells: Sequence[str]) -> None:
        self.baton.hello(cells)

    def before(self, cell: str) -> None:
        self.baton.turn(cell, 0)

    def between(self, cell: str, done: int) -> None:
        self.baton.turn(cell, done)

    def annotate(self, benchmark: Any, per_burst: int) -> None:
        benchmark.extra_info["lockstep"] = [[self.pair_id(), [per_burst] * self.bursts]]

    def pair_id(self) -> str:
        """The pair id of this visit's bursts: ``PAIR/VISIT`` when a cell is visited again.

        Burst *i* of visit *v* pairs only with burst *i* of visit *v*
        (``jwtbench.measure.paired``); the part before ``/`` names the process set.
        """
        baton = self.baton
        return baton.pair if baton.visits == 1 else f"{baton.pair}/{baton.visit}"

    def finished(self) -> None:
        if self.baton.visit == self.baton.visits - 1:  # pytest's session ends every visit
            self.baton.done()

    def metadata(self) -> dict[str, Any]:
        return {"lockstep": {"pair": self.baton.pair, "side": self.baton.side}}


class InstructionsTimer(Timer):
    """Instructions per op under valgrind; the cell's stats hold the count (one round).

    The counts are made per adapter, the first time one of its cells comes up:
    one valgrind process gates, warms up and counts every planned cell of that
    adapter (``jwtbench.measure.instructions``). The suite's own call here is
    made once, natively, only so the suite checks a real result as for every
    timer; its duration is replaced by the count. Deterministic: one pass.
    """

    name = "instructions"

    def __init__(
        self, calls: int = instructions.CALLS, inject: dict[str, float] | None = None
    ) -> None:
        self.calls = calls
        #: adapter -> fraction of deterministic extra work (``jwtbench calibrate``).
        self.inject = dict(inject or {})
        self.cells: dict[str, Cell] = {}
        self.counts: dict[str, instructions.Count | str] = {}
        self.tool: str | None = None

    def passes(self, requested: int) -> int:
        return 1  # a count does not vary between passes

    def planned(self, cells: Sequence[Cell]) -> None:
        self.tool = instructions.valgrind()  # ValgrindMissing (exit 2) before measuring
        self.cells = {cell.id: cell for cell in cells if skip_reason(cell) is None}

    def count(self, cell: str) -> instructions.Count:
        """``cell``'s count, counting its adapter's planned cells first if not yet done."""
        if cell not in self.counts:
            if cell not in self.cells:
                raise instructions.CountError(f"cell {cell} was not planned for counting")
            adapter = self.cells[cell].adapter
            group = [c for c in self.cells.values() if c.adapter == adapter]
            self.counts |= instructions.count_cells(group, calls=self.calls, inject=self.inject)
        found = self.counts[cell]
        if isinstance(found, str):
            raise instructions.CountError(found)
        return found

    def time(
        self, benchmark: Any, func: Callable[..., Any], args: tuple[Any, ...], cell: str
    ) -> Any:
        count = self.count(cell)
        result = benchmark.pedantic(func, args=args, rounds=1, iterations=1)
        stats = benchmark.stats.stats
        vars(stats).clear()  # the native call's duration and any cached statistics
        stats.data = [count.per_op]  # the count is the one round
        benchmark.extra_info.update(count.extra_info())
        return result

    def metadata(self) -> dict[str, Any]:
        return {"instructions": instructions.metadata(self.tool)}

    def record(self) -> tuple[records.Timer, records.Units]:
        details = instructions.metadata(self.tool)
        if self.inject:
            details["injected"] = dict(self.inject)
        timer = records.Timer(self.name, records.COUNT_UNITS["time"], details)
        return timer, records.Units(**records.COUNT_UNITS)


def burst_shape(per_call: float) -> tuple[int, int]:
    """(iterations per round, rounds per burst) for an op of ``per_call`` seconds.

    At least :data:`MIN_ROUNDS` rounds per burst, even for a slow op: the first
    round after the baton comes back runs with caches the other processes
    emptied (measured here: one cold josepy HS256 sign took ~300 us against a
    warm 49 us), and a burst's time (its fastest round) must be able to leave
    it out. An op of :data:`SLOW_CALL_SECONDS` or more is one round per burst:
    that penalty is then ~1% of the call, and each extra round of a raw-RSA
    sign cost the full profile minutes.
    """
    iterations = max(1, int(ROUND_SECONDS / per_call))
    fewest = MIN_ROUNDS if per_call < SLOW_CALL_SECONDS else 1
    per_burst = max(fewest, int(BURST_SECONDS / (iterations * per_call)))
    return iterations, per_burst


def estimate(func: Callable[..., Any], args: tuple[Any, ...]) -> float:
    """Seconds per call: the fastest of a few batches over :data:`ESTIMATE_SECONDS`.

    The fastest, because the machine only ever slows a batch down: one estimate
    taken while another process held the CPU read several ms, which gave
    one-call bursts of cold calls for a whole cell.
    """
    best, spent, batches = float("inf"), 0.0, 0
    while batches < ESTIMATE_BATCHES or spent < ESTIMATE_SECONDS / 2:
        calls, started = 0, time.perf_counter()
        while True:
            func(*args)
            calls += 1
            elapsed = time.perf_counter() - started
            if elapsed >= ESTIMATE_SECONDS / ESTIMATE_BATCHES:
                break
        best, spent, batches = min(best, elapsed / calls), spent + elapsed, batches + 1
        if spent >= 4 * ESTIMATE_SECONDS:  # a very slow op: a few calls are enough
            break
    return best


_CURRENT: Timer | None = None


def from_environ() -> Timer:
    """The timer the environment asks for: lockstep under a coordinator, else plain."""
    spec = os.environ.get(ENV_VAR)
    return LockstepTimer(Baton.from_spec(spec)) if spec else PlainTimer()


def current() -> Timer:
    """This process's timer, chosen on first use (a baton's pipes can be opened once)."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = from_environ()
    return _CURRENT


@contextmanager
def using(timer: Timer) -> Iterator[Timer]:
    """Time with ``timer`` inside the block (in this process), then restore the previous."""
    global _CURRENT
    previous, _CURRENT = _CURRENT, timer
    try:
        yield timer
    finally:
        _CURRENT = previous


def time_work(benchmark: Any, func: Callable[..., Any], args: tuple[Any, ...], cell: str) -> Any:
    """What the suites call: the current timer times the cell."""
    return current().time(benchmark, func, args, cell)
