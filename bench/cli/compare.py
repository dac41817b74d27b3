"""``jwtbench compare``: argparse, the verb, and the verdict options ``jwtbench ab`` shares.

The comparison is ``jwtbench.analysis.compare``; the tables are
``jwtbench.present.compare``. Exit 1 on a regression so CI can gate on it.

Paired ratios are the default when both files store them (a run that timed
each group interleaved): library cells are then judged on their paired x over
floor (``jwtbench.analysis.paired``), which the machine's drift between two
runs cannot move, and the floor's own change is shown apart. ``--unpaired``
asks for the absolute comparison; ``--paired-ratios`` insists on the paired
one (an error if a file lacks the fields). The output says which it is.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

from jwtbench.analysis.compare import Comparison, compare_results
from jwtbench.analysis.compare_counts import DEFAULT_THRESHOLD as COUNTS_THRESHOLD
from jwtbench.analysis.compare_counts import check_same_kind, compare_counts
from jwtbench.analysis.paired import PairedComparison, compare_paired, has_paired
from jwtbench.model.errors import UsageError
from jwtbench.model.results import Results, load_results
from jwtbench.present.compare import render_markdown, render_terminal
from jwtbench.present.compare_counts import render_counts_markdown, render_counts_terminal
from jwtbench.present.compare_paired import render_paired_markdown, render_paired_terminal

FAIL_ON = ("regression", "never")
#: ``--threshold``'s default for times.
TIMES_THRESHOLD = 0.10


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
        default=None,
        help="smallest slowdown that counts, relative (default 0.10 = 10%%; for "
        "instruction counts 0.01 = 1%%)",
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


#: Why the comparison is not paired, printed first when it could have been asked for.
UNPAIRED_WHY = {
    "extra": "several files per side (--base-extra/--head-extra) are compared on absolute times",
    "fields": "a file stores no paired ratios (extra_info.over_floor): absolute times compared",
    "asked": "--unpaired: absolute times compared (machine drift between the runs included)",
}


def pairing(args: argparse.Namespace, base: Sequence[Results], head: Sequence[Results]) -> str:
    """``"paired"``, or why not (a key of ``UNPAIRED_WHY``); UsageError when it cannot be."""
    both = has_paired(base[0]) and has_paired(head[0])
    extra = len(base) > 1 or len(head) > 1
    if getattr(args, "paired_ratios", None) is False:
        return "asked"
    if args.paired_ratios:
        if not both:
            missing = [r for r in (base[0], head[0]) if not has_paired(r)]
            names = ", ".join(str(r.path or "results") for r in missing)
            raise UsageError(
                f"--paired-ratios: no paired ratios (extra_info.over_floor) in {names}"
            )
        if extra:
            raise UsageError(
                "--paired-ratios compares one file per side (no --base-extra/--head-extra)"
            )
        return "paired"
    if not both:
        return "fields"
    return "extra" if extra else "paired"


def report_paired(pc: PairedComparison, cmp: Comparison, args: argparse.Namespace) -> int:
    """The paired view: printed, Markdown if asked; exit 1 on a paired regression or a break."""
    print(render_paired_terminal(pc, cmp, verbose=getattr(args, "verbose", False)), end="")
    if args.markdown:
        out = Path(args.markdown)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_paired_markdown(pc, cmp), encoding="utf-8")
        print(f"markdown: {out}")
    failing = bool(pc.regressions or cmp.broken)
    return 1 if args.fail_on == "regression" and failing else 0


def threshold_of(args: argparse.Namespace, counts: bool) -> float:
    """``--threshold``, else 1% for instruction counts and 10% for times."""
    if args.threshold is not None:
        return float(args.threshold)
    return COUNTS_THRESHOLD if counts else TIMES_THRESHOLD


def report_counts(base: Results, head: Results, args: argparse.Namespace) -> int:
    """Instruction counts: a plain threshold (no noise, no p-value); exit 1 on a regression."""
    cmp = compare_counts(base, head, threshold=threshold_of(args, counts=True))
    print(render_counts_terminal(cmp), end="")
    if args.markdown:
        out = Path(args.markdown)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_counts_markdown(cmp), encoding="utf-8")
        print(f"markdown: {out}")
    return 1 if args.fail_on == "regression" and cmp.has_regression() else 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare saved results files; exit 1 on a regression unless ``--fail-on never``."""
    base = [load_results(path) for path in [args.base, *(args.base_extra or [])]]
    head = [load_results(path) for path in [args.head, *(args.head_extra or [])]]
    if check_same_kind(base[0], head[0]):
        if len(base) > 1 or len(head) > 1:
            raise UsageError("instruction counts compare one file per side (no --*-extra)")
        return report_counts(base[0], head[0], args)
    args.threshold = threshold_of(args, counts=False)
    mode = pairing(args, base, head)
    paired = mode == "paired"  # its own ratios judge the cells: no absolute timing verdicts
    cmp = compare_results(
        base, head, threshold=args.threshold, alpha=args.alpha, timings=not paired
    )
    if paired:
        pc = compare_paired(base[0], head[0], threshold=args.threshold)
        return report_paired(pc, cmp, args)
    if mode != "fields" or has_paired(base[0]) or has_paired(head[0]):
        print(f"mode: unpaired: {UNPAIRED_WHY[mode]}")
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
    pairing_group = parser.add_mutually_exclusive_group()
    pairing_group.add_argument(
        "--paired-ratios",
        dest="paired_ratios",
        action="store_true",
        default=None,
        help="judge library cells on their paired x over floor (the default when both files "
        "store it); an error if one does not",
    )
    pairing_group.add_argument(
        "--unpaired",
        dest="paired_ratios",
        action="store_false",
        help="judge every cell on its absolute times, even when both files store paired ratios",
    )
    add_verdict_options(parser)
    parser.set_defaults(func=cmd_compare)
