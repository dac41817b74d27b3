"""The JWS charts: throughput per algorithm, token size, and the x-over-floor heatmap.

Each reads ``jwtbench.analysis.views.JwsView``; algorithms are in ``JWS_ALGS``
order; a cell without a usable number (unsupported, invalid, error) is left
empty (the heatmap prints its status). Throughput bars carry whiskers, the 95%
interval of the cell's ops/s (``intervals.ops_interval``: from its bursts,
else its passes, else its rounds, as the subtitle says); the heatmap prints a
paired ratio's interval under it and outlines (dashed) a cell whose interval
includes 1.0x; an unpaired heatmap says it is unpaired in its title.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from jwtbench.analysis.intervals import ops_interval, time_interval
from jwtbench.analysis.views import LIMIT, Group, JwsView, jws_view
from jwtbench.model.cell import FAILED_STATUSES
from jwtbench.model.results import Results
from jwtbench.present.charts.common import (
    EMPTY_NOTE,
    NEUTRAL,
    adapter_colour,
    legend_label,
    log_ops_axis,
    save,
    titles,
)
from jwtbench.present.fmt import fmt_paired, fmt_ratio, fmt_status
from jwtbench.present.names import CHART_OVER_FLOOR, CHART_THROUGHPUT, CHART_TOKEN_SIZE


# -- throughput ---------------------------------------------------------------
def _whisker_note(view: JwsView, group: Group) -> str:
    """What the whiskers are drawn from (the most common source among the group's rows)."""
    sources = [
        found[1]
        for cell in view.timed()
        if (cell.op, cell.key_mode, cell.payload) == group
        and (found := time_interval(view.rows[cell]))
    ]
    if not sources:
        return ""
    source = max(set(sources), key=sources.count)
    caveat = "; within one pass only, drift not included" if source == "rounds" else ""
    return f"whiskers: 95% interval of the median, from its {source}{caveat}"


def _throughput_figure(view: JwsView, group: Group) -> Figure | None:
    algs, adapters = view.algs, view.drawn
    width = 0.8 / len(adapters)
    fig = Figure(figsize=(max(9.0, 0.85 * len(algs) + 4.0), 6.0), layout="constrained")
    ax = fig.add_subplot()
    values: list[float] = []
    for i, adapter in enumerate(adapters):
        xs, heights, below, above = [], [], [], []
        for j, alg in enumerate(algs):
            row = view.row(group.cell(adapter, alg))
            if row is not None:
                xs.append(j + (i - (len(adapters) - 1) / 2) * width)
                heights.append(row.ops)
                found = ops_interval(row)
                below.append(row.ops - found.low if found else 0.0)
                above.append(found.high - row.ops if found else 0.0)
                values += [row.ops - below[-1], row.ops + above[-1]]
        ax.bar(
            xs,
            heights,
            width,
            color=adapter_colour(view, adapter),
            label=legend_label(view, adapter),
            edgecolor="white",
            linewidth=0.4,
            yerr=[below, above] if xs else None,
            hatch="//" if adapter == LIMIT else None,  # the limit is no library: drawn apart
            error_kw={"ecolor": "#222222", "elinewidth": 0.9, "capsize": 2.0},
        )
    if not values:
        return None
    log_ops_axis(ax, min(values), max(values))
    ax.set_xticks(range(len(algs)), algs, rotation=30, ha="right")
    ax.set_xlim(-0.6, len(algs) - 0.4)
    ax.set_xlabel("algorithm")
    notes = "; ".join(n for n in ("higher is better", _whisker_note(view, group)) if n)
    empty = "; ".join(n for n in (EMPTY_NOTE, view.not_drawn()) if n)
    titles(
        fig,
        ax,
        f"{group.op} throughput: {group.key_mode} key, {group.payload} payload",
        f"{notes}\n{empty}",
    )
    ax.legend(title="library", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def throughput_charts(
    results: Results, out_dir: Path, key_modes: Sequence[str] | None = None
) -> list[Path]:
    """Ops/s per algorithm, grouped by library: one chart per (op, key mode), main payload."""
    view = jws_view(results)
    payload = view.main_payload
    written = []
    for group in view.groups:
        if group.payload != payload or (key_modes and group.key_mode not in key_modes):
            continue
        fig = _throughput_figure(view, group)
        if fig is not None:
            name = f"{CHART_THROUGHPUT}_{group.op}_{group.key_mode}_{group.payload}.png"
            written.append(save(fig, out_dir / name))
    return written


# -- token size ---------------------------------------------------------------
def _token_figure(view: JwsView, payload: str) -> Figure | None:
    sizes = view.token_sizes(payload)
    if not sizes:
        return None
    algs = list(sizes)
    fig = Figure(figsize=(max(8.0, 0.8 * len(algs) + 3.0), 5.0), layout="constrained")
    ax = fig.add_subplot()
    if all(len(set(per.values())) == 1 for per in sizes.values()):
        heights = [next(iter(sizes[alg].values())) for alg in algs]
        bars = ax.bar(range(len(algs)), heights, 0.6, color=NEUTRAL)
        ax.bar_label(bars, labels=[f"{h:,}" for h in heights], padding=2, fontsize=9)
        note = "every library produced the same size"
    else:
        adapters = [a for a in view.adapters if any(a in per for per in sizes.values())]
        width = 0.8 / len(adapters)
        for i, adapter in enumerate(adapters):
            xs = [j + (i - (len(adapters) - 1) / 2) * width for j, alg in enumerate(algs)]
            hs = [sizes[alg].get(adapter, 0) for alg in algs]
            ax.bar(
                xs,
                hs,
                width,
                color=adapter_colour(view, adapter),
                label=legend_label(view, adapter),
            )
        ax.legend(title="library", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        note = "sizes differ between libraries (extra header fields)"
    ax.set_xticks(range(len(algs)), algs, rotation=30, ha="right")
    ax.set_xlabel("algorithm")
    ax.set_ylabel("token size (bytes)")
    ax.set_ylim(0, max(max(per.values()) for per in sizes.values()) * 1.12)
    ax.grid(axis="y", color="#dddddd")
    ax.set_axisbelow(True)
    titles(fig, ax, f"Compact JWS token size, {payload} payload", note)
    return fig


def token_size_chart(results: Results, out_dir: Path) -> list[Path]:
    """Token bytes per algorithm (sign cells, main payload); per library if they differ."""
    view = jws_view(results)
    payload = view.main_payload
    fig = _token_figure(view, payload) if payload else None
    if fig is None:
        return []
    return [save(fig, out_dir / f"{CHART_TOKEN_SIZE}_{payload}.png")]


# -- x over floor -------------------------------------------------------------
def _rows(view: JwsView) -> tuple[str, ...]:
    """The heatmap's rows: libraries with a number somewhere (an unavailable one has none)."""
    return tuple(a for a in view.libraries if a in view.drawn)


def _over_floor_grid(view: JwsView, group: Group) -> np.ndarray:
    grid = np.full((len(_rows(view)), len(view.algs)), np.nan)
    for i, library in enumerate(_rows(view)):
        for j, alg in enumerate(view.algs):
            ratio = view.over_floor(group.cell(library, alg))
            if ratio is not None:
                grid[i, j] = ratio
    return grid


def _annotate(ax: Axes, view: JwsView, group: Group, grid: np.ndarray, norm: LogNorm) -> None:
    for i, library in enumerate(_rows(view)):
        for j, alg in enumerate(view.algs):
            value = grid[i, j]
            cell = group.cell(library, alg)
            weight, size = "normal", 9.0
            if not np.isnan(value):
                interval = view.over_floor_interval(cell)
                text = fmt_ratio(float(value))
                if interval is not None:
                    text = fmt_paired(*interval[:3]).replace(" [", "\n[")
                    size = 7.5
                    if interval.includes(1.0):
                        _outline(ax, i, j)
                colour = "white" if float(norm(value)) > 0.6 else "black"
            elif view.status(cell) in FAILED_STATUSES:
                text, colour, weight = fmt_status(view.status(cell)), "#b00020", "bold"
            else:
                text, colour = fmt_status(view.status(cell)), "#666666"
            ax.text(j, i, text, ha="center", va="center", color=colour, weight=weight).set_fontsize(
                size
            )


def _outline(ax: Axes, row: int, column: int) -> None:
    """A dashed frame: this cell's interval includes 1.0x (no overhead this run can tell)."""
    frame = Rectangle(
        (column - 0.46, row - 0.44), 0.92, 0.88, fill=False, edgecolor="#1f4e9c",
        linewidth=1.6, linestyle=(0, (3, 2)),
    )  # fmt: skip
    ax.add_patch(frame)


def _over_floor_figure(view: JwsView, groups: Sequence[Group]) -> Figure | None:
    grids = [_over_floor_grid(view, g) for g in groups]
    finite = np.concatenate([g[np.isfinite(g)] for g in grids])
    if finite.size == 0:
        return None
    norm = LogNorm(vmin=min(1.0, float(finite.min())), vmax=max(2.0, float(finite.max())))
    cmap = colormaps["YlOrRd"].with_extremes(bad="#f0f0f0")
    libs, algs = _rows(view), view.algs
    paired = view.paired
    height = len(groups) * ((0.75 if paired else 0.5) * len(libs) + 1.3) + 1.0
    fig = Figure(figsize=(max(8.0, 0.85 * len(algs) + 3.5), height), layout="constrained")
    axes = fig.subplots(len(groups), 1, sharex=True, squeeze=False)[:, 0]
    for ax, group, grid in zip(axes, groups, grids, strict=True):
        ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="auto")
        _annotate(ax, view, group, grid, norm)
        ax.set_yticks(range(len(libs)), [legend_label(view, lib) for lib in libs])
        ax.set_title(group.op, loc="left", fontweight="bold")
    axes[-1].set_xticks(range(len(algs)), algs, rotation=30, ha="right")
    axes[-1].set_xlabel("algorithm")
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=list(axes))
    bar.set_label("x over floor (log scale; 1.0x = no overhead)")
    bar.ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}x"))
    bar.ax.yaxis.set_minor_locator(NullLocator())
    first = groups[0]
    how = (
        "paired, 95% interval under each ratio; dashed frame: the interval includes 1.0x"
        if paired
        else "UNPAIRED medians timed at different moments: no interval, drift included"
    )
    left = view.not_drawn(view.libraries)
    fig.suptitle(
        f"x over floor (library time / floor time): {first.key_mode} key, "
        f"{first.payload} payload; lower is better\n{how}" + (f"\n{left}" if left else ""),
        fontweight="bold",
    )
    return fig


def over_floor_charts(results: Results, out_dir: Path) -> list[Path]:
    """Heatmap of x over floor (libraries x algorithms, one panel per op) per key mode."""
    view = jws_view(results)
    payload = view.main_payload
    if not view.libraries:
        return []
    written = []
    for key_mode in view.key_modes:
        groups = [g for g in view.groups if g.key_mode == key_mode and g.payload == payload]
        fig = _over_floor_figure(view, groups) if groups else None
        if fig is not None:
            name = f"{CHART_OVER_FLOOR}_{key_mode}_{payload}.png"
            written.append(save(fig, out_dir / name))
    return written
