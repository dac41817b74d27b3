"""The JWS sections of the report: throughput, token size, x over floor, x over the fastest.

Each section reads ``jwtbench.analysis.views.JwsView``; a cell without a usable
number shows its status (``fmt_status``). Then the JWS cells without numbers,
grouped by status, adapter and reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from jwtbench.analysis.views import Group, JwsCell, JwsView
from jwtbench.model.cell import Status
from jwtbench.present.fmt import MISSING, fmt_ops, fmt_ratio, fmt_status, md_escape
from jwtbench.present.md_base import chart_links, generic_reason, md_table, section, versioned
from jwtbench.present.names import CHART_OVER_FLOOR, CHART_THROUGHPUT, CHART_TOKEN_SIZE


def _adapter_header(view: JwsView, adapters: Sequence[str]) -> list[str]:
    return ["alg"] + [versioned(view, a) for a in adapters]


def _ops_cell(view: JwsView, cell: JwsCell, fastest: str | None) -> str:
    row = view.row(cell)
    if row is None:
        return fmt_status(view.status(cell))
    text = fmt_ops(row.ops)
    return f"**{text}**" if cell.adapter == fastest else text


def _ops_table(view: JwsView, group: Group) -> str:
    rows = []
    for alg in view.algs:
        best = view.fastest_of(group, alg)
        fastest = best[0] if best else None
        rows.append([alg] + [_ops_cell(view, group.cell(a, alg), fastest) for a in view.adapters])
    return f"### {group.title} (ops/s)\n\n" + md_table(_adapter_header(view, view.adapters), rows)


def _ratio_table(
    view: JwsView, group: Group, title: str, ratio: Callable[[JwsCell], float | None]
) -> str:
    rows = []
    for alg in view.algs:
        cells = [group.cell(a, alg) for a in view.libraries]
        values = [ratio(c) for c in cells]
        rows.append(
            [alg]
            + [
                fmt_ratio(v) if v is not None else fmt_status(view.status(c))
                for c, v in zip(cells, values, strict=True)
            ]
        )
    return f"### {group.title}: {title}\n\n" + md_table(_adapter_header(view, view.libraries), rows)


def _throughput_section(view: JwsView, charts: Sequence[Path]) -> str:
    intro = (
        "Operations per second (from the median time per operation; higher is better). "
        "**Bold**: the fastest library for that algorithm (the floor excluded)."
    )
    tables = [_ops_table(view, group) for group in view.groups]
    return section("## Throughput", intro, chart_links(charts, CHART_THROUGHPUT), tables)


def _token_section(view: JwsView, charts: Sequence[Path]) -> str:
    payload = view.main_payload
    sizes = view.token_sizes(payload) if payload else {}
    if not sizes:
        return "## Token size\n\nNo sign cell recorded a token size."
    uniform = all(len(set(per.values())) == 1 for per in sizes.values())
    if uniform:
        header = ["alg", "token (bytes)"]
        rows = [[alg, f"{next(iter(per.values())):,}"] for alg, per in sizes.items()]
        intro = f"Compact JWS of the {payload} payload; every library made the same size."
    else:
        header = _adapter_header(view, view.adapters)
        rows = [
            [alg] + [f"{per[a]:,}" if a in per else MISSING for a in view.adapters]
            for alg, per in sizes.items()
        ]
        intro = (
            f"Compact JWS of the {payload} payload; sizes differ between libraries "
            "(extra header fields)."
        )
    table = md_table(header, rows)
    return section("## Token size", intro, chart_links(charts, CHART_TOKEN_SIZE), [table])


def _over_floor_section(view: JwsView, charts: Sequence[Path]) -> str:
    intro = (
        "Median time of the library / median time of the floor (the same work done directly "
        "with `cryptography`) for the same algorithm, op, key mode and payload. "
        "1.0x = no overhead; below 1.0x is measurement noise or a shortcut the floor does not take."
    )
    if view.floor not in view.adapters:
        return "## x over floor\n\nThis run has no floor cells: nothing to compare with."
    tables = [_ratio_table(view, g, "x over floor", view.over_floor) for g in view.groups]
    return section("## x over floor", intro, chart_links(charts, CHART_OVER_FLOOR), tables)


def _over_fastest_section(view: JwsView) -> str:
    intro = (
        "Median time of the library / median time of the fastest library for the same cell "
        "(the floor is not a library and is left out): 1.0x is the fastest."
    )
    tables = [
        _ratio_table(view, g, "x slower than the fastest library", view.over_fastest)
        for g in view.groups
    ]
    return section("## x slower than the fastest library", intro, "", tables)


def jws_sections(view: JwsView, charts: Sequence[Path] = ()) -> list[str]:
    """The JWS data sections of the report ("what to pick" comes after the JWE ones)."""
    if not view.rows and not view.statuses:
        return []
    return [
        _throughput_section(view, charts),
        _token_section(view, charts),
        _over_floor_section(view, charts),
        _over_fastest_section(view),
    ]


# -- failures -----------------------------------------------------------------
def _cells_text(view: JwsView, cells: Sequence[JwsCell]) -> str:
    """``PS256, EdDSA`` when whole algorithms failed, else ``ES256 (verify/raw)``."""
    every = {(g.op, g.key_mode, g.payload) for g in view.groups}
    by_alg: dict[str, list[JwsCell]] = {}
    for cell in cells:
        by_alg.setdefault(cell.alg, []).append(cell)
    parts = []
    for alg, own in by_alg.items():
        if {(c.op, c.key_mode, c.payload) for c in own} >= every:
            parts.append(alg)
            continue
        show_payload = len(view.payloads) > 1
        where = ", ".join(
            f"{c.op}/{c.key_mode}" + (f"/{c.payload}" if show_payload else "") for c in own
        )
        parts.append(f"{alg} ({where})")
    return ", ".join(parts)


def _failure_groups(view: JwsView) -> dict[tuple[str, str, str], list[JwsCell]]:
    """Failed cells by (status, adapter, reason with the alg name generalised)."""
    groups: dict[tuple[str, str, str], list[JwsCell]] = {}
    for cell, status, reason in view.failures():
        key = (status, cell.adapter, generic_reason(reason, cell.alg))
        groups.setdefault(key, []).append(cell)
    order: list[str] = list(Status)
    rank = {status: order.index(status) if status in order else len(order) for status, *_ in groups}
    return dict(sorted(groups.items(), key=lambda item: rank[item[0][0]]))


def jws_failures_section(view: JwsView) -> str:
    """Unsupported / unavailable / invalid / error cells, grouped by adapter and reason."""
    groups = _failure_groups(view)
    if not groups:
        return "## Cells without numbers\n\nEvery JWS cell was measured."
    lines = []
    for (status, adapter, reason), cells in groups.items():
        if len({c.alg for c in cells}) == 1:
            reason = reason.replace("<alg>", cells[0].alg)
        lines.append(
            f"- **{md_escape(status)}** — {md_escape(adapter)}: {_cells_text(view, cells)} — "
            f"{md_escape(reason) or 'no reason recorded'}"
        )
    return "## Cells without numbers\n\n" + "\n".join(lines)
