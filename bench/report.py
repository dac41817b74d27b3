"""The Markdown report (and its charts) of one results file.

``render_markdown(results)`` is pure: it turns a loaded ``Results`` into the
report text. ``write_report(results, out_dir)`` draws the charts
(``bench.charts``) and writes ``report.md`` next to them.

The JWS data is read through ``JwsView``: every timed row and every matrix
cell of the JWS family, indexed by ``JwsCell``. A cell whose recorded status is
not ``ok`` never shows a number, even when a timed row exists for it (a check
that fails *after* timing leaves one). Rows and cells of other families (JWE:
params with ``enc``) are left out here; they get their own view and sections.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from adapters.base import JWS_ALGS
from adapters.keys import PAYLOADS
from bench.matrix import JWS_OPS, KEY_MODES
from bench.results import Results, Row

FLOOR = "floor"
REPORT_NAME = "report.md"
#: Chart file names start with these; the report places each chart by its prefix.
CHART_THROUGHPUT = "throughput"
CHART_TOKEN_SIZE = "token_size"
CHART_OVER_FLOOR = "over_floor"

#: What a table shows instead of a number, by cell status.
STATUS_LABELS = {
    "unsupported": "—",
    "unavailable": "unavailable",
    "invalid": "invalid",
    "error": "error",
    "not run": "not run",
    "skipped": "skipped",
}
MISSING = "—"
#: Families of JWS algorithms, for "what to pick".
FAMILIES = {
    "HS": "HMAC (HS*)",
    "RS": "RSA PKCS#1 v1.5 (RS*)",
    "PS": "RSA-PSS (PS*)",
    "ES": "ECDSA (ES*)",
    "EdDSA": "EdDSA (Ed25519)",
}
#: Two libraries closer than this (ratio of medians) are called a tie.
TIE = 1.10


# -- formatting ---------------------------------------------------------------
def fmt_ops(ops: float) -> str:
    """Operations per second, humanely: ``12,345``, ``16.4``, ``0.52``."""
    if ops >= 100:
        return f"{ops:,.0f}"
    if ops >= 10:
        return f"{ops:.1f}"
    return f"{ops:.2f}"


def fmt_ratio(ratio: float) -> str:
    """A ratio of times: ``1.8x``, ``12x``, ``1,234x``."""
    if ratio >= 10:
        return f"{ratio:,.0f}x"
    return f"{ratio:.1f}x"


def fmt_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text)


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: bool = True) -> str:
    """A Markdown table; the first column left-aligned, the others right-aligned if ``numeric``."""
    align = [":--"] + ["--:" if numeric else ":--"] * (len(header) - 1)
    lines = [_md_row(header), _md_row(align)]
    lines += [_md_row(row) for row in rows]
    return "\n".join(lines)


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _ordered(seen: Iterable[str], canonical: Sequence[str]) -> tuple[str, ...]:
    """``seen`` (deduplicated), canonical names first in canonical order."""
    distinct = list(dict.fromkeys(seen))
    known = [c for c in dict.fromkeys(canonical) if c in distinct]
    return tuple(known + [s for s in distinct if s not in known])


# -- the JWS view -------------------------------------------------------------
class JwsCell(NamedTuple):
    adapter: str
    alg: str
    op: str
    key_mode: str
    payload: str

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> JwsCell | None:
        """The JWS cell of ``params``; None for other families (JWE) or incomplete params."""
        if "enc" in params or "sig_alg" in params:
            return None
        try:
            return cls(*(str(params[name]) for name in cls._fields))
        except KeyError:
            return None


class Group(NamedTuple):
    """One table's worth of cells: an op, a key mode and a payload."""

    op: str
    key_mode: str
    payload: str

    def cell(self, adapter: str, alg: str) -> JwsCell:
        return JwsCell(adapter, alg, self.op, self.key_mode, self.payload)

    @property
    def title(self) -> str:
        return f"{self.op}, {self.key_mode} key, {self.payload} payload"


