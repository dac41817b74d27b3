"""The Markdown report (and its charts) of one results file.

``render_markdown(results)`` is pure: it turns a loaded ``Results`` into the
report text. ``write_report(results, out_dir)`` draws the charts
(``jwtbench.present.charts``) and writes ``report.md`` next to them.

The JWS data is read through ``JwsView``: every timed row and every matrix
cell of the JWS family, indexed by ``JwsCell``. A cell whose recorded status is
not ``ok`` never shows a number, even when a timed row exists for it (a check
that fails *after* timing leaves one).

The JWE data (params with ``enc``: plain JWE cells, and nested sign-then-encrypt
cells, which also have ``sig_alg``) is read through ``JweView`` the same way,
indexed by ``JweCell``. The "cost of encrypting" view puts each nested cell
next to the JWS cell it adds encryption to (``JweCell.base``). The
cross-library grid (``jwtbench.interop``) is rendered as recorded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS, JWS_ALGS
from jwtbench.adapters.keys import PAYLOADS
from jwtbench.measure.matrix import NESTED_JWE_ALGS, NESTED_SIG_ALGS
from jwtbench.model.cell import JWE_OPS, JWS_OPS, KEY_MODES, NESTED_OPS
from jwtbench.model.results import Results, Row
from jwtbench.present.fmt import fmt_ops, fmt_ratio, fmt_seconds, fmt_us, md_escape

FLOOR = "floor"
REPORT_NAME = "report.md"
#: Chart file names start with these; the report places each chart by its prefix.
CHART_THROUGHPUT = "throughput"
CHART_TOKEN_SIZE = "token_size"
CHART_OVER_FLOOR = "over_floor"
CHART_JWE_THROUGHPUT = "jwe_throughput"
CHART_JWE_COST = "jwe_cost"
CHART_JWE_TOKEN_SIZE = "jwe_token_size"

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


_Cell = TypeVar("_Cell", bound=Hashable)


def _split(
    results: Results, of: Callable[[Mapping[str, Any]], _Cell | None]
) -> tuple[dict[_Cell, Row], dict[_Cell, tuple[str, str]]]:
    """Timed rows and (status, reason) per cell, for the cells ``of`` recognises."""
    rows: dict[_Cell, Row] = {}
    for row in results.rows():
        cell = of(row.params)
        if cell is not None:
            rows[cell] = row
    statuses: dict[_Cell, tuple[str, str]] = {}
    for entry in results.cells:
        cell = of(entry.get("params", {}))
        if cell is not None:
            statuses[cell] = (str(entry.get("status", "")), str(entry.get("reason", "")))
    return rows, statuses


def jws_view(results: Results) -> JwsView:
    """The JWS part of ``results`` (rows and cells with ``enc`` are left out)."""
    rows, statuses = _split(results, JwsCell.of)
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


def _summary(results: Results, jws: JwsView, jwe: JweView) -> str:
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
    if jwe.rows:
        nested = sum(1 for cell in jwe.rows if cell.nested)
        lines.append(
            f"- timed JWE cells: {len(jwe.rows) - nested:,} "
            f"(and {nested:,} nested sign-then-encrypt cells)"
        )
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
    """The JWS data sections of the report ("what to pick" comes after the JWE ones)."""
    if not view.rows and not view.statuses:
        return []
    return [
        _throughput_section(view, charts),
        _token_section(view, charts),
        _over_floor_section(view, charts),
        _over_fastest_section(view),
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


# -- the JWE view -------------------------------------------------------------
#: The JWS op whose work a nested op contains (the baseline of "x over signing").
BASE_OPS = {"sign_encrypt": "sign", "decrypt_verify": "verify"}
#: The PBES2 iteration count (p2c) of this harness's tokens (jwcrypto's default; the floor's).
PBES2_P2C = 8192
#: Markdown footnotes: id -> text. A footnote is defined once, at the end of the report,
#: when its reference (``[^id]``) appears in the text.
FOOTNOTES = {
    "rsa1_5": (
        "**RSA1_5 is insecure**: RSAES-PKCS1-v1_5 key transport is open to "
        "Bleichenbacher-style padding-oracle attacks (a consumer that reveals whether the "
        "padding was valid, through an error or its timing, lets an attacker recover the "
        "content key). RFC 8725 §3.2 says to avoid it, and the JOSE working group's draft "
        "deprecates it (draft-ietf-jose-deprecate-none-rsa15). It is measured because the "
        "libraries still ship it; use RSA-OAEP or RSA-OAEP-256."
    ),
    "pbes2": (
        "**PBES2** derives the key-wrapping key from a password with PBKDF2: its cost is set "
        f"by the iteration count `p2c` ({PBES2_P2C:,} in this harness's tokens), so its time "
        "measures that choice more than the library. A token names its own `p2c`: a consumer "
        "must cap it."
    ),
}


def alg_label(alg: str) -> str:
    """A JWE algorithm as a table shows it: RSA1_5 marked insecure, PBES2 footnoted."""
    if alg == "RSA1_5":
        return "RSA1_5 ⚠ insecure[^rsa1_5]"
    if alg.startswith("PBES2"):
        return f"{alg}[^pbes2]"
    return alg


def footnotes(text: str) -> str:
    """The definitions of the footnotes ``text`` refers to (empty if none)."""
    used = [f"[^{key}]: {note}" for key, note in FOOTNOTES.items() if f"[^{key}]" in text]
    return "\n\n".join(used)


class Pair(NamedTuple):
    """A JWE key-management algorithm and content encryption."""

    alg: str
    enc: str

    @property
    def label(self) -> str:
        return f"{alg_label(self.alg)} / {self.enc}"


class Combo(NamedTuple):
    """A nested token: a JWS signed with ``sig_alg``, encrypted with ``alg``."""

    sig_alg: str
    alg: str

    @property
    def label(self) -> str:
        return f"{self.sig_alg} + {alg_label(self.alg)}"


class JweCell(NamedTuple):
    adapter: str
    alg: str
    enc: str
    sig_alg: str  # the inner signature of a nested cell; "" for a plain JWE cell
    op: str
    key_mode: str
    payload: str

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> JweCell | None:
        """The JWE or nested cell of ``params``; None for JWS or incomplete params."""
        if "enc" not in params:
            return None
        try:
            return cls(
                adapter=str(params["adapter"]),
                alg=str(params["alg"]),
                enc=str(params["enc"]),
                sig_alg=str(params.get("sig_alg", "")),
                op=str(params["op"]),
                key_mode=str(params["key_mode"]),
                payload=str(params["payload"]),
            )
        except KeyError:
            return None

    @classmethod
    def at(cls, group: Group, adapter: str, alg: str, enc: str, sig_alg: str = "") -> JweCell:
        return cls(adapter, alg, enc, sig_alg, group.op, group.key_mode, group.payload)

    @property
    def nested(self) -> bool:
        return bool(self.sig_alg)

    @property
    def base(self) -> JwsCell | None:
        """The JWS cell whose work this nested cell contains (sign for sign_encrypt)."""
        op = BASE_OPS.get(self.op)
        if not self.sig_alg or op is None:
            return None
        return JwsCell(self.adapter, self.sig_alg, op, self.key_mode, self.payload)


class NestedGroup(NamedTuple):
    """One cost table's worth of nested cells: an enc, a key mode and a payload."""

    enc: str
    key_mode: str
    payload: str

    def cell(self, adapter: str, combo: Combo, op: str) -> JweCell:
        return JweCell(adapter, combo.alg, self.enc, combo.sig_alg, op, self.key_mode, self.payload)

    @property
    def title(self) -> str:
        return f"{self.key_mode} key, {self.payload} payload, enc {self.enc}"


