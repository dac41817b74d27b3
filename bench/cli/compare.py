"""``jwtbench compare``: argparse, the verb, and the verdict options ``jwtbench ab`` shares.

The comparison is ``jwtbench.analysis.compare``; the tables are
``jwtbench.present.compare``. Exit 1 on a regression so CI can gate on it.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from jwtbench.analysis.compare import Comparison, compare_results
from jwtbench.model.results import load_results
from jwtbench.present.compare import render_markdown, render_terminal

FAIL_ON = ("regression", "never")


def threshold_arg(text: str) -> float:
    """argparse type: a relative threshold > 0 (``0.10`` = 10%)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"must be > 0 (0.10 means 10%), got {text}")
    return value


def alpha_arg(text: str) -> float:
    """argparse type: a significance level in (0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def add_verdict_options(parser: argparse.ArgumentParser) -> None:
    """--threshold, --alpha, --fail-on and --markdown (shared with ``ab``)."""
    parser.add_argument(
        "--threshold",
        type=threshold_arg,
        default=0.10,
        help="smallest slowdown that counts, relative (default 0.10 = 10%%)",
    )
    parser.add_argument(
        "--alpha", type=alpha_arg, default=0.01, help="significance level (default 0.01)"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="regression",
        help="exit 1 on a regression (default) or never",
    )
    parser.add_argument("--markdown", metavar="OUT.md", help="also write a Markdown summary")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="list every cell measured on one side only (default: a summary)",
    )


def report(cmp: Comparison, args: argparse.Namespace) -> int:
    """Print the table, write the Markdown if asked; the exit code per ``--fail-on``."""
    print(render_terminal(cmp, verbose=getattr(args, "verbose", False)), end="")
    if args.markdown:
        out = Path(args.markdown)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_markdown(cmp), encoding="utf-8")
        print(f"markdown: {out}")
    return 1 if args.fail_on == "regression" and cmp.has_regression() else 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare saved results files; exit 1 on a regression unless ``--fail-on never``."""
    base = [load_results(path) for path in [args.base, *(args.base_extra or [])]]
    head = [load_results(path) for path in [args.head, *(args.head_extra or [])]]
    cmp = compare_results(base, head, threshold=args.threshold, alpha=args.alpha)
    return report(cmp, args)


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench compare``."""
    parser = verbs.add_parser(
        "compare",
        help="compare two results files cell by cell (exit 1 on a regression)",
        description=(
            "Compare NEW against BASE cell by cell: a cell regresses when its median time "
            "grows by more than --threshold and the change is significant (p-values "
            "Holm-adjusted across cells, bootstrap CI of the ratio). Every results file is "
            "one run (a file merged by 'jwtbench ab' holds several). With two or more runs "
            "per side a cell is judged by how much its runs disagree (Welch t-test on "
            "per-run medians); with one run per side the comparison cannot separate "
            "machine drift from a code change and a stricter rule applies. Also reports "
            "token size and status changes and cells present on one side only."
        ),
        epilog=(
            "Several runs per side: jwtbench compare base1.json head1.json "
            "--base-extra base2.json base3.json --head-extra head2.json head3.json "
            "(or use 'jwtbench ab', which interleaves the runs)."
        ),
    )
    parser.add_argument("base", metavar="BASE.json", help="the reference results file")
    parser.add_argument("head", metavar="NEW.json", help="the results file to judge")
    parser.add_argument(
        "--base-extra",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="more runs of the reference (results files of the same selection), pooled with BASE",
    )
    parser.add_argument(
        "--head-extra",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="more runs of the head, pooled with NEW",
    )
    add_verdict_options(parser)
    parser.set_defaults(func=cmd_compare)
