"""The JWS sections of the report: throughput, token size, x over floor, x over the fastest.

Each section reads ``jwtbench.analysis.views.JwsView``; a cell without a usable
number shows its status (``fmt_status``). With paired ratios the x-over-floor
and x-over-limit tables show each ratio's 95% interval, and the throughput
tables bold the fastest library only when it is faster beyond its interval
(``≈`` marks the libraries tied for fastest); without them the report says its
ratios are unpaired. Then the JWS cells without numbers, grouped by status,
adapter and reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jwtbench.analysis.decide import BelowFloor
from jwtbench.analysis.views import LIMIT, Group, JwsCell, JwsView
from jwtbench.model.cell import Status
from jwtbench.present.fmt import (
    MISSING,
    fmt_paired,
    fmt_ratio,
    fmt_status,
    md_escape,
)
from jwtbench.present.md_base import (
    TIED,
    chart_links,
    generic_reason,
    md_table,
    ops_text,
    over_floor_text,
    section,
    versioned,
)
from jwtbench.present.md_crypto import BELOW_LIMIT, OWN_CRYPTO, crypto_share_section, limit_mark
from jwtbench.present.names import CHART_OVER_FLOOR, CHART_THROUGHPUT, CHART_TOKEN_SIZE


def _adapter_header(view: JwsView, adapters: Sequence[str]) -> list[str]:
    return ["alg"] + [versioned(view, a) for a in adapters]


#: Why the ratios of a run without paired fields cannot be trusted as much.
UNPAIRED_NOTE = (
    "**These ratios are unpaired**: this run stored no paired ratios, so each is a ratio of "
    "two medians timed at different moments, and the machine's speed changes between them "
    "land in it (on a shared VM, tens of percent). No interval can be shown and no tie called "
    "on one; treat differences under ~20% as ties."
)


def _ops_table(view: JwsView, group: Group) -> str:
    rows = []
    for alg in view.algs:
        best = view.fastest_of(group, alg)
        fastest = best[0] if best else None
        rows.append([alg] + [ops_text(view, group.cell(a, alg), fastest) for a in view.adapters])
    return f"### {group.title} (ops/s)\n\n" + md_table(_adapter_header(view, view.adapters), rows)


def _over_floor_table(view: JwsView, group: Group) -> str:
    rows = [
        [alg] + [over_floor_text(view, group.cell(a, alg)) for a in view.libraries]
        for alg in view.algs
    ]
    header = _adapter_header(view, view.libraries)
    return f"### {group.title}: x over floor\n\n" + md_table(header, rows)


def _throughput_section(view: JwsView, charts: Sequence[Path]) -> str:
    if view.paired:
        intro = (
            "Operations per second (from the median time per operation; higher is better). "
            "**Bold**: the fastest library for that algorithm (the floor excluded), only when "
            "it is faster beyond the interval: its paired x over floor's 95% interval does not "
            f"overlap any other library's. {TIED}: the libraries tied for fastest (their "
            "intervals overlap the fastest's). The charts' whiskers are the 95% interval of "
            "each cell's ops/s from its bursts."
        )
    else:
        intro = (
            "Operations per second (from the median time per operation; higher is better). "
            "**Bold**: the fastest library for that algorithm (the floor excluded), from "
            "unpaired medians (no interval: see *x over floor*)."
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


def _over_floor_section(
    view: JwsView, charts: Sequence[Path], below: Sequence[BelowFloor] = ()
) -> str:
    if view.paired:
        intro = (
            "Library time / floor time (the same work and checks done directly with "
            "`cryptography`) for the same algorithm, op, key mode and payload, **paired**: the "
            "group's libraries and the floor were timed interleaved in bursts, the ratio is the "
            "median of the round-by-round ratios and the brackets its 95% interval. 1.0x = no "
            f"overhead; {TIED}: the interval includes 1.0x (no overhead that this run can tell "
            "from the floor)."
        )
    else:
        intro = (
            "Median time of the library / median time of the floor (the same work done "
            "directly with `cryptography`) for the same algorithm, op, key mode and payload. "
            "1.0x = no overhead; below 1.0x is measurement noise or a shortcut the floor does "
            f"not take.\n\n{UNPAIRED_NOTE}"
        )
    if view.floor not in view.adapters:
        return "## x over floor\n\nThis run has no floor cells: nothing to compare with."
    tables = [_over_floor_table(view, g) for g in view.groups]
    findings = below_floor_text(view, below)
    return section(
        "## x over floor", intro, chart_links(charts, CHART_OVER_FLOOR), [*tables, findings]
    )


def below_floor_text(view: JwsView, below: Sequence[BelowFloor]) -> str:
    """The finding: pure-Python libraries faster than the floor beyond their interval."""
    if not below:
        return ""
    lines = [
        f"- {md_escape(view.label_of(b.cell.adapter))} {b.cell.alg} {b.cell.op}, "
        f"{b.cell.key_mode} key, {b.cell.payload}: {fmt_paired(*b.over_floor[:3])}"
        for b in below
    ]
    return (
        f"**Finding: {len(below)} pure-Python library cell(s) measured faster than the floor "
        "beyond their interval.** The floor does the same checks with the same `cryptography` "
        "calls in straight-line Python, so a library cannot really be faster: either it skips "
        "work the floor does (a check, a copy) or the floor is not as lean as it should be. "
        "Either way these cells' x over floor understates the library's overhead:\n\n"
        + "\n".join(lines)
    )


def _limit_text(view: JwsView, cell: JwsCell) -> str:
    """``7.49x [5.28, 8.23]``: x over limit (its share in crypto is in ``md_crypto``)."""
    interval = view.over_limit_interval(cell)
    value = interval.value if interval else view.over_limit(cell)
    if value is None:
        return fmt_status(view.status(cell)) if view.row(cell) is None else MISSING
    text = fmt_paired(*interval[:3]) if interval else fmt_ratio(value)
    mark = limit_mark(view, cell, interval, value)
    return f"{text} · {mark}" if mark else text


def _over_limit_section(view: JwsView) -> str:
    """x over limit and each library's share of time in crypto (only groups with a limit)."""
    groups = [g for g in view.groups if any(view.row(g.cell(LIMIT, a)) for a in view.algs)]
    if not groups:
        return ""
    adapters = [view.floor, *view.libraries]
    paired = "paired, with its 95% interval" if view.paired else "unpaired medians"
    intro = (
        "Time / the **limit**'s time: the limit is the bare primitive (HMAC, RSA, ECDSA, "
        "EdDSA sign or verify) on the same signing input, with no JSON, base64 or claims. "
        "It is **not a library anyone would pick**, only the price of the cryptography "
        f"itself ({paired}); *Share of time in crypto* below turns it into the share of "
        f"each library's time the crypto takes. {BELOW_LIMIT}: measured faster than the "
        "bare primitive alone, which no code calling it can be: a measurement artefact, "
        f"not a result; *{OWN_CRYPTO}*: a compiled library with its own, faster primitive."
    )
    tables = []
    for group in groups:
        algs = [a for a in view.algs if view.row(group.cell(LIMIT, a))]
        rows = [[alg] + [_limit_text(view, group.cell(a, alg)) for a in adapters] for alg in algs]
        tables.append(
            f"### {group.title}: x over limit\n\n" + md_table(_adapter_header(view, adapters), rows)
        )
    return section("## x over limit", intro, "", tables)


