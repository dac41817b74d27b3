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

``jwtbench run`` uses the same machinery with N sides, one child per adapter
(``jwtbench.measure.groups``): the coordinator maps each child's cells to
groups (the cell without its adapter) and keeps every member of a group
together, rotating the burst order ABC CBA (for two sides that is ABBA, so
``ab`` schedules exactly as before).

With ``visits`` > 1 (``jwtbench run``'s profiles) each child walks its cells
that many times, a pytest pass per visit, ``bursts`` bursts per cell each
time, and the coordinator keeps the groups together visit by visit: a cell's
bursts then sample the machine at moments a whole pass over the matrix apart,
not within one fraction of a second (``jwtbench.measure.waves`` has the
measurements). A visit begins :data:`MIN_VISIT_SECONDS` after the previous
one at the earliest, so a small selection's visits do not all fall in one
state of the machine.

Each cell's entry records its bursts (``extra_info.lockstep``: the pair id
and the rounds of each burst), and ``jwtbench.analysis.compare`` pairs base burst *i* with
head burst *i* of the same pair id (``jwtbench.analysis.stats`` mode ``paired``).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from jwtbench.envs import proc

#: Set in a child run: ``<read fd>,<write fd>,<pair id>,<side>[,<bursts>[,<visits>]]`` (read by
#: ``jwtbench.measure.timers``, the one place that chooses how a run times).
ENV_VAR = "JWTBENCH_LOCKSTEP"
#: Bursts per cell and side by default (``ab``): the pairs the paired test gets
#: from one round. ``jwtbench run`` passes its profile's number instead.
BURSTS = 20
#: Visits per cell by default (``ab``): each cell's bursts are timed in one go.
VISITS = 1
#: Fewest seconds from one visit's start to the next's: the machine's speed
#: decorrelates over about a second (module docstring), so visits closer than
#: that would sample one state.
MIN_VISIT_SECONDS = 1.0
Echo = Callable[[str], None]


class LockstepError(RuntimeError):
    """The lockstep protocol broke (a child died, or the coordinator went away)."""


# -- the child's end of the pipes ----------------------------------------------------------


class Baton:
    """A child run's end of the pipes: announce cells, pass the baton, wait for it."""

    def __init__(
        self,
        read_fd: int,
        write_fd: int,
        pair: str,
        side: str,
        bursts: int = BURSTS,
        visits: int = VISITS,
    ) -> None:
        self._in = os.fdopen(read_fd, "r", encoding="utf-8")
        self._out = os.fdopen(write_fd, "w", encoding="utf-8")
        self.pair, self.side, self.bursts, self.visits = pair, side, bursts, visits
        #: The visit (pass over the cells) being timed, 0-based; the timer sets it.
        self.visit = 0
        self.greeted = False

    @classmethod
    def from_spec(cls, spec: str) -> Baton:
        """From the value of :data:`ENV_VAR` the coordinator set."""
        try:
            read_fd, write_fd, pair, side, *counts = spec.split(",", 5)
            return cls(int(read_fd), int(write_fd), pair, side, *(int(n) for n in counts))
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
        """``burst`` bursts of ``cell`` (this visit) are done: pass the baton and wait for it."""
        self._send({"cell": cell, "burst": burst, "visit": self.visit})
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
    visit: int = 0  # the visit of ``at``
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


def merged_order(plans: Sequence[Sequence[str]]) -> list[str]:
    """One order of every group that keeps each plan's own order (a stable topological merge).

    Each child announces its cells in the order it will time them; the plans
    are subsequences of one matrix order, so merging them gives the order the
    coordinator walks the groups in. A cycle (plans that disagree) cannot be
    honoured: the rest follows in first-seen order.
    """
    seen: dict[str, None] = {}
    after: dict[str, set[str]] = {}
    before: dict[str, int] = {}
    for plan in plans:
        for index, group in enumerate(plan):
            seen.setdefault(group, None)
            before.setdefault(group, 0)
            if index and group not in after.setdefault(plan[index - 1], set()):
                after[plan[index - 1]].add(group)
                before[group] += 1
    order: list[str] = []
    ready = [g for g in seen if before[g] == 0]
    while ready:
        group = ready.pop(0)
        order.append(group)
        for nxt in (g for g in seen if g in after.get(group, ())):
            before[nxt] -= 1
            if before[nxt] == 0:
                ready.append(nxt)
    return order + [g for g in seen if g not in order]


def same_cell(side: str, cell: str) -> str:
    """``ab``'s grouping: a cell is timed together with the same cell of the other side."""
    return cell


#: Between a column and the number of its replica in a side's name: ``floor#2``.
REPLICA_MARK = "#"


def replica_side(column: str, replica: int) -> str:
    """The side of a column's ``replica``-th process (1: the column itself)."""
    return column if replica <= 1 else f"{column}{REPLICA_MARK}{replica}"


def side_column(side: str) -> str:
    """The results column a side measures: a replica's side ``COLUMN#N`` is its column's."""
    return side.partition(REPLICA_MARK)[0]


def drop_side(side: str, cell: str) -> str:
    """``run``'s grouping: the side is the adapter, and a cell id starts with it.

    An isolated version's side is ``ADAPTER@VERSION`` (``jwtbench.measure.isolate``)
    and a replica's ``ADAPTER#N`` (``jwtbench.measure.groups.REPLICAS``), while
    its child, running that adapter, names cells ``ADAPTER-...``.
    """
    return cell.removeprefix(f"{side_column(side).partition('@')[0]}-")


