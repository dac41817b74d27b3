"""How far can ``jwtbench compare`` be trusted on this machine?

Real ``jwtbench run`` processes of this environment, started exactly as
``jwtbench ab`` starts them (nothing simulated):

- identical code on both sides (factor 0): every flagged cell is a false
  alarm;
- the head side's runs get ``--inject-slowdown ADAPTER=FACTOR``
  (``jwtbench.measure.inject``: each call of that adapter is followed by a busy wait of
  ``FACTOR`` times its own duration, so it is exactly ``1 + FACTOR`` times as
  slow whatever the machine does), and we count in how many trials every
  slowed cell is flagged. The other adapters' cells are not slowed: any flag
  there is a false alarm.

Both modes of ``jwtbench ab``: lockstep rounds (``--mode interleaved``, the
default of ``ab``) and ordinary runs one side after the other (``--mode
sequential``, as ``ab --no-interleave``). The default ``--rounds`` is ab's,
so the numbers describe ``jwtbench ab`` as usually run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jwtbench.analysis.compare import compare_results
from jwtbench.cli.ab import DEFAULT_ROUNDS, SIDES, Selection, Side, child_environ, measure_rounds
from jwtbench.measure.merge import merge_rounds
from jwtbench.model.results import Results

Echo = Callable[[str], None]

#: A small selection: fast and slow operations, library and floor.
DEFAULT_SELECTION = Selection(
    adapters="floor,pyjwt", algs="HS256,ES256", ops="sign,verify", key_modes="prepared"
)


def side_runner(slowed_adapter: str | None, factor: float) -> Side:
    """This environment's ``jwtbench run``, with ``slowed_adapter`` made ``1 + factor`` slower."""
    extra = ("--inject-slowdown", f"{slowed_adapter}={factor}") if slowed_adapter and factor else ()
    return Side((sys.executable, "-m", "jwtbench.cli.main"), child_environ(), extra)


def measure_pair(
    *,
    slowed_adapter: str | None,
    factor: float,
    rounds: int,
    interleave: bool,
    selection: Selection = DEFAULT_SELECTION,
    echo: Echo = lambda _: None,
) -> tuple[Results, Results]:
    """Base and head results (``rounds`` runs each, merged); head has the slowdown.

    Real ``jwtbench run`` processes, exactly as ``jwtbench ab`` starts them:
    in lockstep when ``interleave``, else all base runs and then all head runs.
    """
    runners = {"base": side_runner(None, 0.0), "head": side_runner(slowed_adapter, factor)}
    with tempfile.TemporaryDirectory(prefix="jwtbench-calibrate-") as tmp:
        loaded = measure_rounds(
            runners, selection, rounds=rounds, interleave=interleave, folder=Path(tmp), echo=echo
        )
    base, head = (
        Results(path=None, raw=merge_rounds(loaded[side], label=f"calibrate-{side}"))
        for side in SIDES
    )
    return base, head


@dataclass
class Trial:
    flagged: list[str]  # labels of cells called regression or improvement
    slowed_flagged: list[str]  # of those, cells of the slowed adapter flagged as regressions
    slowed_cells: int


@dataclass
class Experiment:
    name: str
    factor: float
    interleave: bool
    trials: list[Trial] = field(default_factory=list)

    @property
    def hits(self) -> int:
        """Trials in which every slowed cell was flagged as a regression."""
        return sum(1 for t in self.trials if t.slowed_cells and
                   len(t.slowed_flagged) == t.slowed_cells)  # fmt: skip

    @property
    def false_alarms(self) -> int:
        """Flags on cells that were not slowed, over all trials."""
        return sum(len(t.flagged) - len(t.slowed_flagged) for t in self.trials)


def trial(
    *,
    slowed_adapter: str | None,
    factor: float,
    rounds: int,
    interleave: bool,
    selection: Selection,
    threshold: float,
    alpha: float,
) -> Trial:
    base, head = measure_pair(
        slowed_adapter=slowed_adapter,
        factor=factor,
        rounds=rounds,
        interleave=interleave,
        selection=selection,
    )
    cmp = compare_results(base, head, threshold=threshold, alpha=alpha)
    flagged = [c for c in cmp.ordered() if c.verdict in ("regression", "improvement")]
    mine = [c for c in flagged
            if c.verdict == "regression" and c.params["adapter"] == slowed_adapter]  # fmt: skip
    slowed_cells = sum(1 for c in cmp.ordered() if c.params["adapter"] == slowed_adapter)
    return Trial([c.label for c in flagged], [c.label for c in mine], slowed_cells)


def calibrate(
    *,
    factors: Sequence[float] = (0.0, 0.10, 0.15, 0.20, 0.30),
    trials: int = 10,
    rounds: int = DEFAULT_ROUNDS,
    slowed_adapter: str = "pyjwt",
    selection: Selection = DEFAULT_SELECTION,
    threshold: float = 0.10,
    alpha: float = 0.01,
    modes: Sequence[bool] = (True, False),
    echo: Echo = print,
) -> list[Experiment]:
    """Run every (factor, mode) experiment ``trials`` times; 0.0 = false alarms.

    ``modes``: ``True`` for lockstep (interleaved), ``False`` for sequential runs.
    """
    out = []
    for factor in factors:
        for interleave in modes:
            exp = Experiment(
                f"{factor:.0%} {'interleaved' if interleave else 'sequential'}",
                factor,
                interleave,
            )
            for i in range(trials):
                exp.trials.append(
                    trial(
                        slowed_adapter=slowed_adapter if factor else None,
                        factor=factor,
                        rounds=rounds,
                        interleave=interleave,
                        selection=selection,
                        threshold=threshold,
                        alpha=alpha,
                    )
                )
                echo(f"  {exp.name}: trial {i + 1}/{trials}: flagged {exp.trials[-1].flagged}")
            echo(summary_line(exp, trials))
            out.append(exp)
    return out


def summary_line(exp: Experiment, trials: int) -> str:
    if exp.factor == 0:
        return f"{exp.name}: {exp.false_alarms} false alarms in {trials} identical pairs"
    return (
        f"{exp.name}: slowed cells all flagged in {exp.hits}/{trials} trials; "
        f"{exp.false_alarms} false alarms on other cells"
    )


def cmd_calibrate(args: argparse.Namespace) -> int:
    """False alarms and the smallest reliably flagged slowdown, on this machine."""
    factors = [float(f) for f in args.factors.split(",")]
    experiments = calibrate(
        factors=factors,
        trials=args.trials,
        rounds=args.rounds,
        slowed_adapter=args.slowed_adapter,
        threshold=args.threshold,
        alpha=args.alpha,
        modes={"both": (True, False), "interleaved": (True,), "sequential": (False,)}[args.mode],
    )
    print()
    for exp in experiments:
        print(summary_line(exp, args.trials))
    return 0


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = verbs.add_parser(
        "calibrate", help="measure compare's false alarms and sensitivity on this machine"
    )
    parser.add_argument("--factors", default="0,0.1,0.15,0.2,0.3",
                        help="slowdowns to inject (0 = identical runs: false alarms)")  # fmt: skip
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"runs per side per trial (default {DEFAULT_ROUNDS}, as jwtbench ab)",
    )
    parser.add_argument("--slowed-adapter", default="pyjwt")
    parser.add_argument(
        "--mode",
        choices=("both", "interleaved", "sequential"),
        default="both",
        help="lockstep (interleaved, as jwtbench ab runs), sequential runs, or both",
    )
    parser.add_argument("--threshold", type=float, default=0.10)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.set_defaults(func=cmd_calibrate)