@dataclass(frozen=True)
class JwsView:
    """The JWS rows and cells of a results file, with the numbers the report derives."""

    rows: Mapping[JwsCell, Row]
    statuses: Mapping[JwsCell, tuple[str, str]]  # status, reason
    adapters: tuple[str, ...]
    algs: tuple[str, ...]
    ops: tuple[str, ...]
    key_modes: tuple[str, ...]
    payloads: tuple[str, ...]
    versions: Mapping[str, str]

    @property
    def libraries(self) -> tuple[str, ...]:
        """The adapters that are JOSE libraries (everything but the floor)."""
        return tuple(a for a in self.adapters if a != FLOOR)

    @property
    def groups(self) -> list[Group]:
        """Every (op, key mode, payload) with at least one cell, in report order."""
        present = {Group(c.op, c.key_mode, c.payload) for c in (*self.rows, *self.statuses)}
        return [
            Group(op, key_mode, payload)
            for payload in self.payloads
            for key_mode in self.key_modes
            for op in self.ops
            if Group(op, key_mode, payload) in present
        ]

    @property
    def families(self) -> dict[str, list[str]]:
        """``{family: its algorithms}`` in ``algs`` order (see ``family``)."""
        out: dict[str, list[str]] = {}
        for alg in self.algs:
            out.setdefault(family(alg), []).append(alg)
        return out

    @property
    def main_payload(self) -> str | None:
        """The payload the charts and token sizes use: ``small`` if present."""
        if "small" in self.payloads:
            return "small"
        return self.payloads[0] if self.payloads else None

    def status(self, cell: JwsCell) -> str | None:
        entry = self.statuses.get(cell)
        return entry[0] if entry else None

    def row(self, cell: JwsCell) -> Row | None:
        """The timed row of ``cell``, unless its status says its numbers are not to be used."""
        if self.status(cell) not in (None, "ok"):
            return None
        return self.rows.get(cell)

    def label(self, cell: JwsCell) -> str:
        """What to show for a cell without a usable number."""
        status = self.status(cell)
        if status in (None, "", "ok"):  # measured, but what it is compared with is missing
            return MISSING
        return STATUS_LABELS.get(status, status)

    def over_floor(self, cell: JwsCell) -> float | None:
        """Median time of ``cell`` / median time of the floor's same cell."""
        row, floor = self.row(cell), self.row(cell._replace(adapter=FLOOR))
        if row is None or floor is None or floor.median <= 0:
            return None
        return row.median / floor.median

    def fastest(self, group: Group, alg: str) -> tuple[str, Row] | None:
        """The fastest library (the floor excluded) for ``alg`` in ``group``."""
        timed = [(a, r) for a in self.libraries if (r := self.row(group.cell(a, alg)))]
        return min(timed, key=lambda item: item[1].median) if timed else None

    def over_fastest(self, cell: JwsCell) -> float | None:
        """Median time of ``cell`` / median time of the fastest library's same cell."""
        row = self.row(cell)
        best = self.fastest(Group(cell.op, cell.key_mode, cell.payload), cell.alg)
        if row is None or best is None or cell.adapter == FLOOR:
            return None
        return row.median / best[1].median

    def token_sizes(self, payload: str) -> dict[str, dict[str, int]]:
        """``{alg: {adapter: token bytes}}`` from the sign cells of ``payload``."""
        sizes: dict[str, dict[str, int]] = {}
        for alg in self.algs:
            for adapter in self.adapters:
                for key_mode in self.key_modes:
                    row = self.row(JwsCell(adapter, alg, "sign", key_mode, payload))
                    if row is not None and row.token_bytes is not None:
                        sizes.setdefault(alg, {}).setdefault(adapter, row.token_bytes)
        return sizes

    def failures(self) -> list[tuple[JwsCell, str, str]]:
        """Every cell whose status is not ``ok``: (cell, status, reason), in matrix order."""
        failed = [(c, s, r) for c, (s, r) in self.statuses.items() if s != "ok"]
        return sorted(failed, key=lambda item: self._sort_key(item[0]))

    def _sort_key(self, cell: JwsCell) -> tuple[int, ...]:
        def at(seq: tuple[str, ...], name: str) -> int:
            return seq.index(name) if name in seq else len(seq)

        return (
            at(self.adapters, cell.adapter),
            at(self.algs, cell.alg),
            at(self.ops, cell.op),
            at(self.key_modes, cell.key_mode),
            at(self.payloads, cell.payload),
        )


