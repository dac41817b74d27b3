"""How a cell's speed moved across the saved runs of one machine.

``jwtbench history`` lists the runs under ``results/<machine-id>/`` (oldest
first; a file it cannot read is named in a warning and skipped, the others are
used), then for every measured cell matching the filters prints its median per
run with each step compared to the cell's previous run by
``jwtbench.analysis.stats.compare_samples`` (a regression needs a material *and*
significant change, as in ``jwtbench compare``). ``--chart`` draws ops/s
over the run timestamps, one line per cell, regressions as red markers.

Only one machine's runs are compared: absolute times do not carry over
between machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jwtbench.analysis.compare import (
    CellKey,
    alpha_arg,
    cell_label,
    format_ci,
    format_p,
    format_ratio,
    format_seconds,
    measured_rows,
    threshold_arg,
    version_differences,
)
from jwtbench.analysis.stats import REGRESSION, CellComparison, compare_samples
from jwtbench.model.results import Results, ResultsError, Row, list_runs, load_results, machine_id

#: Filter options: command-line flag -> params name.
FILTERS = {
    "adapter": "adapter",
    "alg": "alg",
    "enc": "enc",
    "sig_alg": "sig_alg",
    "op": "op",
    "key_mode": "key_mode",
    "payload": "payload",
}
_STAMP = re.compile(r"^(\d{8}T\d{6}Z)_")
Warn = Callable[[str], None]


def _warn(message: str) -> None:
    print(f"jwtbench: warning: {message}", file=sys.stderr)


@dataclass(frozen=True)
class Run:
    """One saved, readable run."""

    path: Path
    results: Results
    when: dt.datetime  # when it started (UTC)

    @property
    def label(self) -> str:
        return str(self.results.meta.get("label") or "")


@dataclass(frozen=True)
class Point:
    """A cell's number in one run, and how it compares to its previous run."""

    run: Run
    row: Row
    step: CellComparison | None  # None for the cell's first run


def run_time(results: Results, path: Path) -> dt.datetime:
    """The run's start: ``jwtbench.started``, else the file name's stamp, else its mtime."""
    started = results.meta.get("started")
    if isinstance(started, str):
        try:
            when = dt.datetime.fromisoformat(started)
            return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
        except ValueError:
            pass
    match = _STAMP.match(path.name)
    if match:
        return dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(
            tzinfo=dt.timezone.utc
        )
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)


def load_runs(
    results_dir: Path,
    machine: str,
    *,
    labels: Sequence[str] | None = None,
    warn: Warn = _warn,
) -> list[Run]:
    """The readable runs of ``machine``, oldest first; unreadable files are warned about."""
    folder = results_dir / machine
    paths = [p for p in list_runs(results_dir) if p.parent.name == machine]
    if not paths:
        machines = sorted({p.parent.name for p in list_runs(results_dir)})
        known = f"; runs exist for: {', '.join(machines)}" if machines else ""
        raise ResultsError(f"{folder}: no saved runs{known}")
    runs = []
    for path in paths:
        try:
            results = load_results(path)
        except ResultsError as exc:
            warn(f"skipping {exc}")
            continue
        run = Run(path, results, run_time(results, path))
        if labels and run.label not in labels:
            continue
        runs.append(run)
    return sorted(runs, key=lambda r: (r.when, r.path.name))


def matches(params: Mapping[str, str], filters: Mapping[str, Sequence[str]]) -> bool:
    """Every filter with values names this cell's value of that param."""
    return all(params.get(name) in values for name, values in filters.items() if values)


def cell_histories(
    runs: Sequence[Run],
    filters: Mapping[str, Sequence[str]],
    *,
    threshold: float = 0.10,
    alpha: float = 0.01,
) -> dict[CellKey, list[Point]]:
    """Per matching cell (in first-seen order), its points, each compared to the previous."""
    out: dict[CellKey, list[Point]] = {}
    for run in runs:
        for key, row in measured_rows(run.results).items():
            if not matches(row.params, filters):
                continue
            points = out.setdefault(key, [])
            step = None
            if points:
                previous = points[-1].row.data
                step = compare_samples(previous, row.data, threshold=threshold, alpha=alpha)
            points.append(Point(run, row, step))
    return out


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


def render_runs(runs: Sequence[Run]) -> str:
    """The run list, with the tracked versions that changed since the previous run."""
    lines = []
    for index, run in enumerate(runs, start=1):
        ok = run.results.status_counts().get("ok", 0)
        line = f"{index:>4}  {_stamp(run.when)}  {run.path.name}  {ok} ok"
        if index > 1:
            changed = version_differences(runs[index - 2].results, run.results)
            if changed:
                line += "  (" + ", ".join(changed) + ")"
        lines.append(line)
    return "\n".join(lines)


def _p_text(p_value: float) -> str:
    text = format_p(p_value)
    return text if text.startswith("<") else f"={text}"


