"""Lockstep A/B: two runs take turns burst by burst, so both see the same machine.

Why: this VM's speed flips between two levels ~1.8x apart, with a correlation
time of about half a second (measured: autocorrelation of 50 ms medians 0.73
at 50 ms, 0.25 at 0.5 s, 0.1 at 1 s). Whole runs of the same code therefore
differ by tens of percent per cell, and alternating *runs* (ABBA) does not
help: runs are seconds apart, so their speeds are independent. Alternating
every few milliseconds does: a base burst and the head burst next to it ran
at the same speed, so their ratio cancels the machine and keeps the change.

How: ``jwtbench ab`` (and ``jwtbench calibrate``) start the base and the head
run as two processes and hand a baton back and forth over pipes
(:class:`Coordinator`); only the holder runs, so the two never compete, and
both are pinned to the same CPU (``jwtbench.envs.proc.shared_cpu``: the two
vCPUs' speeds differ from moment to moment). Each child holds a
:class:`Baton` (``jwtbench.measure.timers`` makes its lockstep timer from
``JWTBENCH_LOCKSTEP``): it announces its cells, then for every cell gates its
work (holding the baton), and times :data:`BURSTS` bursts of ~5 ms, passing
the baton after each burst, outside the timed region. The coordinator keeps both children
on the same cell and orders each pair of bursts ABBA (base first for even
bursts, head first for odd ones), so neither side is always the one that runs
right after the switch.

Each cell's entry records its bursts (``extra_info.lockstep``: the pair id
and the rounds of each burst), and ``jwtbench.analysis.compare`` pairs base burst *i* with
head burst *i* of the same pair id (``jwtbench.analysis.stats`` mode ``paired``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from jwtbench.envs import proc

#: Set in a child run: ``<read fd>,<write fd>,<pair id>,<side>`` (read by
#: ``jwtbench.measure.timers``, the one place that chooses how a run times).
ENV_VAR = "JWTBENCH_LOCKSTEP"
#: Bursts per cell and side: the pairs the paired test gets from one round.
BURSTS = 20
Echo = Callable[[str], None]


class LockstepError(RuntimeError):
    """The lockstep protocol broke (a child died, or the coordinator went away)."""


# -- the child's end of the pipes ----------------------------------------------------------


class Baton:
    """A child run's end of the pipes: announce cells, pass the baton, wait for it."""

    def __init__(self, read_fd: int, write_fd: int, pair: str, side: str) -> None:
        self._in = os.fdopen(read_fd, "r", encoding="utf-8")
        self._out = os.fdopen(write_fd, "w", encoding="utf-8")
        self.pair, self.side = pair, side
        self.greeted = False

    @classmethod
    def from_spec(cls, spec: str) -> Baton:
        """From the value of :data:`ENV_VAR` the coordinator set."""
        try:
            read_fd, write_fd, pair, side = spec.split(",", 3)
            return cls(int(read_fd), int(write_fd), pair, side)
        except (ValueError, OSError) as exc:
            raise LockstepError(f"{ENV_VAR}={spec!r} is not a usable baton ({exc})") from None

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


# -- the coordinator ---------------------------------------------------------------------


@dataclass
class _Child:
    side: str
    proc: proc.Child
    to_child: IO[str]
    from_child: IO[str]
    log: Path
    plan: list[str] = field(default_factory=list)
    at: tuple[str, int] | None = None  # (cell, bursts done) after its last message
    finished: bool = False

    def go(self) -> dict[str, Any] | None:
        """Hand over the baton; the child's next message, or None once it has exited."""
        try:
            self.to_child.write("go\n")
            self.to_child.flush()
        except BrokenPipeError:
            return self._finish()
        line = self.from_child.readline()
        if not line:
            return self._finish()
        message: dict[str, Any] = json.loads(line)
        if message.get("done"):
            return self._finish()
        return message

    def _finish(self) -> dict[str, Any] | None:
        self.proc.wait()  # it writes its results holding the baton: wait for the exit
        self.finished = True
        return None

    def index(self, cell: str) -> int:
        return self.plan.index(cell) if cell in self.plan else -1


@dataclass
class Coordinator:
    """Runs two child commands in lockstep; ``sides[0]`` leads even bursts."""

    commands: Mapping[str, Sequence[str]]
    environs: Mapping[str, Mapping[str, str]]
    cwd: Path
    pair: str
    echo: Echo = print
    #: The CPU both children are pinned to (None: not pinned).
    cpu: int | None = field(default_factory=lambda: proc.shared_cpu())
    children: dict[str, _Child] = field(default_factory=dict)

    def run(self) -> dict[str, int]:
        """Both children to the end; their exit codes by side."""
        try:
            for side in self.commands:  # one at a time: a starting child never overlaps
                self._start(side)
            while not all(child.finished for child in self.children.values()):
                child = self._next()
                message = child.go()
                if message is not None:
                    child.at = (str(message["cell"]), int(message["burst"]))
                    if child.at[1] == BURSTS:
                        done = child.index(child.at[0]) + 1
                        self.echo(
                            f"  {child.side:<4} | [{done:>4}/{len(child.plan)}] {child.at[0]}"
                        )
        finally:  # an error or Ctrl-C here must not leave a child holding the CPU
            for child in self.children.values():
                child.proc.stop()
        return {side: child.proc.wait() for side, child in self.children.items()}

    def _start(self, side: str) -> None:
        to_read, to_write = os.pipe()  # coordinator -> child
        from_read, from_write = os.pipe()  # child -> coordinator
        environ = dict(self.environs[side])
        environ[ENV_VAR] = f"{to_read},{from_write},{self.pair},{side}"
        log = self.cwd / f"{side}.log"
        try:
            started = proc.start(
                self.commands[side],
                environ=environ,
                cwd=self.cwd,
                log=log,
                pass_fds=(to_read, from_write),
                cpu=self.cpu,
                what=f"{side} lockstep run",
            )
        finally:
            os.close(to_read)
            os.close(from_write)
        child = _Child(
            side,
            started,
            os.fdopen(to_write, "w", encoding="utf-8"),
            os.fdopen(from_read, "r", encoding="utf-8"),
            log,
        )
        self.children[side] = child
        line = child.from_child.readline()  # blocks until it has collected its cells
        if not line:
            child._finish()
            return
        child.plan = list(json.loads(line)["hello"])

    def _next(self) -> _Child:
        """Who runs next: keep both on the same cell, ABBA within it."""
        first, second = self.children.values()
        for child in (first, second):
            if child.finished:
                return second if child is first else first
        for child in (first, second):
            if child.at is None:  # not at its first cell yet
                return child
        assert first.at is not None and second.at is not None
        (cell_a, done_a), (cell_b, done_b) = first.at, second.at
        if cell_a == cell_b:
            if done_a != done_b:
                return first if done_a < done_b else second
            return first if done_a % 2 == 0 else second
        # different cells: whoever still has to reach the other's cell goes
        if second.index(cell_a) > second.index(cell_b):
            return second
        return first