@dataclass
class Coordinator:
    """Runs N child commands in lockstep, group by group; ``sides[0]`` leads even bursts.

    ``group`` maps (side, cell) to the group a cell is timed with: the same
    cell (``ab``: two environments, identical plans) or the cell without its
    adapter (``run``: one child per adapter, different plans). Every member
    of the current group times burst *i* before any times burst *i + 1*,
    in the side order for even bursts and reversed for odd ones (ABC CBA,
    counting bursts across visits: with one burst a visit the order turns
    visit by visit); a member without the group waits at its next one. With ``visits`` > 1
    every child walks its cells that many times and the groups are kept
    together visit by visit (visit 0 of every group before any visit 1).
    """

    commands: Mapping[str, Sequence[str]]
    environs: Mapping[str, Mapping[str, str]]
    cwd: Path
    pair: str
    echo: Echo = print
    #: The CPU every child is pinned to (None: not pinned).
    cpu: int | None = field(default_factory=lambda: proc.shared_cpu())
    children: dict[str, _Child] = field(default_factory=dict)
    bursts: int = BURSTS
    #: Passes each child makes over its cells, ``bursts`` bursts per cell each time.
    visits: int = VISITS
    group: Callable[[str, str], str] = same_cell
    #: Called as (side, cell, cells done, cells planned) when a child's cell is timed.
    on_cell: Callable[[str, str, int, int], None] | None = None
    _rank: dict[str, int] | None = None
    _visit: int = -1  # the visit timing has reached (-1: none yet), and when it began
    _visit_began: float = 0.0

    def run(self) -> dict[str, int]:
        """Every child to the end; their exit codes by side."""
        try:
            # all start at once, on every CPU: importing and collecting times nothing, and
            # each is pinned to the shared CPU once it has said hello (before any timing)
            for side in self.commands:
                self._start(side)
            for child in list(self.children.values()):
                self._greet(child)
            while not all(child.finished for child in self.children.values()):
                child = self._next()
                self._space_visits(child)
                message = child.go()
                if message is not None:
                    child.at = (str(message["cell"]), int(message["burst"]))
                    child.visit = int(message.get("visit", 0))
                    if child.at[1] == self.bursts:
                        self._timed(child, child.at[0])
        finally:  # an error or Ctrl-C here must not leave a child holding the CPU
            for child in self.children.values():
                child.proc.stop()
        return {side: child.proc.wait() for side, child in self.children.items()}

    def _space_visits(self, child: _Child) -> None:
        """Before the first burst of a visit: wait until the last visit began MIN_VISIT_SECONDS ago.

        A small selection walks its cells in a fraction of a second, so its
        visits would all see one machine state; spaced, they sample several.
        A big one (quick: ~13 s a visit) never waits.
        """
        if child.at is None or child.at[1] >= self.bursts or child.visit <= self._visit:
            return
        wait = self._visit_began + MIN_VISIT_SECONDS - time.monotonic()
        if self._visit >= 0 and wait > 0:
            time.sleep(wait)
        self._visit, self._visit_began = child.visit, time.monotonic()

    def _timed(self, child: _Child, cell: str) -> None:
        done = child.visit * len(child.plan) + child.index(cell) + 1
        total = len(child.plan) * self.visits
        if self.on_cell is not None:
            self.on_cell(child.side, cell, done, total)
        else:
            self.echo(f"  {child.side:<4} | [{done:>4}/{total}] {cell}")

    def _start(self, side: str) -> None:
        to_read, to_write = os.pipe()  # coordinator -> child
        from_read, from_write = os.pipe()  # child -> coordinator
        environ = dict(self.environs[side])
        spec = f"{to_read},{from_write},{self.pair},{side},{self.bursts},{self.visits}"
        environ[ENV_VAR] = spec
        log = self.cwd / f"{side}.log"
        try:
            started = proc.start(
                self.commands[side],
                environ=environ,
                cwd=self.cwd,
                log=log,
                pass_fds=(to_read, from_write),
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

    def _greet(self, child: _Child) -> None:
        """Wait for the child's hello (its plan), then pin it to the shared CPU."""
        line = child.from_child.readline()  # blocks until it has collected its cells
        if not line:
            child._finish()
            return
        child.plan = list(json.loads(line)["hello"])
        if self.cpu is not None and hasattr(os, "sched_setaffinity"):
            with contextlib.suppress(OSError):  # it exited already: its exit code tells
                os.sched_setaffinity(child.proc.proc.pid, {self.cpu})

    def _group_rank(self, child: _Child) -> int:
        """Where the group of the child's current cell comes in the merged order (visit first)."""
        if self._rank is None:
            plans = [[self.group(c.side, cell) for cell in c.plan] for c in self.children.values()]
            self._rank = {group: i for i, group in enumerate(merged_order(plans))}
        assert child.at is not None
        size = len(self._rank) + 1
        return child.visit * size + self._rank.get(self.group(child.side, child.at[0]), size - 1)

    def _next(self) -> _Child:
        """Who runs next: every member on the same group, bursts in ABC CBA order."""
        active = [child for child in self.children.values() if not child.finished]
        if not active:
            raise LockstepError("no child left to hand the baton to")
        for child in active:
            if child.at is None or child.at[1] >= self.bursts:
                return child  # not at a cell yet, or done with one: let it reach the next
        first = min(self._group_rank(child) for child in active)
        members = [child for child in active if self._group_rank(child) == first]
        burst = min(child.at[1] for child in members if child.at is not None)
        if (members[0].visit * self.bursts + burst) % 2:  # one burst a visit: turns by visit
            members.reverse()
        return next(c for c in members if c.at is not None and c.at[1] == burst)
