"""``jwtbench report``: (re)draw charts and the Markdown report from a saved results file.

Runs nothing; the output folder is checked before anything is drawn.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from jwtbench.model.errors import UsageError, UserError
from jwtbench.model.results import load_results


def report_dir_for(results_path: Path) -> Path:
    """Charts and report of ``results/<id>/<run>.json`` go to ``results/<id>/<run>/``."""
    return results_path.with_suffix("")


def write_report_for(results_path: Path, out_dir: Path | None = None) -> Path:
    """Draw the report of a results file into ``out_dir`` (default: beside it)."""
    out = out_dir or report_dir_for(results_path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"report folder {out} is an existing file; give a folder")
    results = load_results(results_path)
    from jwtbench.present.report import write_report  # matplotlib is only needed here

    try:
        return write_report(results, out)
    except OSError as exc:
        raise UserError(f"cannot write the report to {out}: {exc.strerror or exc}") from None


def cmd_report(args: argparse.Namespace) -> int:
    """(Re)draw charts and the Markdown report from a saved file; runs nothing."""
    out = write_report_for(Path(args.results), Path(args.out) if args.out else None)
    print(f"report: {out}")
    return 0


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench report``."""
    report = verbs.add_parser(
        "report",
        help="redraw charts and report from a results file",
        description="Draw the charts and the Markdown report of a results file written by "
        "'jwtbench run' (or merged by 'jwtbench ab'), without measuring anything.",
    )
    report.add_argument("results", help="a results JSON file written by 'jwtbench run'")
    report.add_argument(
        "--out", help="output folder, created if needed (default: beside the results file)"
    )
    report.set_defaults(func=cmd_report)