def jws_view(results: Results) -> JwsView:
    """The JWS part of ``results`` (rows and cells with ``enc`` are left out)."""
    rows: dict[JwsCell, Row] = {}
    for row in results.rows():
        cell = JwsCell.of(row.params)
        if cell is not None:
            rows[cell] = row
    statuses: dict[JwsCell, tuple[str, str]] = {}
    for entry in results.cells:
        cell = JwsCell.of(entry.get("params", {}))
        if cell is not None:
            statuses[cell] = (str(entry.get("status", "")), str(entry.get("reason", "")))
    cells = [*rows, *statuses]
    info: dict[str, Any] = results.meta.get("adapters", {})
    return JwsView(
        rows=rows,
        statuses=statuses,
        adapters=_ordered((c.adapter for c in cells), (FLOOR, *info)),
        algs=_ordered((c.alg for c in cells), JWS_ALGS),
        ops=_ordered((c.op for c in cells), JWS_OPS),
        key_modes=_ordered((c.key_mode for c in cells), KEY_MODES),
        payloads=_ordered((c.payload for c in cells), PAYLOADS),
        versions={name: str(i.get("version", "")) for name, i in info.items() if i.get("version")},
    )


# -- sections -----------------------------------------------------------------
def _title(results: Results) -> str:
    label = results.meta.get("label") or results.meta.get("profile") or "run"
    source = f"\n\nResults file: `{results.path.name}`" if results.path else ""
    return f"# jwtbench report: {md_escape(str(label))}{source}"


def _summary(results: Results, jws: JwsView) -> str:
    meta = results.meta
    counts = results.status_counts()
    by_status = ", ".join(f"{n:,} {status}" for status, n in sorted(counts.items())) or "none"
    lines = [
        f"- profile: **{md_escape(str(meta.get('profile', '?')))}**",
        f"- when: {meta.get('started', '?')} → {meta.get('finished', '?')} (UTC)",
    ]
    if isinstance(meta.get("seconds"), int | float):
        lines.append(f"- took: {fmt_seconds(float(meta['seconds']))}")
    interrupted = "**yes**: cells never reached are `not run`" if meta.get("interrupted") else "no"
    lines.append(f"- interrupted: {interrupted}")
    lines.append(f"- cells by status: {by_status} ({sum(counts.values()):,} cells)")
    lines.append(f"- timed JWS cells: {len(jws.rows):,}")
    rounds = sorted(row.rounds for row in jws.rows.values())
    if rounds:
        median = rounds[len(rounds) // 2]
        lines.append(f"- rounds per cell: {rounds[0]:,} to {rounds[-1]:,} (median {median:,})")
    selection = {k: v for k, v in (meta.get("selection") or {}).items() if v}
    if selection:
        chosen = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in selection.items())
        lines.append(f"- selection: {md_escape(chosen)}")
    return "## Run summary\n\n" + "\n".join(lines)


def _provenance(results: Results) -> str:
    prov: dict[str, Any] = results.meta.get("provenance", {})
    python = f"{prov.get('python_implementation', '')} {prov.get('python', '?')}".strip()
    cpu = str(prov.get("cpu", "?"))
    if prov.get("cpu_count"):
        cpu += f" ({prov['cpu_count']} logical CPUs)"
    facts = [
        ("Python", python),
        ("platform", str(prov.get("platform", "?"))),
        ("CPU", cpu),
        ("cryptography", str(prov.get("cryptography", "?"))),
        ("OpenSSL", str(prov.get("openssl", "?"))),
        ("machine id", str(prov.get("machine_id", "?"))),
    ]
    table = md_table(["", ""], [(k, md_escape(v)) for k, v in facts], numeric=False)
    parts = ["## Provenance", table]
    parts.append(_libraries_table(results.meta.get("adapters", {})))
    versions: dict[str, Any] = prov.get("versions", {})
    if versions:
        listed = ", ".join(f"{d} {v or 'not installed'}" for d, v in versions.items())
        parts.append(f"Tracked distributions: {md_escape(listed)}.")
    return "\n\n".join(parts)


