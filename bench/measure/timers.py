"""Timers: how a cell's work is timed, plain or in lockstep bursts.

``time_work`` is what the benchmark suites call. Outside a coordinator it is
plain pytest-benchmark; under one (``JWTBENCH_LOCKSTEP`` set by
``jwtbench.envs.lockstep.Coordinator``) the cell is timed in bursts and the
baton is passed between them, outside the timed region.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jwtbench.envs.lockstep import BURSTS, ENV_VAR, LockstepError

#: Target length of one burst, and of one round inside it.
BURST_SECONDS = 0.005
ROUND_SECONDS = 0.0005
#: Calls spent estimating an op's duration before its first burst (also its warm-up).
ESTIMATE_SECONDS = 0.01

# -- the child's side ------------------------------------------------------------------


class Baton:
    """A child run's end of the pipes: announce cells, pass the baton, wait for it."""

    def __init__(self, read_fd: int, write_fd: int, pair: str, side: str) -> None:
        self._in = os.fdopen(read_fd, "r", encoding="utf-8")
        self._out = os.fdopen(write_fd, "w", encoding="utf-8")
        self.pair, self.side = pair, side
        self.greeted = False

    def _send(self, message: Mapping[str, Any]) -> None:
        self._out.write(json.dumps(message) + "\n")
        self._out.flush()

    def _wait(self) -> None:
        if self._in.readline().strip() != "go":
            raise LockstepError("the lockstep coordinator went away")

    def hello(self, cells: Sequence[str]) -> None:
        """Announce the cells this run will time, in order; wait for the first turn."""
        if not self.greeted:
            self.greeted = True
            self._send({"hello": list(cells)})
            self._wait()

    def turn(self, cell: str, burst: int) -> None:
        """``burst`` bursts of ``cell`` are done: pass the baton and wait for it."""
        self._send({"cell": cell, "burst": burst})
        self._wait()

    def done(self) -> None:
        """Nothing more to time; the coordinator waits for this process to exit."""
        self._send({"done": True})

    def time(
        self, benchmark: Any, func: Callable[..., Any], args: tuple[Any, ...], cell: str
    ) -> Any:
        """Time ``func(*args)`` in :data:`BURSTS` bursts, passing the baton between them."""
        per_call = _estimate(func, args)
        iterations = max(1, int(ROUND_SECONDS / per_call))
        per_burst = max(1, int(BURST_SECONDS / (iterations * per_call)))
        total = per_burst * BURSTS
        rounds_done = 0

        def teardown(*_args: Any, **_kwargs: Any) -> None:
            nonlocal rounds_done
            rounds_done += 1  # pedantic calls it once more after its result call
            if rounds_done <= total and rounds_done % per_burst == 0:
                self.turn(cell, rounds_done // per_burst)

        self.turn(cell, 0)
        result = benchmark.pedantic(
            func, args=args, iterations=iterations, rounds=total, teardown=teardown
        )
        benchmark.extra_info["lockstep"] = [[self.pair, [per_burst] * BURSTS]]
        return result


def _estimate(func: Callable[..., Any], args: tuple[Any, ...]) -> float:
    """Seconds per call, from calls for :data:`ESTIMATE_SECONDS` (at least one)."""
    calls, started = 0, time.perf_counter()
    while True:
        func(*args)
        calls += 1
        elapsed = time.perf_counter() - started
        if elapsed >= ESTIMATE_SECONDS:
            return elapsed / calls


_BATON: Baton | None = None


def baton() -> Baton | None:
    """This process's baton if it runs under a coordinator, else ``None``."""
    global _BATON
    spec = os.environ.get(ENV_VAR)
    if _BATON is None and spec:
        read_fd, write_fd, pair, side = spec.split(",", 3)
        _BATON = Baton(int(read_fd), int(write_fd), pair, side)
    return _BATON


def time_work(benchmark: Any, func: Callable[..., Any], args: tuple[Any, ...], cell: str) -> Any:
    """What the suites call: plain pytest-benchmark, or bursts under a coordinator."""
    current = baton()
    if current is None:
        return benchmark(func, *args)
    return current.time(benchmark, func, args, cell)
