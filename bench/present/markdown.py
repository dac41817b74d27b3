"""The report's Markdown: ``render_markdown(results)`` turns a loaded ``Results`` into text.

Pure: it reads the view model (``jwtbench.analysis.views``) and the decisions
(``jwtbench.analysis.decide``) and renders them, section by section (the JWS
sections in ``md_jws``, the JWE ones in ``md_jwe``, interoperability in
``md_interop``, what to pick in ``md_picks``). The charts are drawn elsewhere
(``jwtbench.present.charts``); ``jwtbench.present.report.write_report`` calls both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jwtbench.analysis.cost import cost_view
from jwtbench.analysis.decide import decide
from jwtbench.analysis.pairing import NOISY_SCATTER
from jwtbench.analysis.views import JweView, JwsView, jwe_view, jws_view, run_scatter
from jwtbench.model.results import Results
from jwtbench.present.fmt import fmt_seconds, md_escape
from jwtbench.present.md_base import footnotes, md_table
from jwtbench.present.md_cost import cost_section as library_cost_section
from jwtbench.present.md_interop import interop_section
from jwtbench.present.md_jwe import (
    cost_section,
    jwe_failure_lines,
    jwe_throughput_section,
    jwe_token_section,
)
from jwtbench.present.md_jws import jws_failures_section, jws_sections
from jwtbench.present.md_ladder import ladder_section
from jwtbench.present.md_picks import pick_section


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
    if jws.rows or jwe.rows:
        lines.append(f"- ratios: {_pairing(jws, jwe)}")
    noise = run_scatter(results)
    if noise is not None:
        lines.append(f"- machine noise: {_noise(*noise)}")
    lines.append(f"- cells by status: {by_status} ({sum(counts.values()):,} cells)")
    # Timed = a usable row: a row whose cell status is not ok (cut off mid-measurement by an
    # interrupt, or failed a check after timing) is no timed cell, whatever rows exist.
    timed_jws, timed_jwe = jws.timed(), jwe.timed()
    lines.append(f"- timed JWS cells: {len(timed_jws):,}")
    if timed_jwe:
        nested = sum(1 for cell in timed_jwe if cell.nested)
        lines.append(
            f"- timed JWE cells: {len(timed_jwe) - nested:,} "
            f"(and {nested:,} nested sign-then-encrypt cells)"
        )
    rounds = sorted(jws.rows[cell].rounds for cell in timed_jws)
    if rounds:
        median = rounds[len(rounds) // 2]
        lines.append(f"- rounds per cell: {rounds[0]:,} to {rounds[-1]:,} (median {median:,})")
    selection = {k: v for k, v in (meta.get("selection") or {}).items() if v}
    if selection:
        chosen = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in selection.items())
        lines.append(f"- selection: {md_escape(chosen)}")
    return "## Run summary\n\n" + "\n".join(lines)


def _noise(spread: float, cells: int) -> str:
    """The run's scatter of per-burst ratios, and what it means for reading the ratios."""
    what = (
        f"per-burst ratios to the floor scatter by {spread:.1%} "
        f"(median robust sd over {cells:,} library cells)"
    )
    if spread <= NOISY_SCATTER:
        return f"{what}: calm (calm runs here repeat x over floor within 5% in ~100% of cells)"
    return (
        f"{what}: **noisy** (over {NOISY_SCATTER:.1%}). In a noisy spell a library's "
        "ratio to the floor itself moves: measured here, a run scattering by 4.5% agreed "
        "within 5% with calm runs in only ~60% of cells, some 20% off. Remake the run at a "
        "calmer time before reading a difference of a few percent."
    )


def _pairing(jws: JwsView, jwe: JweView) -> str:
    if jws.paired or jwe.paired:
        return (
            "**paired** (each group's libraries, floor and limit timed interleaved in bursts; "
            "every ratio has a 95% interval)"
        )
    return (
        "**unpaired** (this run stored no paired ratios: each ratio divides medians timed "
        "at different moments, so machine drift is in it and no interval can be shown)"
    )


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
cell where the library raised."""

#: The last words of "how to read this": what the ratios can be trusted for.
UNPAIRED_READING = """Runs with few, short rounds (the quick profile) are noisy and this run's
ratios are unpaired: treat differences of a few tens of percent as ties, and compare with a
full-profile run."""
PAIRED_READING = """This run timed each group (the cells that differ only by adapter)
interleaved in short bursts, so every ratio is **paired**: each round saw one machine speed, and
the brackets are 95% intervals. Two libraries whose intervals overlap are a tie, whatever the
digits say. The **limit** is the bare primitive: the price of the crypto, not a library;
*Share of time in crypto* says how much of each library's time that price is."""


def jwe_sections(jws: JwsView, jwe: JweView, charts: Sequence[Path] = ()) -> list[str]:
    """The JWE data sections: throughput, cost of encrypting an access token, token size."""
    if not jwe.rows and not jwe.statuses:
        return []
    sections = [
        jwe_throughput_section(jwe, charts),
        cost_section(jws, jwe, charts),
        jwe_token_section(jws, jwe, charts),
    ]
    return [text for text in sections if text]


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
    decisions = decide(jws, jwe, interrupted=bool(results.meta.get("interrupted")))
    has_jws = bool(jws.rows or jws.statuses)
    sections = [
        _title(results),
        _summary(results, jws, jwe),
        _provenance(results),
        ladder_section(jws),
        *jws_sections(jws, charts, decisions.below_floor),
        *jwe_sections(jws, jwe, charts),
        interop_section(results),
        library_cost_section(cost_view(results), charts),
        pick_section(decisions, jws.label_of, len(jws.payloads), jws=has_jws),
        failures_section(jws, jwe),
        HOW_TO_READ + "\n\n" + (PAIRED_READING if jws.paired or jwe.paired else UNPAIRED_READING),
        JWE_HOW_TO_READ if jwe.rows or jwe.statuses else "",
    ]
    text = "\n\n".join(part for part in sections if part)
    notes = footnotes(text)
    return f"{text}\n\n{notes}\n" if notes else f"{text}\n"
