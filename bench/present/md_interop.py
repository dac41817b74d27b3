"""The cross-library interoperability section: the producer x consumer grids as recorded.

``jwtbench.measure.interop`` checks, once per run and outside the timing, that
every library opens every other library's tokens; this renders what it recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jwtbench.analysis.views import FLOOR, Pair, ordered
from jwtbench.model.results import Results
from jwtbench.present.fmt import MISSING, md_escape
from jwtbench.present.md_base import md_table, pair_label

INTEROP_VERBS = {"jwe": "decryptions", "jws": "verifications"}


def _interop_key(entry: Mapping[str, Any]) -> str:
    """``RSA-OAEP / A256GCM`` (JWE, insecure algorithms marked) or ``RS256`` (JWS)."""
    alg = str(entry.get("alg", "?"))
    if entry.get("family") == "jwe":
        return pair_label(Pair(alg, str(entry.get("enc", "?"))))
    return alg


def _interop_grid(entries: Sequence[Mapping[str, Any]], order: Sequence[str]) -> str:
    """Producer x consumer: ``ok/total`` over the algorithms both declare; ✗ marks a failure."""
    counts: dict[tuple[str, str], list[int]] = {}
    for entry in entries:
        tally = counts.setdefault((str(entry["producer"]), str(entry["consumer"])), [0, 0])
        tally[0] += bool(entry.get("ok"))
        tally[1] += 1
    names = ordered((name for pair in counts for name in pair), order)
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
