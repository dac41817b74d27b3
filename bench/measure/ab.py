"""``jwtbench ab``'s measuring half: two envs, N rounds in lockstep, two merged files.

A committed baseline from another machine (or from last week on a shared CI
runner) is only indicative: absolute times drift 10-25% between machines and
jobs. ``ab`` measures both requirement sets *on the same machine, at the same
moments*, so the only difference left is the dependencies:

1. each side's set gets its own cached virtualenv (``jwtbench.envs.env``),
   holding this jwtbench with the set installed after it (the pins win);
2. the rounds run in lockstep, or one side after the other
   (``jwtbench.measure.rounds``);
3. each side's rounds are merged and saved as ``results/<machine-id>/<ts>_ab-base.json``
   and ``_ab-head.json`` (valid pytest-benchmark + jwtbench files, with the
   exact installed versions of each env in ``jwtbench.ab``).

Comparing the two files is analysis's job (``jwtbench.cli.ab`` wires them).
Why lockstep and not ABBA over whole runs: this VM's speed flips between two
levels ~1.8x apart within a second, so runs seconds apart are independent
draws and alternating them cancels nothing. Measured with ``jwtbench
calibrate`` (figures in the README): in lockstep, identical code was never
flagged and a 1.2x slowdown was caught in 10 of 10 trials (1.15x in 9), where
sequential runs needed 2x (1.5x: 5 of 10).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwtbench.envs.env import (
    Env,
    default_env_root,
    ensure_env,
    env_differences,
    freeze,
    harness,
    parse_requirements,
    pick_installer,
)
from jwtbench.measure.instructions import valgrind
from jwtbench.measure.merge import merge_rounds
from jwtbench.measure.rounds import (
    DEFAULT_ROUNDS,
    SIDES,
    RunSelection,
    Side,
    measure_rounds,
    round_order,
)
from jwtbench.model.errors import UsageError
from jwtbench.model.results import run_path, write_atomic

Echo = Callable[[str], None]


@dataclass(frozen=True)
class AbPlan:
    """Everything ``ab`` needs, checked before any env is built."""

    requirements: dict[str, list[str]]
    selection: RunSelection
    rounds: int = DEFAULT_ROUNDS
    interleave: bool = True
    env_root: Path = field(default_factory=default_env_root)
    results_dir: Path = Path("results")
    installer: str = "auto"
    rebuild: bool = False
    harness_spec: str | None = None
    #: ``instructions``: each side counted once under valgrind (no lockstep needed).
    timer: str = "wall-clock"

    @classmethod
    def make(cls, base: str, head: str, selection: RunSelection, **options: Any) -> AbPlan:
        """Parse both requirement sets and check the selection (``UserError`` if bad)."""
        plan = cls({"base": parse_requirements(base), "head": parse_requirements(head)},
                   selection, **options)  # fmt: skip
        if plan.rounds < 1:
            raise UsageError(f"--rounds must be at least 1, got {plan.rounds}")
        selection.check()
        if plan.counts:
            valgrind()  # ValgrindMissing: how to install it, before any env is built
        return plan

    @property
    def counts(self) -> bool:
        """Instruction counts: one ordinary run per side, no rounds to pair."""
        return self.timer == "instructions"


@dataclass
class AbRun:
    """What ``ab`` measured: the two saved files and how they came about."""

    paths: dict[str, Path]
    envs: dict[str, Env]
    env_differences: list[str]
    interleave: bool
    seconds: float


def build_envs(plan: AbPlan, tool: str, echo: Echo) -> dict[str, Env]:
    """Both sides' envs (one, when both sets are the same), built or reused."""
    source = harness(plan.harness_spec)
    envs: dict[str, Env] = {}
    for side in SIDES:
        reqs = plan.requirements[side]
        same = [env for env in envs.values() if sorted(env.requirements) == sorted(reqs)]
        if same:  # the same requirement set on both sides: one env
            envs[side] = same[0]
            echo(f"ab: {side}: same requirement set, same env {same[0].path}")
            continue
        envs[side], _ = ensure_env(reqs, plan.env_root, installer=tool, source=source,
                                   side=side, rebuild=plan.rebuild, echo=echo)  # fmt: skip
    return envs


def run_ab(plan: AbPlan, *, echo: Echo = print) -> AbRun:
    """Build (or reuse) both envs, run the rounds, merge and save each side."""
    started = time.perf_counter()
    tool = pick_installer(plan.installer)
    envs = build_envs(plan, tool, echo)
    freezes = {side: freeze(envs[side], tool) for side in SIDES}
    drift = env_differences(freezes, plan.requirements)
    if drift:
        echo("ab: warning: the envs also differ in " + "; ".join(drift) + " (try --rebuild)")
    extra = ("--timer", "instructions") if plan.counts else ()
    runners = {
        side: Side((str(envs[side].jwtbench),), envs[side].environ(), extra) for side in SIDES
    }
    # counts are deterministic: one run per side, one after the other, is the whole A/B
    rounds, interleave = (1, False) if plan.counts else (plan.rounds, plan.interleave)
    with tempfile.TemporaryDirectory(prefix="jwtbench-ab-") as tmp:
        loaded = measure_rounds(
            runners,
            plan.selection,
            rounds=rounds,
            interleave=interleave,
            folder=Path(tmp),
            echo=echo,
            describe={side: " ".join(plan.requirements[side]) for side in SIDES},
        )
    when = dt.datetime.now(dt.timezone.utc)
    meta: dict[str, Any] = {
        side: {
            "requirements": plan.requirements[side],
            "freeze": freezes[side],
            "env": str(envs[side].path),
        }
        for side in SIDES
    }
    meta |= {
        "rounds": rounds,
        "interleaved": interleave,
        "order": round_order(rounds, interleave),
        "env_differences": drift,
        "timer": plan.timer,
    }
    paths: dict[str, Path] = {}
    for side in SIDES:
        merged = merge_rounds(loaded[side], label=f"ab-{side}")
        merged["jwtbench"]["ab"] = {**meta, "side": side}
        paths[side] = run_path(plan.results_dir, f"ab-{side}", when)
        write_atomic(paths[side], merged)
        echo(f"ab: {side} results: {paths[side]}")
    return AbRun(paths, envs, drift, interleave, time.perf_counter() - started)