K = TypeVar("K", bound=Hashable)


def _usable(rows: Mapping[K, Row], statuses: Mapping[K, tuple[str, str]], cell: K) -> Row | None:
    """The timed row of ``cell``, unless its status says its numbers are not to be used."""
    entry = statuses.get(cell)
    if entry is not None and entry[0] not in ("", "ok"):
        return None
    return rows.get(cell)


def _status_label(status: str | None) -> str:
    """What to show for a cell without a usable number."""
    if status in (None, "", "ok"):  # measured, but what it is compared with is missing
        return MISSING
    return STATUS_LABELS.get(status, status)


@dataclass(frozen=True)
class JweView:
    """The JWE and nested rows and cells of a results file."""

    rows: Mapping[JweCell, Row]
    statuses: Mapping[JweCell, tuple[str, str]]  # status, reason
    adapters: tuple[str, ...]
    pairs: tuple[Pair, ...]  # of the plain JWE cells
    combos: tuple[Combo, ...]  # of the nested cells
    nested_encs: tuple[str, ...]
    ops: tuple[str, ...]
    key_modes: tuple[str, ...]
    payloads: tuple[str, ...]
    versions: Mapping[str, str]

    @property
    def libraries(self) -> tuple[str, ...]:
        return tuple(a for a in self.adapters if a != FLOOR)

    @property
    def main_payload(self) -> str | None:
        if "small" in self.payloads:
            return "small"
        return self.payloads[0] if self.payloads else None

    def cells(self, nested: bool) -> list[JweCell]:
        """Every cell (timed or with a status) of the plain JWE or of the nested family."""
        return [c for c in dict.fromkeys((*self.rows, *self.statuses)) if c.nested == nested]

    def groups(self, nested: bool) -> list[Group]:
        """Every (op, key mode, payload) of the family with at least one cell, in report order."""
        present = {Group(c.op, c.key_mode, c.payload) for c in self.cells(nested)}
        return [
            Group(op, key_mode, payload)
            for payload in self.payloads
            for key_mode in self.key_modes
            for op in self.ops
            if Group(op, key_mode, payload) in present
        ]

    @property
    def nested_groups(self) -> list[NestedGroup]:
        present = {NestedGroup(c.enc, c.key_mode, c.payload) for c in self.cells(True)}
        return [
            NestedGroup(enc, key_mode, payload)
            for payload in self.payloads
            for key_mode in self.key_modes
            for enc in self.nested_encs
            if NestedGroup(enc, key_mode, payload) in present
        ]

    def measured(self, nested: bool) -> tuple[str, ...]:
        """The adapters with at least one usable number in the family (table columns)."""
        timed = {c.adapter for c in self.cells(nested) if self.row(c)}
        return tuple(a for a in self.adapters if a in timed)

    def status(self, cell: JweCell) -> str | None:
        entry = self.statuses.get(cell)
        return entry[0] if entry else None

    def row(self, cell: JweCell) -> Row | None:
        return _usable(self.rows, self.statuses, cell)

    def label(self, cell: JweCell) -> str:
        return _status_label(self.status(cell))

    def fastest(self, cell: JweCell) -> tuple[str, Row] | None:
        """The fastest library (the floor excluded) for the cell's work."""
        timed = [(a, r) for a in self.libraries if (r := self.row(cell._replace(adapter=a)))]
        return min(timed, key=lambda item: item[1].median) if timed else None

    def over_floor(self, cell: JweCell) -> float | None:
        row, floor = self.row(cell), self.row(cell._replace(adapter=FLOOR))
        if row is None or floor is None or floor.median <= 0:
            return None
        return row.median / floor.median

    def over_fastest(self, cell: JweCell) -> float | None:
        row, best = self.row(cell), self.fastest(cell)
        if row is None or best is None or cell.adapter == FLOOR:
            return None
        return row.median / best[1].median

    def sizes(self, cell: JweCell) -> list[int]:
        """Token bytes of the cell's work, over every adapter that timed it."""
        rows = [self.row(cell._replace(adapter=a)) for a in self.adapters]
        return sorted({r.token_bytes for r in rows if r and r.token_bytes is not None})

    def failures(self) -> list[tuple[JweCell, str, str]]:
        """Every cell whose status is not ``ok``: (cell, status, reason), adapters in order."""
        failed = [(c, s, r) for c, (s, r) in self.statuses.items() if s != "ok"]
        rank = {a: i for i, a in enumerate(self.adapters)}
        return sorted(failed, key=lambda item: rank.get(item[0].adapter, len(rank)))


