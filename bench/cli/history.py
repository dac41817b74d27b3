"""``jwtbench history``: argparse and the verb (computing in analysis, drawing in present)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from jwtbench.analysis.history import cell_histories, load_runs
from jwtbench.cli.compare import alpha_arg, threshold_arg
from jwtbench.model.cell import PARAM_ORDER
from jwtbench.model.errors import UsageError
from jwtbench.model.results import machine_id
from jwtbench.present.history import draw_chart, render_history, render_runs


def _values(raw: Sequence[str] | None) -> list[str]:
    """Repeated and comma-separated option values, flattened."""
    return [v.strip() for item in raw or () for v in item.split(",") if v.strip()]


def cmd_history(args: argparse.Namespace) -> int:
    """List one machine's runs and the matching cells' medians over them."""
    machine = args.machine or machine_id()
    runs = load_runs(Path(args.results_dir), machine, labels=_values(args.label) or None)
    print(f"runs in {Path(args.results_dir) / machine} (oldest first):")
    print(render_runs(runs) if runs else "  none readable")
    filters = {name: _values(getattr(args, name)) for name in PARAM_ORDER}
    histories = cell_histories(runs, filters, threshold=args.threshold, alpha=args.alpha)
    if not histories:
        wanted = ", ".join(f"{k}={','.join(v)}" for k, v in filters.items() if v) or "any"
        raise UsageError(f"no measured cell matches {wanted} in {len(runs)} readable runs")
    print()
    print(render_history(runs, histories))
    if args.chart:
        print(f"chart: {draw_chart(histories, Path(args.chart))}")
    return 0


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench history``."""
    parser = verbs.add_parser(
        "history",
        help="a machine's saved runs and how matching cells moved across them",
        description=(
            "List the saved runs of one machine (oldest first) and, for each measured cell "
            "matching the filters, its median per run judged against its previous run by "
            "the rule of 'jwtbench compare PREVIOUS RUN'. Filters repeat or take "
            "comma-separated values."
        ),
    )
    parser.add_argument("--results-dir", default="results", help="default: ./results")
    parser.add_argument("--machine", help="machine id folder (default: this machine's)")
    for name in PARAM_ORDER:
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            action="append",
            help=f"only cells with this {name} (repeatable, comma-separated)",
        )
    parser.add_argument("--label", action="append", help="only runs with this label")
    parser.add_argument("--chart", metavar="OUT.png", help="draw ops/s over time to this PNG")
    parser.add_argument(
        "--threshold", type=threshold_arg, default=0.10, help="as for compare (default 0.10)"
    )
    parser.add_argument(
        "--alpha", type=alpha_arg, default=0.01, help="as for compare (default 0.01)"
    )
    parser.set_defaults(func=cmd_history)
