"""``jwtbench ab``: the same selection under two requirement sets, in one job.

The verb only wires the rooms: ``jwtbench.measure.ab`` builds the envs, runs
the rounds (lockstep by default) and saves both sides;
``jwtbench.analysis.compare`` compares them (burst pair by burst pair for
lockstep rounds, run by run otherwise); its report prints and gates.
"""

from __future__ import annotations

import argparse
from pathlib import Path

# The comparison and its rendering, in one place (their home may move to present).
from jwtbench.analysis.compare import compare_results
from jwtbench.analysis.spread import RunSpread, disagreeing_runs
from jwtbench.cli.compare import add_verdict_options, report, report_counts, threshold_of
from jwtbench.envs.env import default_env_root
from jwtbench.measure.ab import AbPlan, run_ab
from jwtbench.measure.rounds import DEFAULT_ROUNDS, RunSelection
from jwtbench.model.results import Results, load_results
from jwtbench.present.fmt import format_seconds


def spread_warning(noisy: list[RunSpread], threshold: float) -> str:
    """The warning for runs of one side that disagree (``--no-interleave`` only)."""
    shown = "; ".join(
        f"{s.label} ({s.side} runs {format_seconds(s.fastest)}-{format_seconds(s.slowest)}, "
        f"{s.spread:.2f}x apart)"
        for s in noisy[:3]
    )
    more = f"; and {len(noisy) - 3} more" if len(noisy) > 3 else ""
    cells = f"{len(noisy)} cell{'' if len(noisy) == 1 else 's'}"
    return (
        f"runs of the same side disagree by more than {threshold:.0%} in {cells}: "
        f"{shown}{more}. The machine's speed changed during the A/B; the run-level test "
        "allows for it, so a change smaller than that spread needs more --rounds (or a "
        "quieter machine) to be flagged"
    )


def cmd_ab(args: argparse.Namespace) -> int:
    """Dependency A/B: build/reuse both envs, run rounds in lockstep, merge, compare."""
    selection = RunSelection.parse(
        "quick" if args.quick else args.profile,
        adapters=args.adapters,
        algs=args.algs,
        encs=args.encs,
        ops=args.ops,
        key_modes=args.key_modes,
        payloads=args.payloads,
    )
    plan = AbPlan.make(
        args.base,
        args.head,
        selection,
        rounds=args.rounds,
        interleave=not args.no_interleave,
        env_root=Path(args.env_dir).expanduser() if args.env_dir else default_env_root(),
        results_dir=Path(args.results_dir),
        installer=args.installer,
        rebuild=args.rebuild,
        harness_spec=args.harness,
        timer=args.timer,
    )
    outcome = run_ab(plan)
    results: dict[str, Results] = {side: load_results(p) for side, p in outcome.paths.items()}
    if plan.counts:
        print(f"ab: done in {outcome.seconds:.1f}s")
        return report_counts(results["base"], results["head"], args)
    args.threshold = threshold_of(args, counts=False)
    cmp = compare_results(
        results["base"], results["head"], threshold=args.threshold, alpha=args.alpha
    )
    if outcome.env_differences:
        cmp.warnings.append("the envs also differ in " + "; ".join(outcome.env_differences))
    noisy = [] if outcome.interleave else disagreeing_runs(results, args.threshold)
    if noisy:
        cmp.warnings.append(spread_warning(noisy, args.threshold))
    print(f"ab: done in {outcome.seconds:.1f}s")
    return report(cmp, args)


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench ab``."""
    from jwtbench.measure.matrix import PROFILES

    parser = verbs.add_parser(
        "ab",
        help="A/B two dependency sets in one job (isolated envs, lockstep rounds)",
        description=(
            "Measure the same selection under two requirement sets, each in its own "
            "cached virtualenv. Each round runs both sides at once in lockstep: pinned to "
            "one CPU, they take turns every ~5 ms burst, so each base burst has a head "
            "burst timed at the same machine speed, and the comparison is burst pair by "
            "burst pair. Requirement sets are space- or comma-separated pip specs, e.g. "
            '"pyjwt==2.10.1 cryptography==44.0.0".'
        ),
    )
    parser.add_argument("--base", required=True, metavar="REQS", help="the reference set")
    parser.add_argument("--head", required=True, metavar="REQS", help="the set to judge")
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"rounds (default {DEFAULT_ROUNDS}): each runs base and head once, in lockstep "
        "(with --no-interleave: one ordinary run per side)",
    )
    parser.add_argument("--quick", action="store_true", help="the quick profile (the default)")
    parser.add_argument(
        "--profile", choices=sorted(PROFILES), default="quick", help="the matrix profile"
    )
    parser.add_argument("--adapters", help="comma-separated adapters (default: all)")
    parser.add_argument("--algs", help="comma-separated JWS and/or JWE algorithms")
    parser.add_argument("--encs", help="comma-separated JWE content encryptions")
    parser.add_argument("--ops", help="comma-separated ops")
    parser.add_argument("--key-modes", help="comma-separated: prepared, raw")
    parser.add_argument("--payloads", help="comma-separated: small, 1kb, 16kb")
    parser.add_argument(
        "--no-interleave",
        action="store_true",
        help="no lockstep: all base runs, then all head runs, compared run by run "
        "(to see what lockstep buys)",
    )
    parser.add_argument(
        "--env-dir",
        help=f"where the envs are cached (default: {default_env_root()})",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the envs, even if cached")
    parser.add_argument(
        "--installer",
        choices=("auto", "uv", "pip"),
        default="auto",
        help="uv if on PATH (auto, the default), else python -m venv + pip",
    )
    parser.add_argument(
        "--harness",
        metavar="CHECKOUT|WHEEL|SPEC",
        help="where each env installs jwtbench from (default: this checkout, editable, or "
        "the source an installed copy was built from)",
    )
    parser.add_argument("--results-dir", default="results", help="default: ./results")
    parser.add_argument(
        "--timer",
        choices=("wall-clock", "instructions"),
        default="wall-clock",
        help="instructions: count each side's instructions per op under valgrind (one "
        "run per side, deterministic; regression = count up by more than --threshold, "
        "default 1%%) instead of lockstep timing",
    )
    add_verdict_options(parser)
    parser.set_defaults(func=cmd_ab)