def _libraries_table(adapters: Mapping[str, Any]) -> str:
    rows = []
    for name, info in adapters.items():
        available = "yes" if info.get("available", True) else f"no: {info.get('reason', '')}"
        rows.append(
            [
                md_escape(name),
                md_escape(str(info.get("library", ""))),
                md_escape(str(info.get("version", "—"))),
                md_escape(str(info.get("backend", ""))),
                md_escape(available),
                md_escape(str(info.get("notes", ""))),
            ]
        )
    header = ["adapter", "library", "version", "backend", "available", "notes"]
    return md_table(header, rows, numeric=False) if rows else "No adapter information recorded."


def _chart_links(charts: Sequence[Path], prefix: str) -> str:
    """Markdown image links (relative paths) for the charts whose name starts with ``prefix``."""
    links = []
    for chart in charts:
        if chart.stem.startswith(prefix):
            alt = chart.stem.replace("_", " ")
            links.append(f"![{alt}]({chart.name})")
    return "\n\n".join(links)


def _section(heading: str, intro: str, charts: str, tables: Sequence[str]) -> str:
    return "\n\n".join(part for part in (heading, intro, charts, *tables) if part)


def _adapter_header(view: JwsView, adapters: Sequence[str]) -> list[str]:
    return ["alg"] + [
        md_escape(f"{a} {view.versions[a]}" if a in view.versions and a != FLOOR else a)
        for a in adapters
    ]


def _ops_cell(view: JwsView, cell: JwsCell, fastest: str | None) -> str:
    row = view.row(cell)
    if row is None:
        return view.label(cell)
    text = fmt_ops(row.ops)
    return f"**{text}**" if cell.adapter == fastest else text


def _ops_table(view: JwsView, group: Group) -> str:
    rows = []
    for alg in view.algs:
        best = view.fastest(group, alg)
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
                fmt_ratio(v) if v is not None else view.label(c)
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
    return _section("## Throughput", intro, _chart_links(charts, CHART_THROUGHPUT), tables)


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
    return _section("## Token size", intro, _chart_links(charts, CHART_TOKEN_SIZE), [table])


def _over_floor_section(view: JwsView, charts: Sequence[Path]) -> str:
    intro = (
        "Median time of the library / median time of the floor (the same work done directly "
        "with `cryptography`) for the same algorithm, op, key mode and payload. "
        "1.0x = no overhead; below 1.0x is measurement noise or a shortcut the floor does not take."
    )
    if FLOOR not in view.adapters:
        return "## x over floor\n\nThis run has no floor cells: nothing to compare with."
    tables = [_ratio_table(view, g, "x over floor", view.over_floor) for g in view.groups]
    return _section("## x over floor", intro, _chart_links(charts, CHART_OVER_FLOOR), tables)


def _over_fastest_section(view: JwsView) -> str:
    intro = (
        "Median time of the library / median time of the fastest library for the same cell "
        "(the floor is not a library and is left out): 1.0x is the fastest."
    )
    tables = [
        _ratio_table(view, g, "x slower than the fastest library", view.over_fastest)
        for g in view.groups
    ]
    return _section("## x slower than the fastest library", intro, "", tables)


def jws_sections(view: JwsView, charts: Sequence[Path] = ()) -> list[str]:
    """Every JWS section of the report (JWE gets its own function alongside)."""
    if not view.rows and not view.statuses:
        return []
    return [
        _throughput_section(view, charts),
        _token_section(view, charts),
        _over_floor_section(view, charts),
        _over_fastest_section(view),
        _pick_section(view),
    ]


