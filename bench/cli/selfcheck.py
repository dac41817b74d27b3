"""``jwtbench selfcheck``: does the harness distort what it measures?

Measuring is ``jwtbench.measure.selfcheck`` (harness and bare call
interleaved in bursts), the verdict ``jwtbench.analysis.overhead`` (median
paired ratio, 95% interval; exit 1 only when the interval lies outside the
tolerance).
"""

from __future__ import annotations

import argparse

from jwtbench.analysis.overhead import INCONCLUSIVE, WITHIN, judge_overhead
from jwtbench.measure.selfcheck import DEFAULT_BURSTS, measure
from jwtbench.model.errors import UsageError


def cmd_selfcheck(args: argparse.Namespace) -> int:
    """Harness overhead: pyjwt HS256 sign through jwtbench vs a bare call, paired."""
    if args.trials < 1 or args.bursts < 2:
        raise UsageError("--trials must be at least 1 and --bursts at least 2")
    if not 0 <= args.tolerance < 1:
        raise UsageError(f"--tolerance must be in [0, 1), got {args.tolerance}")
    rounds = measure(trials=args.trials, bursts=args.bursts)
    verdict = judge_overhead(rounds, tolerance=args.tolerance, confidence=args.confidence)
    print(
        f"median paired harness/bare ratio {verdict.ratio:.3f}, "
        f"{verdict.confidence:.0%} interval {verdict.low:.3f}-{verdict.high:.3f} "
        f"({verdict.pairs} burst pairs in {verdict.rounds} trials)"
    )
    band = f"1 +/- {args.tolerance:.0%}"
    if verdict.outcome == WITHIN:
        print(f"within tolerance: the whole interval is inside {band}")
    elif verdict.outcome == INCONCLUSIVE:
        print(f"inconclusive: the interval reaches past {band}; more --trials narrow it")
    else:
        print(f"outside tolerance: the whole interval is outside {band}")
    return verdict.exit_code


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench selfcheck``."""
    parser = verbs.add_parser(
        "selfcheck",
        help="measure the harness's own overhead (paired against a bare call)",
        description=(
            "Time pyjwt HS256 sign (prepared key) through the full harness and as a bare "
            "jwt.encode loop, interleaved in ~5 ms bursts (harness, bare, bare, harness, "
            "...), so each pair ran at the same machine speed. Reports the median paired "
            "harness/bare ratio with a bootstrap interval; exits 1 only when the whole "
            "interval lies outside 1 +/- tolerance (an interval straddling it is "
            "inconclusive, exit 0)."
        ),
    )
    parser.add_argument(
        "--trials", type=int, default=9, help="harness runs, each a round of bursts (default 9)"
    )
    parser.add_argument(
        "--bursts",
        type=int,
        default=DEFAULT_BURSTS,
        help=f"burst pairs per trial (default {DEFAULT_BURSTS}; rounded up to even)",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.05,
        help="allowed distance of the ratio from 1 (default 0.05, i.e. +/-5%%)",
    )
    parser.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        help="confidence of the bootstrap interval (default 0.95)",
    )
    parser.set_defaults(func=cmd_selfcheck)
