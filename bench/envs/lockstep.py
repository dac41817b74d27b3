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
both are pinned to the same CPU (:func:`shared_cpu`: the two vCPUs' speeds
differ from moment to moment). Each child (:class:`Baton`, active when ``JWTBENCH_LOCKSTEP`` is
set) announces its cells, then for every cell gates its work (holding the
baton), and times :data:`BURSTS` bursts of about :data:`BURST_SECONDS` with
pytest-benchmark's ``pedantic`` mode, passing the baton after each burst (in
``teardown``, outside the timed region). The coordinator keeps both children
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
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

#: Set in a child run: ``<read fd>,<write fd>,<pair id>,<side>``.
ENV_VAR = "JWTBENCH_LOCKSTEP"
#: Bursts per cell and side: the pairs the paired test gets from one round.
BURSTS = 20
Echo = Callable[[str], None]


class LockstepError(RuntimeError):
    """The lockstep protocol broke (a child died, or the coordinator went away)."""


# -- the coordinator ---------------------------------------------------------------------


@dataclass
class _Child:
    side: str
    proc: subprocess.Popen[bytes]
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
    cpu: int | None = field(default_factory=lambda: shared_cpu())
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
        finally:
            for child in self.children.values():
                if child.proc.poll() is None:
                    child.proc.terminate()
                    child.proc.wait()
        return {side: int(child.proc.returncode) for side, child in self.children.items()}

    def _start(self, side: str) -> None:
        to_read, to_write = os.pipe()  # coordinator -> child
        from_read, from_write = os.pipe()  # child -> coordinator
        environ = dict(self.environs[side])
        environ[ENV_VAR] = f"{to_read},{from_write},{self.pair},{side}"
        log = self.cwd / f"{side}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                list(self.commands[side]),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environ,
                cwd=self.cwd,
                pass_fds=(to_read, from_write),
            )
        os.close(to_read)
        os.close(from_write)
        if self.cpu is not None:
            os.sched_setaffinity(proc.pid, {self.cpu})
        child = _Child(
            side,
            proc,
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


def shared_cpu() -> int | None:
    """One CPU this process may use, for both children; None where affinity is unsupported.

    Pinned to one CPU, the two sides alternate on the same core. Measured here
    (two processes alternating 5 ms HMAC bursts, 400 pairs): the ratio of
    paired bursts fell between 0.98 and 1.03 (10th-90th percentile) pinned,
    and between 0.57 and 1.42 unpinned, where each process sits on whichever
    of the two vCPUs it was given and the vCPUs' speeds differ from moment to
    moment.
    """
    if not hasattr(os, "sched_getaffinity"):
        return None
    return min(os.sched_getaffinity(0))


def log_tail(path: Path, lines: int = 15) -> str:
    """The last lines of a child's log, indented, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in kept)
