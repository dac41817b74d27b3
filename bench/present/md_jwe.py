"""The JWE sections of the report: throughput, the cost of encrypting, token sizes, failures.

Plain JWE cells (params with ``enc``) and nested sign-then-encrypt cells (also
``sig_alg``) are read through ``jwtbench.analysis.views.JweView``; the "cost of
encrypting an access token" puts each nested cell next to the JWS cell it adds
encryption to (``JweCell.base``, ``jwtbench.analysis.nested.encryption_cost``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jwtbench.analysis.nested import (
    common_combos,
    encrypt_sizes,
    encryption_cost,
    nested_sizes,
    signed_size,
)
from jwtbench.analysis.views import (
    BASE_OPS,
    Combo,
    Group,
    JweCell,
    JweView,
    JwsView,
    NestedGroup,
    Pair,
    geomean,
)
from jwtbench.model.cell import NESTED_OPS, Status
from jwtbench.present.fmt import MISSING, fmt_ratio, fmt_status, fmt_us, md_escape
from jwtbench.present.md_base import (
    alg_label,
    chart_links,
    combo_label,
    generic_reason,
    md_table,
    ops_text,
    over_floor_text,
    pair_label,
    section,
    versioned,
)
from jwtbench.present.names import CHART_JWE_COST, CHART_JWE_THROUGHPUT, CHART_JWE_TOKEN_SIZE


def _left_out(view: JweView, shown: Sequence[str], what: str) -> str:
    """A sentence naming the adapters that have no number at all in the family."""
    missing = [a for a in view.adapters if a not in shown]
    if not missing:
        return ""
    names = ", ".join(md_escape(view.label_of(a)) for a in missing)
    return f"Left out (no usable {what} number; see *Cells without numbers*): {names}."


def _jwe_ops_table(view: JweView, group: Group, adapters: Sequence[str]) -> str:
    rows = []
    for pair in view.pairs:
        first = JweCell.at(group, view.floor, pair.alg, pair.enc)
        best = view.fastest(first)
        fastest = best[0] if best else None
        cells = [ops_text(view, first._replace(adapter=a), fastest) for a in adapters]
        rows.append([pair_label(pair), *cells])
    header = ["alg / enc", *(versioned(view, a) for a in adapters)]
    return f"### {group.title} (ops/s)\n\n" + md_table(header, rows)


def _jwe_over_floor_table(view: JweView, group: Group, libraries: Sequence[str]) -> str:
    rows = []
    for pair in view.pairs:
        cells = [JweCell.at(group, lib, pair.alg, pair.enc) for lib in libraries]
        rows.append([pair_label(pair), *(over_floor_text(view, c) for c in cells)])
    header = ["alg / enc", *(versioned(view, a) for a in libraries)]
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
        if view.floor in adapters:
            libraries = [a for a in adapters if a in view.libraries]
            tables.append(_jwe_over_floor_table(view, group, libraries))
    left_out = _left_out(view, adapters, "JWE")
    return section(
        "## JWE throughput",
        "\n\n".join(p for p in (intro, left_out) if p),
        chart_links(charts, CHART_JWE_THROUGHPUT),
        tables,
    )


# -- cost of encrypting an access token ---------------------------------------
def _cost_text(jws: JwsView, jwe: JweView, cell: JweCell) -> str:
    cost = encryption_cost(jws, jwe, cell)
    if cost is not None:
        return f"{fmt_us(cost.base)} → {fmt_us(cost.nested)} µs ({fmt_ratio(cost.ratio)})"
    nested = jwe.row(cell)
    if nested is not None:
        return f"{fmt_us(nested.median)} µs (no {BASE_OPS.get(cell.op, '')} baseline)"
    return fmt_status(jwe.status(cell))


def _cost_geomeans(
    jws: JwsView, jwe: JweView, group: NestedGroup, op: str, adapters: Sequence[str]
) -> list[str] | None:
    """The geometric mean row of a cost table (over the common combinations), or None."""
    common = common_combos(jws, jwe, group, op, adapters)
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
        [combo_label(combo), *(_cost_text(jws, jwe, group.cell(a, combo, op)) for a in adapters)]
        for combo in jwe.combos
    ]
    means = _cost_geomeans(jws, jwe, group, op, adapters)
    if means:
        rows.append(means)
    verb = "Issuing" if op == "sign_encrypt" else "Accepting"
    title = f"### {verb} a token: {BASE_OPS.get(op, '?')} alone → {op}, {group.title}"
    header = ["signature + JWE alg", *(versioned(jwe, a) for a in adapters)]
    return f"{title}\n\n" + md_table(header, rows)


def _size_text(sizes: Sequence[int]) -> str:
    """``565`` or, when libraries differ, ``565`` en dash ``567``."""
    if not sizes:
        return MISSING
    low, high = min(sizes), max(sizes)
    return f"{low:,}" if low == high else f"{low:,}\N{EN DASH}{high:,}"


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
        rows.append([combo_label(combo), signed_text, _size_text(nested), added, times])
    header = ["signature + JWE alg", "signed (bytes)", "signed, then encrypted (bytes)"]
    header += ["added by encryption (bytes)", "x size"]
    return f"### Token bytes, {group.title}\n\n" + md_table(header, rows)


COST_INTRO = (
    "A nested JWT (RFC 7519 §11.2): the claims are signed, then the JWS is encrypted "
    "(`cty: JWT`); the consumer decrypts, then verifies. Each cell: the library's plain JWS "
    "time for the same signature algorithm, key mode and payload → its nested time, and "
    "*x over signing alone* (or over verifying alone) in brackets: how much encrypting the "
    "token multiplies the cost of issuing (or accepting) it. The nested op does strictly more "
    "work than the JWS op, so a ratio below 1.0x is measurement noise: the two cells are "
    "different groups, timed at different moments, so this ratio is **not paired** (no "
    "interval; the machine's drift between them is in it; the charts' whiskers are each "
    "bar's own interval). The last row: the geometric mean over the combinations every "
    "library ran, comparable across libraries."
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
    return section(heading, intro, chart_links(charts, CHART_JWE_COST), parts)


# -- JWE token size -------------------------------------------------------------
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
        rows.append([pair_label(pair), _size_text(sizes), over])
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
    return section("## JWE token size", intro, chart_links(charts, CHART_JWE_TOKEN_SIZE), tables)


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
        parts.append(
            alg_label(alg) if set(encs) >= every else pair_label(Pair(alg, ", ".join(encs)))
        )
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
    if cell.sig_alg and generic_reason(reason, cell.sig_alg) != reason:
        return cell.sig_alg
    return cell.alg


def jwe_failure_lines(jwe: JweView) -> list[str]:
    """Failed JWE and nested cells, grouped by status, adapter and reason (alg generalised)."""
    groups: dict[tuple[str, str, str, bool], list[tuple[JweCell, str]]] = {}
    for cell, status, reason in jwe.failures():
        named = _named(cell, reason)
        key = (status, cell.adapter, generic_reason(reason, named), named == cell.sig_alg)
        groups.setdefault(key, []).append((cell, named))
    order: list[str] = list(Status)
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
