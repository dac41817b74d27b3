"""The report's "cost beyond the hot path" section: import, cold key, key preparation, memory, size.

Renders ``jwtbench.analysis.cost.CostView`` (ratios are computed there); empty when
the results file has no ``cost`` record (``jwtbench run --no-cost``, older files).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jwtbench.analysis.cost import CostRow, CostView
from jwtbench.measure.cost_probe import FAMILIES
from jwtbench.present.fmt import fmt_bytes, fmt_ratio, format_seconds, md_escape
from jwtbench.present.md_base import chart_links, md_table
from jwtbench.present.names import CHART_COST

INTRO = (
    "What a library costs besides its sign and verify speed, measured after the timing, "
    "each library in its own child interpreter. **Import**: `import <module>` in a fresh "
    "interpreter (median of {samples}), with the heaviest modules by cumulative time from "
    "`-X importtime`. **Installed**: the files in the distribution's RECORD, and with its "
    "declared requirements (no extras; plus the backend it runs, e.g. `cryptography`). "
    "Measuring took {seconds:.1f} s on Python {python}."
)
FIRST_CALL = (
    "### First call with a cold key\n\n"
    "A fresh interpreter per family imports the library, starts the adapter, then times "
    "its first `prepare_key` + sign (and + verify) against the same call repeated warm: "
    "*N*x is how many warm calls the first one costs. Cold times are single calls, so noisy; "
    "the harness has imported `cryptography` to read its keys before the first call (and "
    "some adapters load one key at start-up to check their backend)."
)
KEY_PREP = (
    "### Key preparation (warm, per call)\n\n"
    "The adapter's `prepare_key` given the PEM text (the secret bytes for HMAC) or the key "
    "as a JWK dict, private (to sign) / public (to verify), timed as `prepare_key` + sign "
    "(verify) less a sign (verify) with a key prepared before, so a library that defers "
    "loading the key to its first use pays it here too; `≈0`: within the noise. Every key "
    "signs or verifies a token the floor checks. `—`: this adapter's `prepare_key` does not "
    "take that form (the library may have another call for it). A warm figure far below the "
    "floor's for the same key suggests the library caches parsed keys (the first call then "
    "shows the parse). The last two columns time a sign with a key made once from each form."
)
MEMORY = (
    "### Peak memory per operation\n\n"
    "tracemalloc's peak over one warm sign / verify with prepared keys, outside any timed "
    "run: Python allocations only (memory a compiled extension or OpenSSL allocates itself "
    "is not seen)."
)


def cost_section(view: CostView | None, charts: Sequence[Path] = ()) -> str:
    """The whole section, or "" when nothing was measured."""
    if view is None or not view.rows:
        return ""
    intro = INTRO.format(samples=view.samples, seconds=view.seconds, python=view.python)
    if view.interrupted:
        intro += " **Interrupted**: libraries not reached are missing."
    parts = ["## Cost beyond the hot path", intro, chart_links(charts, CHART_COST)]
    parts += [_import_table(view.rows), FIRST_CALL, _first_call_table(view.rows)]
    parts += [KEY_PREP, _key_prep_table(view.rows), MEMORY, _memory_table(view.rows)]
    parts.append(_problems(view.rows))
    return "\n\n".join(part for part in parts if part)


def _name(row: CostRow) -> str:
    return md_escape(f"{row.label} {row.version}".strip())


def _ok(rows: Sequence[CostRow]) -> list[CostRow]:
    return [row for row in rows if row.status == "ok"]


def _import_table(rows: Sequence[CostRow]) -> str:
    out = []
    for row in rows:
        if row.status != "ok":
            out.append([_name(row), row.status, md_escape(row.reason), "", ""])
            continue
        heavy = ", ".join(f"`{_module(m)}` {format_seconds(s)}" for m, s in row.heaviest[:3])
        out.append(
            [
                _name(row),
                format_seconds(row.import_s) if row.import_s is not None else "—",
                heavy,
                fmt_bytes(row.installed_bytes) if row.installed_bytes is not None else "—",
                _closure(row),
            ]
        )
    header = ["library", "import", "heaviest imports (cumulative)", "installed", "with deps"]
    return md_table(header, out, numeric=False)


def _module(name: str) -> str:
    """A module name as a code span (only the characters a module name has)."""
    return "".join(ch for ch in name if ch.isalnum() or ch in "._")


def _closure(row: CostRow) -> str:
    if row.closure_bytes is None:
        return "—"
    count = len(row.closure)
    return f"{fmt_bytes(row.closure_bytes)} ({count} {'dist' if count == 1 else 'dists'})"


def _first_call_table(rows: Sequence[CostRow]) -> str:
    out = []
    for row in _ok(rows):
        by_alg = {fc.alg: fc for fc in row.first_calls}
        cells = []
        for alg in FAMILIES:
            fc = by_alg.get(alg)
            if fc is None:
                cells.append("—")
                continue
            cells.append(
                f"sign {format_seconds(fc.sign_cold_s)} ({fmt_ratio(fc.sign_ratio)}); "
                f"verify {format_seconds(fc.verify_cold_s)} ({fmt_ratio(fc.verify_ratio)})"
            )
        out.append([_name(row), *cells])
    return md_table(["library", *FAMILIES], out, numeric=False) if out else ""


def _key_prep_table(rows: Sequence[CostRow]) -> str:
    out = []
    for row in _ok(rows):
        for alg in FAMILIES:
            forms = {kp.form: kp for kp in row.key_prep if kp.alg == alg}
            if not forms:
                continue
            usable = [forms.get(f) if not getattr(forms.get(f), "unsupported", "") else None
                      for f in ("pem", "jwk")]  # fmt: skip
            cells = [_net(getattr(kp, name, None)) for kp in usable
                     for name in ("sign_key_s", "verify_key_s")]  # fmt: skip
            cells += [_net(kp.sign_hot_s if kp else None) for kp in usable]
            out.append([_name(row), alg, *cells])
    header = ["library", "family", "PEM private", "PEM public", "JWK private", "JWK public",
              "sign, PEM key", "sign, JWK key"]  # fmt: skip
    return md_table(header, out) if out else ""


def _net(value: float | None) -> str:
    if value is None:
        return "—"
    return format_seconds(value) if value > 0 else "≈0"


def _memory_table(rows: Sequence[CostRow]) -> str:
    out = []
    for row in _ok(rows):
        by_alg = {m.alg: m for m in row.memory}
        cells = [
            f"{fmt_bytes(m.sign_peak_bytes)} / {fmt_bytes(m.verify_peak_bytes)}"
            if (m := by_alg.get(alg)) is not None
            else "—"
            for alg in FAMILIES
        ]
        out.append([_name(row), *cells])
    header = ["library", *(f"{alg} sign / verify" for alg in FAMILIES)]
    return md_table(header, out) if out else ""


def _problems(rows: Sequence[CostRow]) -> str:
    lines = [
        f"- {_name(row)}: {md_escape(part)}{f' {alg}' if alg else ''}: {md_escape(reason)}"
        for row in rows
        for part, alg, reason in row.problems
    ]
    return "Parts that could not be measured:\n\n" + "\n".join(lines) if lines else ""