def over_fastest_text(view: JwsView, cell: JwsCell) -> str:
    """``1.00x`` (the fastest), ``1.42x [1.31, 1.55]`` paired (``≈``: includes 1.0x), or ``1.4x``.

    Unpaired (no aligned bursts): x over floor / the fastest's, or a ratio of medians.
    """
    interval = view.over_fastest_interval(cell)
    if interval is not None:
        if interval.low == interval.high == 1.0:
            return fmt_ratio(1.0)
        text = fmt_paired(*interval[:3])
        return f"{text} {TIED}" if interval.includes(1.0) else text
    value = view.over_fastest(cell)
    return fmt_ratio(value) if value is not None else fmt_status(view.status(cell))


def _over_fastest_table(view: JwsView, group: Group) -> str:
    rows = [
        [alg] + [over_fastest_text(view, group.cell(a, alg)) for a in view.libraries]
        for alg in view.algs
    ]
    header = _adapter_header(view, view.libraries)
    return f"### {group.title}: x slower than the fastest library\n\n" + md_table(header, rows)


def _over_fastest_section(view: JwsView) -> str:
    intro = (
        "Median time of the library / median time of the fastest library for the same cell "
        "(the floor and the limit are no library and are left out): 1.0x is the fastest. "
        "Unpaired, like every ratio of this run: see the caveat under *x over floor*."
    )
    if view.paired:
        intro = (
            "Library time / the fastest library's time for the same cell, **paired**: the "
            "group's members were timed interleaved, burst *i* of each in the same lockstep "
            "round, so the ratio is taken burst by burst and the cell shows the median of "
            "those per-burst ratios and its 95% interval. The fastest (on paired x over floor; "
            "the floor and the limit are no library and are left out) reads 1.0x; "
            f"{TIED}: the interval includes 1.0x, a tie with the fastest. A cell without "
            "aligned bursts shows its x over floor / the fastest's, without an interval."
        )
    tables = [_over_fastest_table(view, g) for g in view.groups]
    return section("## x slower than the fastest library", intro, "", tables)


def jws_sections(
    view: JwsView, charts: Sequence[Path] = (), below: Sequence[BelowFloor] = ()
) -> list[str]:
    """The JWS data sections of the report ("what to pick" comes after the JWE ones)."""
    if not view.rows and not view.statuses:
        return []
    sections = [
        _throughput_section(view, charts),
        _token_section(view, charts),
        _over_floor_section(view, charts, below),
        _over_limit_section(view),
        crypto_share_section(view),
        _over_fastest_section(view),
    ]
    return [text for text in sections if text]


# -- failures -----------------------------------------------------------------
def _cells_text(view: JwsView, cells: Sequence[JwsCell]) -> str:
    """``PS256, EdDSA`` when whole algorithms failed, else ``ES256 (verify/raw)``.

    An adapter none of whose cells has a number (unavailable here): ``every JWS cell (N)``.
    """
    if cells and len(cells) == sum(1 for c in view.statuses if c.adapter == cells[0].adapter):
        return f"every JWS cell ({len(cells)} cells)"
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
