"""Run two sides' ``jwtbench run`` N rounds, in lockstep or one after the other.

``jwtbench ab`` (two envs) and ``jwtbench calibrate`` (this env, one side
slowed on purpose) measure the same way, so both go through
:func:`measure_rounds`: each round starts the base and the head run together
in lockstep (``jwtbench.envs.lockstep``: pinned to one CPU, taking turns every
~5 ms burst, so each base burst has a head burst timed at the same machine
speed next to it), or, with ``interleave=False``, all base rounds run, then
all head rounds (ordinary runs with their passes). The results come back raw,
one list per side, for ``jwtbench.measure.merge.merge_rounds``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwtbench.envs import proc
from jwtbench.envs.lockstep import Coordinator
from jwtbench.model.errors import UserError
from jwtbench.model.results import load_results
from jwtbench.model.selection import Selection

SIDES = ("base", "head")
#: Rounds by default: one lockstep round gives ``lockstep.BURSTS`` pairs per
#: cell, 3 give 60, and the bootstrap over rounds sees whether the two
#: processes of a round differed as a whole.
DEFAULT_ROUNDS = 3
#: Child output lines passed through as progress.
PROGRESS = re.compile(r"^\[\s*\d+/\d+\]|^(done|interrupted) in ")
Echo = Callable[[str], None]


class RoundError(UserError):
    """A round that failed (its command and last output lines in the message)."""


@dataclass(frozen=True)
class RunSelection:
    """What each round measures: a profile and the matrix selection."""

    profile: str = "quick"
    selection: Selection = field(default_factory=Selection)

    @classmethod
    def parse(cls, profile: str = "quick", **values: str | None) -> RunSelection:
        """From comma-separated option strings (``adapters="floor,pyjwt"``)."""
        return cls(profile, Selection.parse(values))

    def args(self) -> list[str]:
        """The ``jwtbench run`` options that select it."""
        return ["--profile", self.profile, *self.selection.as_options()]

    def check(self) -> None:
        """Validate every name now (``MatrixError``), before anything is built or run."""
        from jwtbench.measure.matrix import PROFILES, MatrixError, build_matrix, why_empty

        profile = PROFILES[self.profile]
        if not build_matrix(profile, self.selection):
            raise MatrixError(why_empty(profile, self.selection))


def round_plan(rounds: int, *, interleave: bool = True) -> list[tuple[int, str]]:
    """(round, side) in run order: ABBA... when interleaved, else all base then all head."""
    if interleave:
        return [(i, side) for i in range(rounds) for side in (SIDES if i % 2 == 0 else SIDES[::-1])]
    return [(i, side) for side in SIDES for i in range(rounds)]


@dataclass(frozen=True)
class Side:
    """How to start one side's ``jwtbench run``: command prefix, environment, extra args."""

    command: tuple[str, ...]  # (env's jwtbench,) or (python, "-m", "jwtbench.cli.main")
    environ: Mapping[str, str]
    extra: tuple[str, ...] = ()

    def run_command(self, side: str, output: Path, selection: RunSelection) -> list[str]:
        cmd = [*self.command, "run", "--no-report", "--no-interop", "--output", str(output)]
        cmd.append("--no-cost")  # a round times; the cost beyond the hot path is not its job
        return [*cmd, *selection.args(), "--label", f"ab-{side}", *self.extra]


def run_round(
    runner: Side, side: str, output: Path, selection: RunSelection, *, echo: Echo, cwd: Path
) -> None:
    """One ``jwtbench run`` of one side, its progress lines echoed with the side as prefix."""
    cmd = runner.run_command(side, output, selection)
    with proc.running(cmd, environ=runner.environ, cwd=cwd, what=f"{side} round") as child:
        for line in child.lines():
            if PROGRESS.search(line):
                echo(f"  {side:<4} | {line}")
        code = child.wait()
    if code != 0 or not output.exists():
        raise RoundError(str(child.failure(f"{side} round", code)))


def run_lockstep_round(
    runners: Mapping[str, Side],
    outputs: Mapping[str, Path],
    selection: RunSelection,
    *,
    echo: Echo,
    cwd: Path,
) -> None:
    """Both sides' runs at once, taking turns burst by burst (``jwtbench.envs.lockstep``)."""
    cwd.mkdir(parents=True, exist_ok=True)
    commands = {side: runners[side].run_command(side, outputs[side], selection) for side in SIDES}
    coordinator = Coordinator(
        commands,
        {side: runners[side].environ for side in SIDES},
        cwd=cwd,
        pair=uuid.uuid4().hex[:12],
        echo=echo,
    )
    codes = coordinator.run()
    for side in SIDES:
        if codes.get(side) != 0 or not outputs[side].exists():
            log = coordinator.children[side].log if side in coordinator.children else cwd
            raise RoundError(
                f"{side} lockstep round failed (exit {codes.get(side)}): "
                f"{' '.join(commands[side])}\n" + proc.log_tail(log)
            )


def measure_rounds(
    runners: Mapping[str, Side],
    selection: RunSelection,
    *,
    rounds: int,
    interleave: bool,
    folder: Path,
    echo: Echo,
    describe: Mapping[str, str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Each side's ``rounds`` results, raw: in lockstep, or all base rounds then all head."""
    files: dict[str, list[Path]] = {side: [] for side in SIDES}
    describe = describe or {}
    if interleave:
        for index in range(rounds):
            echo(f"ab: round {index + 1}/{rounds}: base and head in lockstep")
            outputs = {side: folder / f"{side}_{index}.json" for side in SIDES}
            run_lockstep_round(runners, outputs, selection, echo=echo, cwd=folder / f"round{index}")
            for side in SIDES:
                files[side].append(outputs[side])
    else:
        plan = round_plan(rounds, interleave=False)
        for step, (index, side) in enumerate(plan, start=1):
            what = f" ({describe[side]})" if side in describe else ""
            echo(f"ab: [{step}/{len(plan)}] round {index + 1}/{rounds}: {side}{what}")
            output = folder / f"{side}_{index}.json"
            run_round(runners[side], side, output, selection, echo=echo, cwd=folder)
            files[side].append(output)
    return {side: [load_results(p).raw for p in files[side]] for side in SIDES}


def round_order(rounds: int, interleave: bool) -> list[str]:
    """How the rounds ran, for the results file: ``base1+head1`` (together) or ``base1``."""
    if interleave:
        return [f"base{i + 1}+head{i + 1}" for i in range(rounds)]
    return [f"{side}{i + 1}" for i, side in round_plan(rounds, interleave=False)]
