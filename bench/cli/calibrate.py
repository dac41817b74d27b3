"""``jwtbench calibrate``: how far can ``jwtbench compare`` be trusted on this machine?

Identical code on both sides (factor 0: every flagged cell is a false alarm),
or the head side's ``--slowed-adapter`` made exactly ``1 + FACTOR`` times as
slow (count the trials in which every slowed cell is flagged), measured by
real ``jwtbench run`` processes exactly as ``jwtbench ab`` starts them
(``jwtbench.measure.calibrate``), scored by ``jwtbench.analysis.calibration``.
Both modes of ``ab``: lockstep rounds (``--mode interleaved``) and ordinary
runs one side after the other (``--mode sequential``, as ``ab
--no-interleave``). The default ``--rounds`` is ab's, so the numbers describe
``jwtbench ab`` as usually run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from jwtbench.analysis.calibration import Experiment, score
from jwtbench.analysis.compare import compare_results
from jwtbench.analysis.compare_counts import DEFAULT_THRESHOLD as COUNTS_THRESHOLD
from jwtbench.analysis.compare_counts import compare_counts, score_counts
from jwtbench.measure.calibrate import COUNTS_SELECTION, DEFAULT_SELECTION, measure_pair
from jwtbench.measure.instructions import valgrind
from jwtbench.measure.rounds import DEFAULT_ROUNDS, RunSelection

Echo = Callable[[str], None]


def calibrate(
    *,
    factors: Sequence[float] = (0.0, 0.10, 0.15, 0.20, 0.30),
    trials: int = 10,
    rounds: int = DEFAULT_ROUNDS,
    slowed_adapter: str = "pyjwt",
    selection: RunSelection = DEFAULT_SELECTION,
    threshold: float = 0.10,
    alpha: float = 0.01,
    modes: Sequence[bool] = (True, False),
    echo: Echo = print,
    timer: str = "wall-clock",
) -> list[Experiment]:
    """Run every (factor, mode) experiment ``trials`` times; 0.0 = false alarms.

    ``modes``: ``True`` for lockstep (interleaved), ``False`` for sequential runs.
    """
    out = []
    counts = timer == "instructions"
    for factor in factors:
        for interleave in (False,) if counts else modes:
            mode = "instructions" if counts else "interleaved" if interleave else "sequential"
            exp = Experiment(f"{factor:.1%} {mode}", factor, interleave)
            slowed = slowed_adapter if factor else None
            for i in range(trials):
                base, head = measure_pair(slowed_adapter=slowed, factor=factor, rounds=rounds,
                                          interleave=interleave, selection=selection,
                                          timer=timer)  # fmt: skip
                if counts:
                    trial = score_counts(compare_counts(base, head, threshold=threshold), slowed)
                else:
                    trial = score(compare_results(base, head, threshold=threshold, alpha=alpha),
                                  slowed)  # fmt: skip
                exp.trials.append(trial)
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
    counts = args.timer == "instructions"
    if counts:
        valgrind()  # how to install it, exit 2, before anything runs
    experiments = calibrate(
        factors=factors,
        trials=args.trials,
        rounds=args.rounds,
        slowed_adapter=args.slowed_adapter,
        threshold=args.threshold or (COUNTS_THRESHOLD if counts else 0.10),
        timer=args.timer,
        selection=COUNTS_SELECTION if counts else DEFAULT_SELECTION,
        alpha=args.alpha,
        modes={"both": (True, False), "interleaved": (True,), "sequential": (False,)}[args.mode],
    )
    print()
    for exp in experiments:
        print(summary_line(exp, args.trials))
    return 0


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench calibrate``."""
    parser = verbs.add_parser(
        "calibrate",
        help="measure compare's false alarms and sensitivity on this machine",
        description=(
            "Run real jwtbench run processes exactly as jwtbench ab does, with identical "
            "code on both sides (factor 0: every flag is a false alarm) or the head side's "
            "--slowed-adapter made exactly 1+FACTOR times as slow, and count false alarms "
            "and the trials in which every slowed cell was flagged."
        ),
    )
    parser.add_argument("--factors", default="0,0.1,0.15,0.2,0.3",
                        help="slowdowns to inject (0 = identical runs: false alarms)")  # fmt: skip
    parser.add_argument("--trials", type=int, default=10, help="trials per experiment")
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"runs per side per trial (default {DEFAULT_ROUNDS}, as jwtbench ab)",
    )
    parser.add_argument(
        "--slowed-adapter", default="pyjwt", help="the adapter made slower on the head side"
    )
    parser.add_argument(
        "--mode",
        choices=("both", "interleaved", "sequential"),
        default="both",
        help="lockstep (interleaved, as jwtbench ab runs), sequential runs, or both",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="compare's threshold (default 0.10; for instruction counts 0.01)",
    )
    parser.add_argument(
        "--timer",
        choices=("wall-clock", "instructions"),
        default="wall-clock",
        help="instructions: count both sides under valgrind, the head's --slowed-adapter "
        "given FACTOR of its own count as extra deterministic work (a fixed loop) per call; "
        "one run per side per trial",
    )
    parser.add_argument(
        "--alpha", type=float, default=0.01, help="compare's significance level (default 0.01)"
    )
    parser.set_defaults(func=cmd_calibrate)