def _line(cells: Sequence[str], widths: Sequence[int], right: set[int]) -> str:
    return "  ".join(
        c.rjust(w) if i in right else c.ljust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    ).rstrip()


def render_history(runs: Sequence[Run], histories: Mapping[CellKey, Sequence[Point]]) -> str:
    """Per cell: median, ops/s, rounds and library version per run, and each step's verdict."""
    index = {run.path: i for i, run in enumerate(runs, start=1)}
    blocks = []
    for points in histories.values():
        header = ["run", "started (UTC)", "median", "ops/s", "rounds", "version", "vs previous"]
        rows = []
        for point in points:
            step = ""
            if point.step is not None:
                s = point.step
                verdict = s.verdict.upper() if s.verdict == REGRESSION else s.verdict
                step = (
                    f"{format_ratio(s.ratio)} {format_ci(s.ci_low, s.ci_high)} "
                    f"p{_p_text(s.p_value)} {verdict}"
                )
            rows.append(
                [
                    str(index[point.run.path]),
                    _stamp(point.run.when),
                    format_seconds(point.row.median),
                    f"{point.row.ops:,.0f}",
                    str(point.row.rounds),
                    str(point.row.extra_info.get("library_version", "-")),
                    step,
                ]
            )
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        title = cell_label(points[0].row.params)
        table = [_line(r, widths, right={0, 2, 3, 4}) for r in [header, *rows]]
        blocks.append("\n".join([title, *("  " + t for t in table)]))
    return "\n\n".join(blocks)


def draw_chart(histories: Mapping[CellKey, Sequence[Point]], out: Path) -> Path:
    """ops/s over run start time, one line per cell; regressions as red markers."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(11, 5.5), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    flagged = False
    all_ops: list[float] = []
    for points in histories.values():
        xs = [float(mdates.date2num(p.run.when)) for p in points]  # type: ignore[no-untyped-call]
        ys = [p.row.ops for p in points]
        all_ops += ys
        label = cell_label(points[0].row.params)
        ax.plot(xs, ys, marker="o", markersize=3.5, linewidth=1.4, label=label)
        bad = [(x, p.row.ops) for x, p in zip(xs, points, strict=True) if _regressed(p)]
        if bad:
            flagged = True
            ax.scatter(
                [x for x, _ in bad],
                [y for _, y in bad],
                s=90,
                facecolors="none",
                edgecolors="red",
                linewidths=2,
                zorder=5,
            )
    if all_ops and max(all_ops) / max(min(all_ops), 1e-12) > 20:
        ax.set_yscale("log")
    ax.xaxis_date(tz=dt.timezone.utc)
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_xlabel("run started (UTC)")
    ax.set_ylabel("operations per second (1 / median)")
    ax.set_title("jwtbench history: throughput per cell")
    ax.grid(True, which="major", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if flagged:
        marker = Line2D([], [], marker="o", linestyle="none", markerfacecolor="none")
        marker.set_markeredgecolor("red")
        marker.set_markeredgewidth(2)
        marker.set_markersize(9)
        handles.append(marker)
        labels.append("regression vs previous run")
    ax.legend(
        handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out


def _regressed(point: Point) -> bool:
    return point.step is not None and point.step.verdict == REGRESSION


def _values(raw: Sequence[str] | None) -> list[str]:
    """Repeated and comma-separated option values, flattened."""
    return [v.strip() for item in raw or () for v in item.split(",") if v.strip()]


def cmd_history(args: argparse.Namespace) -> int:
    """List one machine's runs and the matching cells' medians over them."""
    from jwtbench.model.errors import UsageError

    machine = args.machine or machine_id()
    runs = load_runs(Path(args.results_dir), machine, labels=_values(args.label) or None)
    print(f"runs in {Path(args.results_dir) / machine} (oldest first):")
    print(render_runs(runs) if runs else "  none readable")
    filters = {name: _values(getattr(args, flag)) for flag, name in FILTERS.items()}
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
            "matching the filters, its median per run compared with its previous run. "
            "Filters repeat or take comma-separated values."
        ),
    )
    parser.add_argument("--results-dir", default="results", help="default: ./results")
    parser.add_argument("--machine", help="machine id folder (default: this machine's)")
    for flag in FILTERS:
        parser.add_argument(f"--{flag.replace('_', '-')}", dest=flag, action="append")
    parser.add_argument("--label", action="append", help="only runs with this label")
    parser.add_argument("--chart", metavar="OUT.png", help="draw ops/s over time to this PNG")
    parser.add_argument(
        "--threshold", type=threshold_arg, default=0.10, help="as for compare (default 0.10)"
    )
    parser.add_argument(
        "--alpha", type=alpha_arg, default=0.01, help="as for compare (default 0.01)"
    )
    parser.set_defaults(func=cmd_history)
