"""Timers: how a run times its cells, chosen once per process.

A :class:`Timer` is the one object the runner, the pytest plugin and the
suites ask about timing: how many passes the run makes, what to do once the
cells are collected, how to time one cell's work, what to record in the
results file, and what to do at the end. Two exist today:

- :class:`PlainTimer`: pytest-benchmark's own calibrated rounds;
- :class:`LockstepTimer`: under a ``jwtbench.envs.lockstep.Coordinator``
  (``jwtbench ab``), the cell is timed in :data:`~jwtbench.envs.lockstep.BURSTS`
  bursts and the baton passes between them, outside the timed region.

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

#: Target length of one burst, and of one round inside it.
BURST_SECONDS = 0.005
ROUND_SECONDS = 0.0005
#: Calls spent estimating an op's duration before its first burst (also its warm-up),
#: in a few batches of which the fastest counts.
ESTIMATE_SECONDS = 0.01
ESTIMATE_BATCHES = 4
#: Fewest rounds in a burst (its first, cold one must not be its median).
MIN_ROUNDS = 3


class Timer:
    """How cells are timed; this base is plain pytest-benchmark."""

    name = "plain"

    def passes(self, requested: int) -> int:
        """Passes over the matrix this timer makes of the ``requested`` ones."""
        return requested

    def collected(self, cells: Sequence[str]) -> None:
        """The cells this run will time, in order (pytest collected them)."""

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


PlainTimer = Timer


class BurstTimer(Timer):
    """Times a cell in ``bursts`` bursts of ~:data:`BURST_SECONDS`; hooks between them."""

    name = "bursts"

    def __init__(self, bursts: int = BURSTS) -> None:
        self.bursts = bursts
        #: (iterations per round, rounds per burst) of the cell being timed.
        self.shape = (1, 1)

    def before(self, cell: str) -> None:
        """Called once the cell is warmed up, right before its first burst."""

    def between(self, cell: str, done: int) -> None:
        """Called after each burst (``done`` bursts so far), outside the timed region."""

    def annotate(self, benchmark: Any, per_burst: int) -> None:
        """Record the bursts in the cell's ``extra_info``."""

    def time(
        self, benchmark: Any, func: Callable[..., Any], args: tuple[Any, ...], cell: str
    ) -> Any:
        per_call = estimate(func, args)
        iterations, per_burst = self.shape = burst_shape(per_call)
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
        return 1  # the bursts, paired with the other side's, replace the passes

    def collected(self, cells: Sequence[str]) -> None:
        self.baton.hello(cells)

    def before(self, cell: str) -> None:
        self.baton.turn(cell, 0)

    def between(self, cell: str, done: int) -> None:
        self.baton.turn(cell, done)

    def annotate(self, benchmark: Any, per_burst: int) -> None:
        benchmark.extra_info["lockstep"] = [[self.baton.pair, [per_burst] * self.bursts]]

    def finished(self) -> None:
        self.baton.done()

    def metadata(self) -> dict[str, Any]:
        return {"lockstep": {"pair": self.baton.pair, "side": self.baton.side}}


def burst_shape(per_call: float) -> tuple[int, int]:
    """(iterations per round, rounds per burst) for an op of ``per_call`` seconds.

    At least :data:`MIN_ROUNDS` rounds per burst, even for a slow op: the first
    round after the baton comes back runs with caches the other processes
    emptied (measured here: one cold josepy HS256 sign took ~300 us against a
    warm 49 us), and a burst's median must be able to leave it out.
    """
    iterations = max(1, int(ROUND_SECONDS / per_call))
    per_burst = max(MIN_ROUNDS, int(BURST_SECONDS / (iterations * per_call)))
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