# -- what to pick -------------------------------------------------------------
def family(alg: str) -> str:
    """``HS``, ``RS``, ``PS``, ``ES`` or ``EdDSA`` (other names are their own family)."""
    prefix = alg[:2]
    return prefix if prefix in ("HS", "RS", "PS", "ES") else alg


def _scores(view: JwsView, group: Group, algs: Sequence[str]) -> list[tuple[str, float, int]]:
    """(library, geometric mean of x slower than the fastest, algorithms timed), best first."""
    scores = []
    for library in view.libraries:
        ratios = [r for alg in algs if (r := view.over_fastest(group.cell(library, alg)))]
        if ratios:
            scores.append((library, geomean(ratios), len(ratios)))
    return sorted(scores, key=lambda item: item[1])


def _pick_text(scores: Sequence[tuple[str, float, int]]) -> str:
    if not scores:
        return MISSING
    best, best_score, _ = scores[0]
    if len(scores) == 1:
        return f"**{md_escape(best)}** (only one)"
    runner, runner_score, _ = scores[1]
    gap = runner_score / best_score
    if gap < TIE:
        return f"**{md_escape(best)}** ≈ {md_escape(runner)} ({fmt_ratio(gap)})"
    return f"**{md_escape(best)}** (next: {md_escape(runner)}, {fmt_ratio(gap)})"


def _pick_table(view: JwsView) -> str:
    """One row per (op, key mode, payload), one column per algorithm family."""
    families = view.families
    rows = []
    for group in view.groups:
        picks = [_pick_text(_scores(view, group, algs)) for algs in families.values()]
        overall = _pick_text(_scores(view, group, _common_algs(view, group)))
        rows.append([f"{group.op}, {group.key_mode}{_payload_note(view, group)}", *picks, overall])
    names = [md_escape(FAMILIES.get(fam, fam)) for fam in families]
    header = ["op, key mode", *names, "common algorithms"]
    return md_table(header, rows, numeric=False)


def _common_algs(view: JwsView, group: Group) -> list[str]:
    """The algorithms every library measured in ``group`` has a number for (else all)."""
    timed = {lib: {a for a in view.algs if view.row(group.cell(lib, a))} for lib in view.libraries}
    measured = [algs for algs in timed.values() if algs]
    common = set.intersection(*measured) if measured else set()
    return [alg for alg in view.algs if alg in common] or list(view.algs)


def _payload_note(view: JwsView, group: Group) -> str:
    return f", {group.payload}" if len(view.payloads) > 1 else ""


def _ranking_lines(view: JwsView) -> list[str]:
    lines = []
    for group in view.groups:
        scores = _scores(view, group, view.algs)
        ranked = " · ".join(
            f"{md_escape(lib)} {fmt_ratio(score)}"
            + (f" ({n}/{len(view.algs)} algs)" if n < len(view.algs) else "")
            for lib, score, n in scores
        )
        lines.append(f"- {group.title}: {ranked or MISSING}")
    return lines


def _coverage_lines(view: JwsView) -> list[str]:
    lines = []
    for library in view.libraries:
        missing = [
            alg for alg in view.algs if not any(view.row(g.cell(library, alg)) for g in view.groups)
        ]
        if missing:
            lines.append(f"- {md_escape(library)} has no usable number for: {', '.join(missing)}")
    return lines


def _raw_cost(view: JwsView, algs: Sequence[str], op: str, payload: str) -> float | None:
    """Geometric mean over ``algs`` of the floor's raw / prepared median time."""
    ratios = []
    for alg in algs:
        raw = view.row(JwsCell(FLOOR, alg, op, "raw", payload))
        prepared = view.row(JwsCell(FLOOR, alg, op, "prepared", payload))
        if raw and prepared and prepared.median > 0:
            ratios.append(raw.median / prepared.median)
    return geomean(ratios) if ratios else None