def jwe_view(results: Results) -> JweView:
    """The JWE and nested part of ``results`` (rows and cells with ``enc``)."""
    rows, statuses = _split(results, JweCell.of)
    cells = [*rows, *statuses]
    info: dict[str, Any] = results.meta.get("adapters", {})
    return JweView(
        rows=rows,
        statuses=statuses,
        adapters=_ordered((c.adapter for c in cells), (FLOOR, *info)),
        pairs=_pairs(c for c in cells if not c.nested),
        combos=_combos(c for c in cells if c.nested),
        nested_encs=_ordered((c.enc for c in cells if c.nested), JWE_ENCS),
        ops=_ordered((c.op for c in cells), JWE_OPS + NESTED_OPS),
        key_modes=_ordered((c.key_mode for c in cells), KEY_MODES),
        payloads=_ordered((c.payload for c in cells), PAYLOADS),
        versions={name: str(i.get("version", "")) for name, i in info.items() if i.get("version")},
    )


def _rank(canonical: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    return lambda name: (canonical.index(name) if name in canonical else len(canonical), name)


def _pairs(cells: Iterable[JweCell]) -> tuple[Pair, ...]:
    """The (alg, enc) pairs of ``cells``, by algorithm then content encryption."""
    alg, enc = _rank(JWE_ALGS), _rank(JWE_ENCS)
    pairs = {Pair(c.alg, c.enc) for c in cells}
    return tuple(sorted(pairs, key=lambda p: (alg(p.alg), enc(p.enc))))


def _combos(cells: Iterable[JweCell]) -> tuple[Combo, ...]:
    """The (signature, JWE alg) combinations of ``cells``, by signature then JWE alg."""
    sig, alg = _rank((*NESTED_SIG_ALGS, *JWS_ALGS)), _rank((*NESTED_JWE_ALGS, *JWE_ALGS))
    combos = {Combo(c.sig_alg, c.alg) for c in cells}
    return tuple(sorted(combos, key=lambda c: (sig(c.sig_alg), alg(c.alg))))


# -- JWE sections -------------------------------------------------------------
def _versioned(view: JweView, adapter: str) -> str:
    version = view.versions.get(adapter)
    return md_escape(f"{adapter} {version}" if version and adapter != FLOOR else adapter)


def _left_out(view: JweView, shown: Sequence[str], what: str) -> str:
    """A sentence naming the adapters that have no number at all in the family."""
    missing = [a for a in view.adapters if a not in shown]
    if not missing:
        return ""
    names = ", ".join(md_escape(a) for a in missing)
    return f"Left out (no usable {what} number; see *Cells without numbers*): {names}."


def _bold_if(text: str, bold: bool) -> str:
    return f"**{text}**" if bold else text


def _jwe_ops_table(view: JweView, group: Group, adapters: Sequence[str]) -> str:
    rows = []
    for pair in view.pairs:
        first = JweCell.at(group, FLOOR, pair.alg, pair.enc)
        best = view.fastest(first)
        cells = []
        for adapter in adapters:
            cell = first._replace(adapter=adapter)
            row = view.row(cell)
            text = _bold_if(fmt_ops(row.ops), bool(best and best[0] == adapter)) if row else None
            cells.append(text or view.label(cell))
        rows.append([pair.label, *cells])
    header = ["alg / enc", *(_versioned(view, a) for a in adapters)]
    return f"### {group.title} (ops/s)\n\n" + md_table(header, rows)


def _jwe_over_floor_table(view: JweView, group: Group, libraries: Sequence[str]) -> str:
    rows = []
    for pair in view.pairs:
        cells = [JweCell.at(group, lib, pair.alg, pair.enc) for lib in libraries]
        ratios = [view.over_floor(c) for c in cells]
        texts = [
            fmt_ratio(r) if r is not None else view.label(c)
            for c, r in zip(cells, ratios, strict=True)
        ]
        rows.append([pair.label, *texts])
    header = ["alg / enc", *(_versioned(view, a) for a in libraries)]
    return f"### {group.title}: x over floor\n\n" + md_table(header, rows)


def jwe_throughput_section(view: JweView, charts: Sequence[Path] = ()) -> str:
    """Ops/s and x over floor per (alg, enc) for the plain JWE ops (encrypt, decrypt)."""
    adapters = view.measured(nested=False)
    intro = (
        "A compact JWE of the claims alone (no signature inside): *encrypt* makes one, "
        "*decrypt* opens one made by another implementation and checks the claims. "
        "Operations per second (from the median; higher is better); **bold**: the fastest "
        "library for that pair (the floor excluded). Then *x over floor*: library time / "
        "floor time for the same pair (below 1.0x: noise, or a shortcut the floor does not take)."
    )
    tables: list[str] = []
    for group in view.groups(nested=False):
        tables.append(_jwe_ops_table(view, group, adapters))
        if FLOOR in adapters:
            libraries = [a for a in adapters if a != FLOOR]
            tables.append(_jwe_over_floor_table(view, group, libraries))
    left_out = _left_out(view, adapters, "JWE")
    return _section(
        "## JWE throughput",
        "\n\n".join(p for p in (intro, left_out) if p),
        _chart_links(charts, CHART_JWE_THROUGHPUT),
        tables,
    )


# -- cost of encrypting an access token ---------------------------------------
class Cost(NamedTuple):
    """Median seconds of a JWS op and of the nested op that contains it."""

    base: float
    nested: float

    @property
    def ratio(self) -> float:
        return self.nested / self.base

    @property
    def added(self) -> float:
        return self.nested - self.base


def encryption_cost(jws: JwsView, jwe: JweView, cell: JweCell) -> Cost | None:
    """The nested cell's median next to its JWS baseline's (same adapter, key mode, payload)."""
    base_cell = cell.base
    nested = jwe.row(cell)
    base = jws.row(base_cell) if base_cell else None
    if nested is None or base is None or base.median <= 0:
        return None
    return Cost(base.median, nested.median)


def _cost_text(jws: JwsView, jwe: JweView, cell: JweCell) -> str:
    cost = encryption_cost(jws, jwe, cell)
    if cost is not None:
        return f"{fmt_us(cost.base)} → {fmt_us(cost.nested)} µs ({fmt_ratio(cost.ratio)})"
    nested = jwe.row(cell)
    if nested is not None:
        return f"{fmt_us(nested.median)} µs (no {BASE_OPS.get(cell.op, '')} baseline)"
    return jwe.label(cell)


def _common_combos(
    jws: JwsView, jwe: JweView, group: NestedGroup, op: str, adapters: Sequence[str]
) -> list[Combo]:
    """The combinations every adapter in ``adapters`` has a cost for."""
    return [
        combo
        for combo in jwe.combos
        if all(encryption_cost(jws, jwe, group.cell(a, combo, op)) for a in adapters)
    ]


def _cost_geomeans(
    jws: JwsView, jwe: JweView, group: NestedGroup, op: str, adapters: Sequence[str]
) -> list[str] | None:
    """The geometric mean row of a cost table (over the common combinations), or None."""
    common = _common_combos(jws, jwe, group, op, adapters)
    if not common:
        return None
    means = []
    for adapter in adapters:
        ratios = [encryption_cost(jws, jwe, group.cell(adapter, c, op)) for c in common]
        means.append(fmt_ratio(geomean([c.ratio for c in ratios if c])))
    return [f"geometric mean ({len(common)} combinations all ran)", *means]


def _cost_table(jws: JwsView, jwe: JweView, group: NestedGroup, op: str) -> str:
    adapters = jwe.measured(nested=True)
    rows = [
        [combo.label, *(_cost_text(jws, jwe, group.cell(a, combo, op)) for a in adapters)]
        for combo in jwe.combos
    ]
    means = _cost_geomeans(jws, jwe, group, op, adapters)
    if means:
        rows.append(means)
    verb = "Issuing" if op == "sign_encrypt" else "Accepting"
    title = f"### {verb} a token: {BASE_OPS.get(op, '?')} alone → {op}, {group.title}"
    header = ["signature + JWE alg", *(_versioned(jwe, a) for a in adapters)]
    return f"{title}\n\n" + md_table(header, rows)


def signed_size(jws: JwsView, sig_alg: str, payload: str) -> int | None:
    """The compact JWS size of ``sig_alg`` (the smallest if libraries differ)."""
    per = jws.token_sizes(payload).get(sig_alg, {})
    return min(per.values()) if per else None


def _size_text(sizes: Sequence[int]) -> str:
    """``565`` or, when libraries differ, ``565`` en dash ``567``."""
    if not sizes:
        return MISSING
    low, high = min(sizes), max(sizes)
    return f"{low:,}" if low == high else f"{low:,}\N{EN DASH}{high:,}"


def nested_sizes(jwe: JweView, group: NestedGroup, combo: Combo) -> list[int]:
    return jwe.sizes(group.cell(FLOOR, combo, "sign_encrypt"))


def _cost_size_table(jws: JwsView, jwe: JweView, group: NestedGroup) -> str:
    rows = []
    for combo in jwe.combos:
        signed = signed_size(jws, combo.sig_alg, group.payload)
        nested = nested_sizes(jwe, group, combo)
        if signed is None or not nested:
            added = times = MISSING
        else:
            added = "+" + _size_text([n - signed for n in nested])
            times = fmt_ratio(max(nested) / signed)
        signed_text = f"{signed:,}" if signed is not None else MISSING
        rows.append([combo.label, signed_text, _size_text(nested), added, times])
    header = ["signature + JWE alg", "signed (bytes)", "signed, then encrypted (bytes)"]
    header += ["added by encryption (bytes)", "x size"]
    return f"### Token bytes, {group.title}\n\n" + md_table(header, rows)


COST_INTRO = (
    "A nested JWT (RFC 7519 §11.2): the claims are signed, then the JWS is encrypted "
    "(`cty: JWT`); the consumer decrypts, then verifies. Each cell: the library's plain JWS "
    "time for the same signature algorithm, key mode and payload → its nested time, and "
    "*x over signing alone* (or over verifying alone) in brackets: how much encrypting the "
    "token multiplies the cost of issuing (or accepting) it. The nested op does strictly more "
    "work than the JWS op, so a ratio below 1.0x is measurement noise (the two were timed "
    "minutes apart; short quick-profile runs are noisy). The last row: the geometric mean "
    "over the combinations every library ran, comparable across libraries."
)


def cost_section(jws: JwsView, jwe: JweView, charts: Sequence[Path] = ()) -> str:
    """The "cost of encrypting an access token" view: nested vs plain JWS, time and size."""
    heading = "## Cost of encrypting an access token"
    if not jwe.combos:
        return ""
    parts: list[str] = []
    for group in jwe.nested_groups:
        parts += [_cost_table(jws, jwe, group, op) for op in NESTED_OPS if op in jwe.ops]
        parts.append(_cost_size_table(jws, jwe, group))
    left_out = _left_out(jwe, jwe.measured(nested=True), "nested")
    intro = "\n\n".join(p for p in (COST_INTRO, left_out) if p)
    return _section(heading, intro, _chart_links(charts, CHART_JWE_COST), parts)


# -- JWE token size -------------------------------------------------------------
def encrypt_sizes(jwe: JweView, alg: str, enc: str, payload: str) -> list[int]:
    """Token bytes of the plain JWE of ``payload`` (in any key mode: it does not change them)."""
    sizes: set[int] = set()
    for key_mode in jwe.key_modes:
        sizes.update(jwe.sizes(JweCell(FLOOR, alg, enc, "", "encrypt", key_mode, payload)))
    return sorted(sizes)


def _size_matrix(jws: JwsView, jwe: JweView, group: NestedGroup) -> str:
    """Inner token (none, or a signature) x JWE alg: token bytes and what encryption adds."""
    algs = list(dict.fromkeys(c.alg for c in jwe.combos))
    sig_algs = list(dict.fromkeys(c.sig_alg for c in jwe.combos))
    claims_only = [_size_text(encrypt_sizes(jwe, a, group.enc, group.payload)) for a in algs]
    rows = [["claims only (encrypted, not signed)", MISSING, *claims_only]]
    for sig_alg in sig_algs:
        signed = signed_size(jws, sig_alg, group.payload)
        cells = []
        for alg in algs:
            nested = nested_sizes(jwe, group, Combo(sig_alg, alg))
            added = f" (+{_size_text([n - signed for n in nested])})" if signed and nested else ""
            cells.append(_size_text(nested) + added)
        rows.append([f"signed with {sig_alg}", f"{signed:,}" if signed else MISSING, *cells])
    header = ["inner token", "not encrypted (bytes)", *(alg_label(a) for a in algs)]
    title = f"### Signed vs encrypted vs both, {group.payload} payload, enc {group.enc}"
    return f"{title}\n\n" + md_table(header, rows)


def _pair_size_table(jwe: JweView, payload: str) -> str | None:
    """Every (alg, enc) pair's compact JWE size (claims only), and what it adds over dir."""
    rows = []
    for pair in jwe.pairs:
        sizes = encrypt_sizes(jwe, pair.alg, pair.enc, payload)
        direct = encrypt_sizes(jwe, "dir", pair.enc, payload)
        over = f"+{min(sizes) - min(direct):,}" if sizes and direct else MISSING
        rows.append([pair.label, _size_text(sizes), over])
    if all(row[1] == MISSING for row in rows):
        return None
    header = ["alg / enc", "token (bytes)", "over dir with the same enc (bytes)"]
    return f"### Every pair, claims only, {payload} payload\n\n" + md_table(header, rows)


def jwe_token_section(jws: JwsView, jwe: JweView, charts: Sequence[Path] = ()) -> str:
    """Token bytes: signed vs encrypted vs nested, and every JWE pair."""
    tables: list[str] = []
    for payload in jwe.payloads:
        groups = [g for g in jwe.nested_groups if g.payload == payload]
        # one matrix per enc (the key mode does not change a size)
        for enc in dict.fromkeys(g.enc for g in groups):
            tables.append(_size_matrix(jws, jwe, next(g for g in groups if g.enc == enc)))
        pairs = _pair_size_table(jwe, payload)
        if pairs:
            tables.append(pairs)
    if not tables:
        return ""
    intro = (
        "Compact serialisation sizes, from the tokens each library made (encrypt and "
        "sign_encrypt cells). *Not encrypted*: the signed JWS alone; in brackets, the bytes "
        "encryption adds to it. A range means the libraries' tokens differ (extra header "
        "fields, or an ECDH-ES `epk` with a short coordinate)."
    )
    return _section("## JWE token size", intro, _chart_links(charts, CHART_JWE_TOKEN_SIZE), tables)


# -- cross-library interoperability --------------------------------------------
INTEROP_VERBS = {"jwe": "decryptions", "jws": "verifications"}


def _interop_key(entry: Mapping[str, Any]) -> str:
    """``RSA-OAEP / A256GCM`` (JWE, insecure algorithms marked) or ``RS256`` (JWS)."""
    alg = str(entry.get("alg", "?"))
    if entry.get("family") == "jwe":
        return Pair(alg, str(entry.get("enc", "?"))).label
    return alg


def _interop_grid(entries: Sequence[Mapping[str, Any]], order: Sequence[str]) -> str:
    """Producer x consumer: ``ok/total`` over the algorithms both declare; ✗ marks a failure."""
    counts: dict[tuple[str, str], list[int]] = {}
    for entry in entries:
        tally = counts.setdefault((str(entry["producer"]), str(entry["consumer"])), [0, 0])
        tally[0] += bool(entry.get("ok"))
        tally[1] += 1
    names = _ordered((name for pair in counts for name in pair), order)
    rows = []
    for producer in names:
        cells = []
        for consumer in names:
            ok, total = counts.get((producer, consumer), (0, 0))
            mark = " ✗" if ok < total else ""
            cells.append(f"{ok}/{total}{mark}" if total else MISSING)
        rows.append([md_escape(producer), *cells])
    header = ["producer ↓ / consumer →", *(md_escape(n) for n in names)]
    return md_table(header, rows)


def _interop_failures(entries: Sequence[Mapping[str, Any]]) -> str:
    failed = [e for e in entries if not e.get("ok")]
    if not failed:
        return "No failures."
    lines = []
    for entry in failed:
        error = md_escape(str(entry.get("error") or "no error recorded"))
        producer, consumer = md_escape(str(entry["producer"])), md_escape(str(entry["consumer"]))
        lines.append(f"- {_interop_key(entry)}: {producer} → {consumer}: {error}")
    return f"Failures ({len(failed)}):\n\n" + "\n".join(lines)


def _interop_family(family: str, entries: Sequence[Mapping[str, Any]], order: Sequence[str]) -> str:
    ok = sum(bool(e.get("ok")) for e in entries)
    keys = {_interop_key(e) for e in entries}
    what = "(alg, enc) pairs" if family == "jwe" else "algorithms"
    summary = (
        f"{ok:,}/{len(entries):,} {INTEROP_VERBS.get(family, 'checks')} succeeded over "
        f"{len(keys)} {what}. Each cell: of the {what} both libraries declare, how many "
        "tokens the consumer opened correctly (✗: at least one failed)."
    )
    parts = [f"### {family.upper()}", summary, _interop_grid(entries, order)]
    parts.append(_interop_failures(entries))
    return "\n\n".join(parts)


def interop_section(results: Results) -> str:
    """The producer x consumer grids recorded in the run (``jwtbench.interop``)."""
    heading = "## Cross-library interoperability"
    entries = results.meta.get("interop")
    if not isinstance(entries, list):
        return f"{heading}\n\nNot recorded in this results file."
    if not entries:
        return f"{heading}\n\nRecorded, but empty: no algorithm was checked."
    intro = (
        "Made once per run, outside the timing: every library makes a token (small payload, "
        "prepared key) for each algorithm of the run it declares, and every library that "
        "declares the same algorithm opens it and compares the claims. The floor takes part "
        "as one more implementation."
    )
    order = (FLOOR, *results.meta.get("adapters", {}))
    families = list(dict.fromkeys(str(e.get("family", "?")) for e in entries))
    families.sort(key=lambda f: {"jwe": 0, "jws": 1}.get(f, 2))
    parts = [heading, intro]
    for family in families:
        own = [e for e in entries if e.get("family") == family]
        parts.append(_interop_family(family, own, order))
    return "\n\n".join(parts)


# -- what to pick: JWE ---------------------------------------------------------
def _jwe_keys(jwe: JweView, group: Group, nested: bool) -> list[tuple[str, str, str]]:
    """(alg, enc, sig_alg) of every pair (or nested combination) of ``group``."""
    if not nested:
        return [(p.alg, p.enc, "") for p in jwe.pairs]
    return [(c.alg, enc, c.sig_alg) for c in jwe.combos for enc in jwe.nested_encs]


def _jwe_scores(
    jwe: JweView, group: Group, nested: bool
) -> tuple[list[tuple[str, float, int]], int]:
    """(library, geometric mean of x slower than the fastest, count) over the common keys."""
    keys = _jwe_keys(jwe, group, nested)
    timed = {
        lib: {k for k in keys if jwe.row(JweCell.at(group, lib, k[0], k[1], k[2]))}
        for lib in jwe.libraries
    }
    measured = [ks for ks in timed.values() if ks]
    common = set.intersection(*measured) if measured else set()
    scores = []
    for lib, own in timed.items():
        ratios = [
            r for k in keys if k in common and (r := jwe.over_fastest(JweCell.at(group, lib, *k)))
        ]
        if own and ratios:
            scores.append((lib, geomean(ratios), len(ratios)))
    return sorted(scores, key=lambda item: item[1]), len(common)


def _jwe_pick_lines(jwe: JweView) -> list[str]:
    lines = []
    for nested in (False, True):
        what = "combinations" if nested else "pairs"
        for group in jwe.groups(nested):
            scores, common = _jwe_scores(jwe, group, nested)
            if not scores:
                continue
            ranking = " · ".join(f"{md_escape(lib)} {fmt_ratio(s)}" for lib, s, _ in scores)
            lines.append(
                f"- {group.title}: {_pick_text(scores)} — over the {common} {what} every "
                f"library measured ({ranking})"
            )
    return lines


def jwe_pick_text(jwe: JweView) -> str:
    lines = _jwe_pick_lines(jwe)
    if not lines:
        return ""
    intro = (
        "JWE and nested tokens: the lowest geometric mean of *x slower than the fastest "
        "library* over the (alg, enc) pairs (nested: the signature + JWE alg combinations) "
        "that every library with a number for the op measured:"
    )
    return intro + "\n\n" + "\n".join(lines)


# -- JWE failures ----------------------------------------------------------------
def _nested_text(jwe: JweView, cells: Sequence[JweCell]) -> str:
    """``ECDH-ES with any signature`` or ``EdDSA inside dir, A256KW`` (the shorter grouping)."""
    combos = list(dict.fromkeys(Combo(c.sig_alg, c.alg) for c in cells))
    by_alg: dict[str, list[str]] = {}
    by_sig: dict[str, list[str]] = {}
    for combo in combos:
        by_alg.setdefault(combo.alg, []).append(combo.sig_alg)
        by_sig.setdefault(combo.sig_alg, []).append(combo.alg)
    every_sig = {c.sig_alg for c in jwe.combos}
    every_alg = {c.alg for c in jwe.combos}
    if len(by_alg) <= len(by_sig):
        return "; ".join(
            f"{alg_label(alg)} with " + ("any signature" if set(s) >= every_sig else ", ".join(s))
            for alg, s in by_alg.items()
        )
    return "; ".join(
        f"{sig} inside " + ("any JWE alg" if set(a) >= every_alg else ", ".join(map(alg_label, a)))
        for sig, a in by_sig.items()
    )


def _plain_text(jwe: JweView, cells: Sequence[JweCell]) -> str:
    """``ECDH-ES, A128GCMKW`` (every pair of those algs) or ``dir / A128GCM, A256GCM``."""
    by_alg: dict[str, list[str]] = {}
    for cell in cells:
        if cell.enc not in by_alg.setdefault(cell.alg, []):
            by_alg[cell.alg].append(cell.enc)
    parts = []
    for alg, encs in by_alg.items():
        every = {p.enc for p in jwe.pairs if p.alg == alg}
        parts.append(alg_label(alg) if set(encs) >= every else Pair(alg, ", ".join(encs)).label)
    return ", ".join(parts)


def _jwe_cells_text(jwe: JweView, adapter: str, cells: Sequence[JweCell]) -> str:
    """What a group of failed cells covers, with its cell count."""
    total = sum(1 for c in (*jwe.cells(False), *jwe.cells(True)) if c.adapter == adapter)
    if len(cells) == total:
        return f"every JWE and nested cell ({total} cells)"
    parts = []
    plain = [c for c in cells if not c.nested]
    if plain:
        parts.append("JWE " + _plain_text(jwe, plain))
    nested = [c for c in cells if c.nested]
    if nested:
        parts.append("nested " + _nested_text(jwe, nested))
    return f"{'; '.join(parts)} ({len(cells)} cells)"


def _named(cell: JweCell, reason: str) -> str:
    """The algorithm ``reason`` is about: the signature's if it names it, else the JWE alg."""
    if cell.sig_alg and _generic_reason(reason, cell.sig_alg) != reason:
        return cell.sig_alg
    return cell.alg


def jwe_failure_lines(jwe: JweView) -> list[str]:
    """Failed JWE and nested cells, grouped by status, adapter and reason (alg generalised)."""
    groups: dict[tuple[str, str, str, bool], list[tuple[JweCell, str]]] = {}
    for cell, status, reason in jwe.failures():
        named = _named(cell, reason)
        key = (status, cell.adapter, _generic_reason(reason, named), named == cell.sig_alg)
        groups.setdefault(key, []).append((cell, named))
    order = list(STATUS_LABELS)
    ranked = sorted(
        groups.items(),
        key=lambda item: order.index(item[0][0]) if item[0][0] in order else len(order),
    )
    lines = []
    for (status, adapter, reason, _), members in ranked:
        names = {named for _, named in members}
        if len(names) == 1:
            reason = reason.replace("<alg>", names.pop())
        where = _jwe_cells_text(jwe, adapter, [cell for cell, _ in members])
        why = md_escape(reason) or "no reason recorded"
        lines.append(f"- **{md_escape(status)}** — {md_escape(adapter)}: {where} — {why}")
    return lines


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


def jwe_sections(jws: JwsView, jwe: JweView, charts: Sequence[Path] = ()) -> list[str]:
    """The JWE data sections: throughput, cost of encrypting an access token, token size."""
    if not jwe.rows and not jwe.statuses:
        return []
    sections = [
        jwe_throughput_section(jwe, charts),
        cost_section(jws, jwe, charts),
        jwe_token_section(jws, jwe, charts),
    ]
    return [section for section in sections if section]


def pick_section(jws: JwsView, jwe: JweView) -> str:
    """What to pick: per JWS family, then a JWE line per op (empty if nothing was measured)."""
    parts = [_pick_section(jws)] if jws.rows or jws.statuses else []
    jwe_text = jwe_pick_text(jwe)
    if jwe_text:
        parts.append(jwe_text if parts else f"## What to pick\n\n{jwe_text}")
    return "\n\n".join(parts)


def failures_section(jws: JwsView, jwe: JweView) -> str:
    """Cells without numbers: the JWS ones, then the JWE and nested ones."""
    if not jwe.statuses:
        return jws_failures_section(jws)
    lines = jwe_failure_lines(jwe)
    jwe_text = (
        "JWE and nested (sign-then-encrypt) cells:\n\n" + "\n".join(lines)
        if lines
        else "Every JWE and nested cell was measured."
    )
    if not jws.statuses:
        return f"## Cells without numbers\n\n{jwe_text}"
    return f"{jws_failures_section(jws)}\n\n{jwe_text}"


JWE_HOW_TO_READ = """**JWE**: *encrypt* and *decrypt* time a compact JWE of the claims alone (no
signature inside); *sign_encrypt* and *decrypt_verify* time a nested JWT (sign, then encrypt
the JWS; decrypt, then verify), the usual way to encrypt an access token. Their *x over
signing alone* divides the nested time by the same library's plain JWS time (sign or verify,
same signature algorithm, key mode and payload), so it reads as "encrypting makes issuing
(accepting) this token N times as slow". The JWE key modes and payloads are the profile's
(the quick profile: prepared keys, small payload). The interoperability grid is checked once
per run outside the timing; it says nothing about speed."""


def render_markdown(results: Results, charts: Sequence[Path] = ()) -> str:
    """The report's Markdown (pure). ``charts`` are image files placed beside the report."""
    jws, jwe = jws_view(results), jwe_view(results)
    sections = [
        _title(results),
        _summary(results, jws, jwe),
        _provenance(results),
        *jws_sections(jws, charts),
        *jwe_sections(jws, jwe, charts),
        interop_section(results),
        pick_section(jws, jwe),
        failures_section(jws, jwe),
        HOW_TO_READ,
        JWE_HOW_TO_READ if jwe.rows or jwe.statuses else "",
    ]
    text = "\n\n".join(section for section in sections if section)
    notes = footnotes(text)
    return f"{text}\n\n{notes}\n" if notes else f"{text}\n"


def write_report(results: Results, out_dir: Path) -> Path:
    """Draw the charts and write ``out_dir/report.md``; return the report's path."""
    from jwtbench.present.charts import write_charts  # matplotlib is only needed here

    out_dir.mkdir(parents=True, exist_ok=True)
    charts = write_charts(results, out_dir)
    path = out_dir / REPORT_NAME
    path.write_text(render_markdown(results, charts), encoding="utf-8")
    return path
