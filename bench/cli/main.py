"""``jwtbench`` command line: parses arguments, one ``cmd_<verb>`` function per verb.

Each verb is a plain function taking the parsed namespace and returning an exit
code, so tests call them directly. Errors the user can fix (an unknown
algorithm, an unreadable results file) are printed as one line, exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from jwtbench.adapters import ADAPTERS
from jwtbench.adapters.base import JWS_ALGS
from jwtbench.measure.matrix import PROFILES, adapter_or_reason
from jwtbench.model.cell import ALL_OPS
from jwtbench.model.errors import UsageError, UserError
from jwtbench.model.results import load_results
from jwtbench.model.selection import split_names


def report_dir_for(results_path: Path) -> Path:
    """Charts and report of ``results/<id>/<run>.json`` go to ``results/<id>/<run>/``."""
    return results_path.with_suffix("")


def cmd_run(args: argparse.Namespace) -> int:
    """Measure the matrix, save the results file, then draw its report."""
    from jwtbench.measure.runner import run

    profile = "quick" if args.quick else args.profile
    if args.passes is not None and args.passes < 1:
        raise UsageError(f"--passes must be at least 1, got {args.passes}")
    outcome = run(
        profile,
        adapters=split_names(args.adapters),
        algs=split_names(args.algs),
        encs=split_names(args.encs),
        ops=split_names(args.ops),
        key_modes=split_names(args.key_modes),
        payloads=split_names(args.payloads),
        label=args.label,
        results_dir=Path(args.results_dir),
        output=Path(args.output) if args.output else None,
        passes=args.passes,
        interop=not args.no_interop,
        slowdown=_slowdown(args.inject_slowdown),
    )
    print(f"results: {outcome.path}")
    if not args.no_report:
        report = _write_report(outcome.path)
        print(f"report:  {report}")
    broken = outcome.counts.get("invalid", 0) + outcome.counts.get("error", 0)
    if outcome.interrupted:
        return 130
    return 1 if broken and args.strict else 0


def _slowdown(value: str | None) -> tuple[str, float] | None:
    """``ADAPTER=FACTOR`` of ``--inject-slowdown``, checked."""
    if not value:
        return None
    name, _, factor = value.partition("=")
    if name not in ADAPTERS:
        raise UsageError(f"--inject-slowdown: unknown adapter {name!r}")
    try:
        amount = float(factor)
    except ValueError:
        raise UsageError(f"--inject-slowdown wants ADAPTER=FACTOR, got {value!r}") from None
    if not amount >= 0:
        raise UsageError(f"--inject-slowdown: FACTOR must be >= 0, got {factor!r}")
    return name, amount


def _write_report(results_path: Path) -> Path:
    from jwtbench.present.report import write_report

    return write_report(load_results(results_path), report_dir_for(results_path))


def cmd_report(args: argparse.Namespace) -> int:
    """(Re)draw charts and the Markdown report from a saved file; runs nothing."""
    path = Path(args.results)
    results = load_results(path)
    from jwtbench.present.report import write_report

    out = write_report(results, Path(args.out) if args.out else report_dir_for(path))
    print(f"report: {out}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Adapters, versions and the declared capability matrix."""
    names = list(ADAPTERS)
    width = max(len(alg) for alg in JWS_ALGS)
    print(f"{'adapter':<12} {'version':<10} {'backend':<13} status")
    for name in names:
        adapter = adapter_or_reason(name)
        if isinstance(adapter, str):
            print(f"{name:<12} {'-':<10} {'-':<13} unavailable: {adapter}")
        else:
            print(f"{name:<12} {adapter.version:<10} {adapter.backend:<13} available")
    print()
    print(f"{'JWS':<{width}}  " + "  ".join(f"{n:^11}" for n in names))
    for alg in JWS_ALGS:
        marks = []
        for name in names:
            adapter = adapter_or_reason(name)
            mark = "?" if isinstance(adapter, str) else ("yes" if alg in adapter.jws_algs else "-")
            marks.append(f"{mark:^11}")
        print(f"{alg:<{width}}  " + "  ".join(marks))
    print()
    for profile in PROFILES.values():
        print(f"profile {profile.name}: {profile.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jwtbench",
        description="Benchmark and conformance harness for Python JOSE/JWT libraries.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    run = verbs.add_parser("run", help="measure the matrix and write results, charts, report")
    run.add_argument("--quick", action="store_true", help="the quick profile (the default)")
    run.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    run.add_argument("--adapters", help=f"comma-separated, from: {', '.join(ADAPTERS)}")
    run.add_argument("--algs", help="comma-separated JWS and/or JWE algorithms (default: all)")
    run.add_argument("--encs", help="comma-separated JWE content encryptions (default: all)")
    run.add_argument("--ops", help=f"comma-separated ops: {', '.join(ALL_OPS)} (default: all)")
    run.add_argument("--key-modes", help="comma-separated: prepared, raw")
    run.add_argument("--payloads", help="comma-separated: small, 1kb, 16kb")
    run.add_argument(
        "--passes",
        type=int,
        help="passes over the matrix, each timing every cell briefly (default: the "
        "profile's, 5); the spread between passes is what compare judges a change against",
    )
    run.add_argument("--no-interop", action="store_true", help="skip the producer x consumer grid")
    run.add_argument(
        "--inject-slowdown",
        metavar="ADAPTER=FACTOR",
        help="calibration only (jwtbench calibrate): make ADAPTER's sign/verify exactly "
        "1+FACTOR times as slow; recorded in the results file",
    )
    run.add_argument("--label", help="name part of the results file (default: profile)")
    run.add_argument("--results-dir", default="results", help="default: ./results")
    run.add_argument("--output", help="exact results file path (overrides --results-dir)")
    run.add_argument("--no-report", action="store_true", help="skip charts and report")
    run.add_argument(
        "--strict", action="store_true", help="exit 1 if any cell is invalid or errored"
    )
    run.set_defaults(func=cmd_run)

    report = verbs.add_parser("report", help="redraw charts and report from a results file")
    report.add_argument("results", help="a results JSON file written by 'jwtbench run'")
    report.add_argument("--out", help="output folder (default: beside the results file)")
    report.set_defaults(func=cmd_report)

    listing = verbs.add_parser("list", help="adapters, versions and capabilities")
    listing.set_defaults(func=cmd_list)

    # regression tracking: each module registers its own verb(s)
    from jwtbench.analysis import compare, history
    from jwtbench.cli import ab, calibrate, selfcheck
    from jwtbench.present import export

    for module in (compare, ab, history, export, calibrate, selfcheck):
        module.add_parser(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UserError as exc:
        print(f"jwtbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jwtbench: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
