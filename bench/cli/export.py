"""``jwtbench export``: argparse and the verb; the formats are ``jwtbench.present.export``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jwtbench.model.results import load_results
from jwtbench.present.export import FORMATS, export


def cmd_export(args: argparse.Namespace) -> int:
    """Write the export to ``--out`` or stdout."""
    text = export(load_results(args.results), args.format)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8", newline="")
        print(f"{args.format}: {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench export``."""
    parser = verbs.add_parser(
        "export",
        help="export a results file as CSV or github-action-benchmark JSON",
        description=(
            "csv: one row per matrix cell, every status; github-action-benchmark: its "
            "customBiggerIsBetter JSON (ops/s per ok cell)."
        ),
    )
    parser.add_argument("results", metavar="RESULTS.json", help="a results file")
    parser.add_argument("--format", choices=FORMATS, required=True, help="the output format")
    parser.add_argument("--out", help="output file (default: stdout)")
    parser.set_defaults(func=cmd_export)
