"""Render ``jwtbench history``: the run list, per-cell tables and the throughput chart.

Reads what ``jwtbench.analysis.history`` computed (points and their steps);
decides nothing. The chart's y axis starts at 0 so a 4% move looks like 4%,
and every x tick carries its full date and time (UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jwtbench.analysis.compare import version_differences
from jwtbench.analysis.history import Point, Run, regressed
from jwtbench.analysis.stats import REGRESSION
from jwtbench.model.cell import CellKey, cell_label
from jwtbench.present.fmt import format_ci, format_p, format_ratio, format_seconds

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: One fixed tick format: a date and a time on every tick, never a bare "55".
TICK_FORMAT = "%Y-%m-%d\n%H:%M"


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


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


def _step_text(point: Point) -> str:
    if point.step is None:
        return ""
    s = point.step
    verdict = s.verdict.upper() if s.verdict == REGRESSION else s.verdict
    return (
        f"{format_ratio(s.ratio)} {format_ci(s.ci_low, s.ci_high)} p{_p_text(s.p_value)} {verdict}"
    )


def render_history(runs: Sequence[Run], histories: Mapping[CellKey, Sequence[Point]]) -> str:
    """Per cell: median, ops/s, rounds and library version per run, and each step's verdict."""
    index = {run.path: i for i, run in enumerate(runs, start=1)}
    blocks = []
    header = ["run", "started (UTC)", "median", "ops/s", "rounds", "version", "vs previous"]
    for points in histories.values():
        rows = [
            [
                str(index[point.run.path]),
                _stamp(point.run.when),
                format_seconds(point.row.median),
                f"{point.row.ops:,.0f}",
                str(point.row.rounds),
                str(point.row.extra_info.get("library_version", "-")),
                _step_text(point),
            ]
            for point in points
        ]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        title = cell_label(points[0].row.params)
        table = [_line(r, widths, right={0, 2, 3, 4}) for r in [header, *rows]]
        blocks.append("\n".join([title, *("  " + t for t in table)]))
    return "\n\n".join(blocks)


def chart_figure(histories: Mapping[CellKey, Sequence[Point]]) -> Figure:
    """ops/s over run start time, one line per cell; regressions as red rings; y from 0."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(11, 5.5), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    flagged = False
    for points in histories.values():
        xs = [float(mdates.date2num(p.run.when)) for p in points]  # type: ignore[no-untyped-call]
        ys = [p.row.ops for p in points]
        ax.plot(
            xs,
            ys,
            marker="o",
            markersize=3.5,
            linewidth=1.4,
            label=cell_label(points[0].row.params),
        )
        bad = [(x, p.row.ops) for x, p in zip(xs, points, strict=True) if regressed(p)]
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
    # A linear axis from 0: a 4% move must look like 4%, not like a cliff.
    ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1], 1e-9))
    ax.xaxis_date(tz=dt.UTC)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(tz=dt.UTC, maxticks=8))  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(mdates.DateFormatter(TICK_FORMAT, tz=dt.UTC))  # type: ignore[no-untyped-call]
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
    return fig


def draw_chart(histories: Mapping[CellKey, Sequence[Point]], out: Path) -> Path:
    """The chart of :func:`chart_figure`, saved as ``out`` (a PNG)."""
    fig = chart_figure(histories)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out
