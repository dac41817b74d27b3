"""The JWE charts, from ``jwtbench.analysis.views.JweView``.

Throughput per (alg, enc) as horizontal bars (one figure per op, key mode and
payload; split by enc when there are too many pairs for one), the cost of
encrypting an access token (small multiples, one panel per library: the JWS op
alone next to the nested op per JWE algorithm), and token sizes (signed vs
encrypted vs both).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from jwtbench.analysis.intervals import ops_interval, time_interval
from jwtbench.analysis.nested import encrypt_sizes, nested_sizes, signed_size
from jwtbench.analysis.views import (
    BASE_OPS,
    PBES2_P2C,
    Combo,
    Group,
    JweCell,
    JweView,
    JwsCell,
    JwsView,
    NestedGroup,
    Pair,
    jwe_view,
    jws_view,
)
from jwtbench.model.cell import NESTED_OPS
from jwtbench.model.results import Results, Row
from jwtbench.present.charts.common import (
    EMPTY_NOTE,
    adapter_colour,
    legend_label,
    log_ops_axis,
    ops_label,
    save,
    titles,
)
from jwtbench.present.names import CHART_JWE_COST, CHART_JWE_THROUGHPUT, CHART_JWE_TOKEN_SIZE

# -- JWE throughput -------------------------------------------------------------
#: Most (alg, enc) rows in one throughput chart; more are split by enc.
MAX_PAIRS = 30
INSECURE_COLOUR = "#b00020"


def chart_alg(alg: str) -> str:
    """A JWE algorithm as a chart shows it (no Markdown): RSA1_5 marked, PBES2 with its p2c."""
    if alg == "RSA1_5":
        return "RSA1_5 \N{WARNING SIGN} insecure"
    if alg.startswith("PBES2"):
        return f"{alg} (p2c={PBES2_P2C})"
    return alg


def pair_chunks(pairs: Sequence[Pair], most: int = MAX_PAIRS) -> list[tuple[Pair, ...]]:
    """``pairs`` in one chunk, or (too many for one chart) in runs of whole encs."""
    if len(pairs) <= most:
        return [tuple(pairs)]
    by_enc: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_enc.setdefault(pair.enc, []).append(pair)
    chunks: list[tuple[Pair, ...]] = []
    current: list[Pair] = []
    for own in by_enc.values():
        if current and len(current) + len(own) > most:
            chunks.append(tuple(current))
            current = []
        current += own
    return [*chunks, tuple(current)] if current else chunks


def _shade_rows(ax: Axes, count: int) -> None:
    """Light bands behind every other row of a horizontal bar chart."""
    for j in range(1, count, 2):
        ax.axhspan(j - 0.5, j + 0.5, color="#f3f3f3", zorder=0)


def _jwe_throughput_figure(
    view: JweView, group: Group, adapters: Sequence[str], pairs: Sequence[Pair]
) -> Figure | None:
    count, height = len(pairs), 0.8 / len(adapters)
    fig = Figure(figsize=(11.0, 2.2 + count * (0.13 * len(adapters) + 0.1)), layout="constrained")
    ax = fig.add_subplot()
    values: list[float] = []
    for i, adapter in enumerate(adapters):
        ys, widths, below, above = [], [], [], []
        for j, pair in enumerate(pairs):
            row = view.row(JweCell.at(group, adapter, pair.alg, pair.enc))
            if row is not None:
                ys.append(j + (i - (len(adapters) - 1) / 2) * height)
                widths.append(row.ops)
                found = ops_interval(row)  # whiskers: the 95% interval of the cell's ops/s
                below.append(row.ops - found.low if found else 0.0)
                above.append(found.high - row.ops if found else 0.0)
                values += [row.ops - below[-1], row.ops + above[-1]]
        ax.barh(
            ys,
            widths,
            height,
            color=adapter_colour(view, adapter),
            label=legend_label(view, adapter),
            edgecolor="white",
            linewidth=0.4,
            xerr=[below, above] if ys else None,
            error_kw={"ecolor": "#222222", "elinewidth": 0.7, "capsize": 1.5},
        )
    if not values:
        return None
    _shade_rows(ax, count)
    log_ops_axis(ax, min(values), max(values), axis="x")
    ax.set_yticks(range(count), [f"{chart_alg(p.alg)} / {p.enc}" for p in pairs])
    for tick, pair in zip(ax.get_yticklabels(), pairs, strict=True):
        if pair.alg == "RSA1_5":
            tick.set_color(INSECURE_COLOUR)
    ax.set_ylim(count - 0.5, -0.5)  # the first pair on top
    ax.set_ylabel("key management / content encryption")
    titles(
        fig,
        ax,
        f"JWE {group.op} throughput: {group.key_mode} key, {group.payload} payload",
        "claims only, no signature inside; longer is better; "
        f"whiskers: 95% interval of the median\n{EMPTY_NOTE}",
    )
    fig.legend(
        *ax.get_legend_handles_labels(),
        title="library",
        loc="outside lower center",
        ncols=min(len(adapters), 4),  # one row of 8 names is wider than the chart
        frameon=False,
    )
    return fig


def jwe_throughput_charts(results: Results, out_dir: Path) -> list[Path]:
    """Ops/s per (alg, enc), grouped by library: one chart per (op, key mode), main payload."""
    view = jwe_view(results)
    adapters = view.measured(nested=False)
    if not adapters:
        return []
    chunks = pair_chunks(view.pairs)
    written = []
    for group in view.groups(nested=False):
        if group.payload != view.main_payload:
            continue
        for k, pairs in enumerate(chunks, start=1):
            fig = _jwe_throughput_figure(view, group, adapters, pairs)
            part = f"_{k}of{len(chunks)}" if len(chunks) > 1 else ""
            name = f"{CHART_JWE_THROUGHPUT}_{group.op}_{group.key_mode}_{group.payload}{part}.png"
            if fig is not None:
                written.append(save(fig, out_dir / name))
    return written


# -- cost of encrypting an access token -------------------------------------------
#: The "no encryption" bar of the cost and size charts.
BASELINE_COLOUR = "#b8b8b8"


def jwe_alg_colours(algs: Sequence[str]) -> dict[str, str]:
    """One colour per JWE algorithm of the nested charts (not adapter colours: panels are)."""
    cmap = colormaps["viridis"]
    steps = max(len(algs) - 1, 1)
    return {
        alg: matplotlib.colors.to_hex(cmap(0.1 + 0.8 * i / steps)) for i, alg in enumerate(algs)
    }


def _nested_parts(view: JweView) -> tuple[list[str], list[str]]:
    """The signature algorithms and the JWE algorithms of the nested cells, in order."""
    sig_algs = list(dict.fromkeys(c.sig_alg for c in view.combos))
    algs = list(dict.fromkeys(c.alg for c in view.combos))
    return sig_algs, algs


def _cost_row(
    jws: JwsView, jwe: JweView, group: NestedGroup, cell: tuple[str, str, str], op: str
) -> Row | None:
    """The row of one bar: ``cell`` = (adapter, signature alg, JWE alg; "" = the JWS op alone)."""
    adapter, sig_alg, alg = cell
    if alg:
        return jwe.row(group.cell(adapter, Combo(sig_alg, alg), op))
    return jws.row(JwsCell(adapter, sig_alg, BASE_OPS[op], group.key_mode, group.payload))


def _cost_bars(
    ax: Axes, jws: JwsView, jwe: JweView, group: NestedGroup, adapter: str, op: str
) -> list[float]:
    """One panel: per signature algorithm, the JWS op alone and the nested op per JWE alg.

    Whiskers: the 95% interval of each bar's median time, from its own bursts
    (``intervals.time_interval``); the returned values include their ends.
    """
    sig_algs, algs = _nested_parts(jwe)
    colours = jwe_alg_colours(algs)
    series = ["", *algs]  # "": the JWS op alone
    width = 0.8 / len(series)
    values: list[float] = []
    for s, alg in enumerate(series):
        xs, heights, below, above = [], [], [], []
        for j, sig_alg in enumerate(sig_algs):
            row = _cost_row(jws, jwe, group, (adapter, sig_alg, alg), op)
            if row is None:
                continue
            xs.append(j + (s - (len(series) - 1) / 2) * width)
            heights.append(row.median * 1e6)
            found = time_interval(row)
            below.append((row.median - found[0].low) * 1e6 if found else 0.0)
            above.append((found[0].high - row.median) * 1e6 if found else 0.0)
            values += [heights[-1] - below[-1], heights[-1] + above[-1]]
        colour = colours[alg] if alg else BASELINE_COLOUR
        ax.bar(
            xs,
            heights,
            width,
            color=colour,
            edgecolor="white",
            linewidth=0.4,
            yerr=[below, above] if xs else None,
            error_kw={"ecolor": "#222222", "elinewidth": 0.8, "capsize": 1.5},
        )
    ax.set_xticks(range(len(sig_algs)), sig_algs)
    ax.set_xlim(-0.6, len(sig_algs) - 0.4)
    return [v for v in values if v > 0]


def _cost_legend(fig: Figure, jwe: JweView, op: str) -> None:
    _, algs = _nested_parts(jwe)
    colours = jwe_alg_colours(algs)
    handles = [Patch(color=BASELINE_COLOUR, label=f"{BASE_OPS[op]} alone (plain JWS)")]
    handles += [Patch(color=colours[a], label=f"{op}, {chart_alg(a)}") for a in algs]
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        frameon=False,
        title=textwrap.fill(COST_NOTE, width=150),
        title_fontsize="small",
    )


def _cost_figure(jws: JwsView, jwe: JweView, group: NestedGroup, op: str) -> Figure | None:
    adapters = jwe.measured(nested=True)
    if not adapters:
        return None
    ncols = min(2, len(adapters))
    nrows = math.ceil(len(adapters) / ncols)
    fig = Figure(figsize=(6.2 * ncols, 3.4 * nrows + 1.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    values: list[float] = []
    for ax, adapter in zip(axes, adapters, strict=False):
        values += _cost_bars(ax, jws, jwe, group, adapter, op)
        ax.set_title(legend_label(jwe, adapter), loc="left", fontweight="bold")
        ax.set_xlabel("signature algorithm of the inner JWS")
    for ax in axes[len(adapters) :]:
        ax.set_visible(False)
    if not values:
        return None
    for ax in axes[::ncols]:
        log_ops_axis(ax, min(values), max(values), label="time per token (µs, log scale)")
    for ax in axes:
        ax.tick_params(labelleft=True)
    _cost_legend(fig, jwe, op)
    verb = "Issuing" if op == "sign_encrypt" else "Accepting"
    fig.suptitle(
        f"Cost of encrypting an access token. {verb}: {BASE_OPS[op]} alone vs {op}\n"
        f"{group.title}; lower is better; empty slot = not supported",
        fontweight="bold",
    )
    return fig


def jwe_cost_charts(results: Results, out_dir: Path) -> list[Path]:
    """Small multiples per library: the JWS op alone vs the nested op, per JWE algorithm."""
    jws, jwe = jws_view(results), jwe_view(results)
    written = []
    for group in jwe.nested_groups:
        if group.payload != jwe.main_payload:
            continue
        for op in (o for o in NESTED_OPS if o in jwe.ops):
            fig = _cost_figure(jws, jwe, group, op)
            if fig is not None:
                name = f"{CHART_JWE_COST}_{op}_{group.enc}_{group.key_mode}_{group.payload}.png"
                written.append(save(fig, out_dir / name))
    return written


#: Why the cost chart's whiskers are per bar and its ratios are not paired.
COST_NOTE = (
    "whiskers: 95% interval of each bar's median time, from its own bursts. "
    "The nested op and the JWS op alone are different groups, timed at different moments: "
    "their ratio is not paired, so the machine's drift between them is in it."
)


# -- JWE token size -----------------------------------------------------------------
def _size_bars(jws: JwsView, jwe: JweView, group: NestedGroup) -> dict[str, list[int | None]]:
    """``{series: bytes per inner token}``: series "" is the unencrypted JWS."""
    sig_algs, algs = _nested_parts(jwe)
    bars: dict[str, list[int | None]] = {"": [None]}
    bars[""] += [signed_size(jws, s, group.payload) for s in sig_algs]
    for alg in algs:
        claims = encrypt_sizes(jwe, alg, group.enc, group.payload)
        bars[alg] = [max(claims) if claims else None]
        for sig_alg in sig_algs:
            sizes = nested_sizes(jwe, group, Combo(sig_alg, alg))
            bars[alg].append(max(sizes) if sizes else None)
    return bars


def _jwe_token_figure(jws: JwsView, jwe: JweView, group: NestedGroup) -> Figure | None:
    sig_algs, algs = _nested_parts(jwe)
    bars = _size_bars(jws, jwe, group)
    tallest = max((v for vs in bars.values() for v in vs if v), default=0)
    if not tallest:
        return None
    colours = jwe_alg_colours(algs)
    categories = ["claims only", *(f"signed with {s}" for s in sig_algs)]
    width = 0.8 / len(bars)
    fig = Figure(figsize=(max(9.0, 1.9 * len(categories) + 2.5), 5.8), layout="constrained")
    ax = fig.add_subplot()
    for s, (alg, sizes) in enumerate(bars.items()):
        xs = [j + (s - (len(bars) - 1) / 2) * width for j, v in enumerate(sizes) if v]
        heights = [v for v in sizes if v]
        label = chart_alg(alg) if alg else "not encrypted (plain JWS)"
        colour = colours[alg] if alg else BASELINE_COLOUR
        drawn = ax.bar(xs, heights, width, color=colour, label=label, edgecolor="white")
        ax.bar_label(drawn, labels=[f"{h:,}" for h in heights], padding=2, fontsize=7, rotation=90)
    ax.set_xticks(range(len(categories)), categories)
    ax.set_xlabel("inner token")
    ax.set_ylabel("token size (bytes)")
    ax.set_ylim(0, tallest * 1.18)
    ax.yaxis.set_major_formatter(FuncFormatter(ops_label))
    ax.grid(axis="y", color="#dddddd")
    ax.set_axisbelow(True)
    ax.legend(title="encryption", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    titles(
        fig,
        ax,
        f"Token size: signed vs encrypted vs both, {group.payload} payload, enc {group.enc}",
        "compact serialisation; the largest any library made",
    )
    return fig


def jwe_token_size_charts(results: Results, out_dir: Path) -> list[Path]:
    """Token bytes of the claims encrypted, signed, and signed then encrypted, per enc."""
    jws, jwe = jws_view(results), jwe_view(results)
    written, seen = [], set()
    for group in jwe.nested_groups:
        if group.payload != jwe.main_payload or group.enc in seen:
            continue
        seen.add(group.enc)
        fig = _jwe_token_figure(jws, jwe, group)
        if fig is not None:
            name = f"{CHART_JWE_TOKEN_SIZE}_{group.enc}_{group.payload}.png"
            written.append(save(fig, out_dir / name))
    return written