def _raw_cost_lines(view: JwsView) -> list[str]:
    """How much slower the floor is when it parses the key on every call, per op and family."""
    if not {"prepared", "raw"} <= set(view.key_modes):
        return []
    lines = []
    for payload in view.payloads:
        for op in view.ops:
            costs = [
                (fam, cost)
                for fam, algs in view.families.items()
                if (cost := _raw_cost(view, algs, op, payload))
            ]
            if costs:
                listed = ", ".join(f"{fam} {fmt_ratio(c)}" for fam, c in sorted(costs, key=_minus))
                lines.append(f"- {op}, {payload} payload: {listed}")
    return lines


def _minus(item: tuple[str, float]) -> float:
    return -item[1]


def _pick_section(view: JwsView) -> str:
    if not view.libraries or not view.groups:
        return "## What to pick\n\nNo library was measured."
    parts = [
        "## What to pick",
        "Fastest library per algorithm family, computed from the tables above: the lowest "
        "geometric mean of *x slower than the fastest library* over the family's algorithms "
        f"(≈: the runner-up is within {round((TIE - 1) * 100)}%, a tie). *Common algorithms*: "
        "over the algorithms every library has a number for, so a library is not favoured "
        "for skipping slow ones.",
        _pick_table(view),
        "Overall (geometric mean over the algorithms each library ran; lower is better):",
        "\n".join(_ranking_lines(view)),
    ]
    coverage = _coverage_lines(view)
    if coverage:
        parts += ["Coverage:", "\n".join(coverage)]
    raw_cost = _raw_cost_lines(view)
    if raw_cost:
        parts += [
            "Cost of parsing the key on every call, measured on the floor (raw / prepared "
            "median time, geometric mean per family, largest first):",
            "\n".join(raw_cost),
        ]
    return "\n\n".join(parts)


# -- failures -----------------------------------------------------------------
def _generic_reason(reason: str, alg: str) -> str:
    """``reason`` with the algorithm's own name replaced, so reasons group across algs."""
    return re.sub(rf"(?<![\w-]){re.escape(alg)}(?![\w-])", "<alg>", reason)


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
        key = (status, cell.adapter, _generic_reason(reason, cell.alg))
        groups.setdefault(key, []).append(cell)
    order = list(STATUS_LABELS)
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


HOW_TO_READ = """## How to read this

Every number is the **median** of the per-round timings pytest-benchmark recorded for a
cell (one round times one or more calls; the time per call is used), shown as operations
per second. **x over floor** is how much slower a library is than doing the same work
directly with `cryptography` (the *floor*: the same claims, the same key, json/base64/hmac in
a straight line, with the same exp/aud/iss checks on verify); 2.0x means the library spends as
long again on its own code. **x slower than the fastest library** compares the libraries with
each other; the floor is not counted as a library. In the **prepared** key mode the key
object is built once, outside the timing; in the **raw** key mode the library receives the
PEM text (or the secret bytes) and parses it on every call, as much application code does,
so raw numbers include key parsing. A `—` is a cell the library does not implement;
`invalid` is a cell that failed the correctness gate (its work is never timed); `error` is a
cell where the library raised. Runs with few, short rounds (the quick profile) are noisy:
treat differences of a few tens of percent as ties, and compare with a full-profile run."""


def render_markdown(results: Results, charts: Sequence[Path] = ()) -> str:
    """The report's Markdown (pure). ``charts`` are image files placed beside the report."""
    jws = jws_view(results)
    sections = [
        _title(results),
        _summary(results, jws),
        _provenance(results),
        *jws_sections(jws, charts),
        jws_failures_section(jws),
        HOW_TO_READ,
    ]
    return "\n\n".join(sections) + "\n"


def write_report(results: Results, out_dir: Path) -> Path:
    """Draw the charts and write ``out_dir/report.md``; return the report's path."""
    from bench.charts import write_charts  # matplotlib is only needed here

    out_dir.mkdir(parents=True, exist_ok=True)
    charts = write_charts(results, out_dir)
    path = out_dir / REPORT_NAME
    path.write_text(render_markdown(results, charts), encoding="utf-8")
    return path
