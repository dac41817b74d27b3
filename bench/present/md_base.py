"""Markdown building blocks every report section uses: tables, chart links, names.

Algorithm and adapter names as the report shows them live here: RSA1_5 marked
insecure and PBES2 footnoted (``alg_label``), an adapter by the display label
its results file gives it, with its version (``versioned``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jwtbench.analysis.views import PBES2_P2C, CellView, Combo, Pair
from jwtbench.present.fmt import fmt_ops, fmt_paired, fmt_ratio, fmt_status, md_escape

#: Marks a library tied for fastest, and a ratio whose interval includes 1.0x.
TIED = "≈"


def ops_text(view: CellView[Any], cell: Any, fastest: str | None) -> str:
    """A cell's ops/s: ``≈ n`` when tied for fastest, bold when the fastest beyond the interval.

    ``fastest``: the fastest library's name. Without paired intervals (older runs)
    ``tied_fastest`` is empty and the fastest is bold, as it always was.
    """
    row = view.row(cell)
    if row is None:
        return fmt_status(view.status(cell))
    text = fmt_ops(row.ops)
    tied = view.tied_fastest(cell)
    if len(tied) > 1 and cell.adapter in tied:
        return f"{TIED} {text}"
    return f"**{text}**" if cell.adapter == fastest else text


def over_floor_text(view: CellView[Any], cell: Any) -> str:
    """``2.14x [1.91, 2.30]`` (paired; ``≈`` when the interval includes 1.0x), else ``2.1x``."""
    interval = view.over_floor_interval(cell)
    if interval is not None:
        text = fmt_paired(*interval[:3])
        return f"{text} {TIED}" if interval.includes(1.0) else text
    value = view.over_floor(cell)
    return fmt_ratio(value) if value is not None else fmt_status(view.status(cell))


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


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: bool = True) -> str:
    """A Markdown table; the first column left-aligned, the others right-aligned if ``numeric``."""
    align = [":--"] + ["--:" if numeric else ":--"] * (len(header) - 1)
    lines = [_md_row(header), _md_row(align)]
    lines += [_md_row(row) for row in rows]
    return "\n".join(lines)


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def chart_links(charts: Sequence[Path], prefix: str) -> str:
    """Markdown image links (relative paths) for the charts whose name starts with ``prefix``."""
    links = []
    for chart in charts:
        if chart.stem.startswith(prefix):
            alt = chart.stem.replace("_", " ")
            links.append(f"![{alt}]({chart.name})")
    return "\n\n".join(links)


def section(heading: str, intro: str, charts: str, tables: Sequence[str]) -> str:
    return "\n\n".join(part for part in (heading, intro, charts, *tables) if part)


def versioned(view: CellView[Any], adapter: str) -> str:
    """A column header: the adapter's display label and version (the floor: its label)."""
    version = view.versions.get(adapter)
    label = view.label_of(adapter)
    return md_escape(f"{label} {version}" if version and adapter != view.floor else label)


def alg_label(alg: str) -> str:
    """A JWE algorithm as a table shows it: RSA1_5 marked insecure, PBES2 footnoted."""
    if alg == "RSA1_5":
        return "RSA1_5 ⚠ insecure[^rsa1_5]"
    if alg.startswith("PBES2"):
        return f"{alg}[^pbes2]"
    return alg


def pair_label(pair: Pair) -> str:
    return f"{alg_label(pair.alg)} / {pair.enc}"


def combo_label(combo: Combo) -> str:
    return f"{combo.sig_alg} + {alg_label(combo.alg)}"


def footnotes(text: str) -> str:
    """The definitions of the footnotes ``text`` refers to (empty if none)."""
    used = [f"[^{key}]: {note}" for key, note in FOOTNOTES.items() if f"[^{key}]" in text]
    return "\n\n".join(used)


def generic_reason(reason: str, alg: str) -> str:
    """``reason`` with the algorithm's own name replaced, so reasons group across algs."""
    return re.sub(rf"(?<![\w-]){re.escape(alg)}(?![\w-])", "<alg>", reason)
