"""The conformance report (Markdown): is each library safe by default, and what refusing costs.

Reads a ``Conformance`` record (``jwtbench.measure.conformance.results``) and
renders: the per-library "safe by default" summary, the heatmaps, the matrix
per call, the time and memory each library spent before refusing, the exact
decode calls, the published-example grid, supported versus enabled by
default per algorithm, and the case catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jwtbench.adapters.base import CALLS, JWE_ALGS, JWS_ALGS
from jwtbench.measure.conformance.results import CaseResult, Conformance
from jwtbench.present.charts.conformance import case_names
from jwtbench.present.fmt import fmt_seconds, format_seconds, md_escape

#: How a matrix cell shows each outcome.
MARKS = {
    "safe": "ok",
    "unclean-reject": "unclean",
    "unsafe": "**UNSAFE**",
    "unsafe-timeout": "**TIMEOUT**",
    "unsafe-memory": "**MEMORY**",
    "n/a": "n/a",
}
_UNSAFE = ("unsafe", "unsafe-timeout", "unsafe-memory")
_REFUSED = ("safe", "unclean-reject")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    # cells are already Markdown (md_escape'd text, `code`): only pipes need escaping
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return [*out, ""]


def _libraries(run: Conformance) -> list[str]:
    return [n for n, d in run.libraries.items() if "unavailable" not in d]


def _cell(run: Conformance, library: str, call: str, name: str) -> CaseResult | None:
    return next(
        (r for r in run.cases if r.library == library and r.call == call and r.name == name), None
    )


def summary(run: Conformance) -> list[str]:
    rows = []
    for lib in _libraries(run):
        mine = [r for r in run.cases if r.library == lib and r.call == "default"]
        unsafe = sorted({r.name for r in mine if r.outcome in _UNSAFE})
        unclean = sorted({r.name for r in mine if r.outcome == "unclean-reject"})
        applicable = [r for r in mine if r.outcome != "n/a"]
        verdict = "yes" if applicable and not unsafe else ("no" if unsafe else "untested")
        rows.append(
            [
                f"{lib} {run.libraries[lib].get('version', '')}",
                verdict,
                f"{sum(r.outcome == 'safe' for r in mine)}/{len(applicable)}",
                md_escape(", ".join(unsafe) or "-"),
                md_escape(", ".join(unclean) or "-"),
            ]
        )
    head = [
        "library",
        "safe by default",
        "refused (of applicable)",
        "unsafe through its default call",
        "unclean rejects",
    ]
    return [
        "## Safe by default?",
        "",
        "Through each library's `default` call (the shortest "
        "documented decode; the exact call is listed below). n/a cases are not counted.",
        "",
        *_table(head, rows),
    ]


def matrix(run: Conformance, call: str) -> list[str]:
    libs = [
        lib
        for lib in _libraries(run)
        if any(r.library == lib and r.call == call for r in run.cases)
    ]
    if not libs:
        return []
    rows = []
    for name in case_names(run):
        marks = []
        for lib in libs:
            found = _cell(run, lib, call, name)
            marks.append("-" if found is None else MARKS[found.outcome])
        rows.append([md_escape(name), *marks])
    return [f"### Call `{call}`", "", *_table(["case", *libs], rows)]


def _cost(result: CaseResult | None) -> str:
    if result is None:
        return "-"
    if result.outcome not in _REFUSED or result.seconds is None:
        return MARKS[result.outcome]
    growth = (result.rss_growth_bytes or 0) / (1 << 20)
    return f"{format_seconds(result.seconds)}, +{growth:.0f} MiB"


def costs(run: Conformance) -> list[str]:
    libs = _libraries(run)
    rows = []
    for name in case_names(run):
        cells = []
        for lib in libs:
            found = [_cell(run, lib, call, name) for call in CALLS]
            refused = [r for r in found if r is not None and r.outcome in _REFUSED]
            cells.append(_cost(refused[0] if refused else next((r for r in found if r), None)))
        rows.append([md_escape(name), *cells])
    return [
        "## Cost to refuse",
        "",
        "Seconds inside the library's call and the peak resident "
        "memory it added (fork's peak RSS minus the batch's RSS), for the first call "
        "(default, validate, hardened) that refused; otherwise that call's outcome.",
        "",
        *_table(["case", *libs], rows),
    ]


def calls(run: Conformance) -> list[str]:
    rows = []
    for lib in _libraries(run):
        for name, spec in run.libraries[lib].get("decode_calls", {}).items():
            rows.append(
                [
                    lib,
                    name,
                    f"`{spec['jws']}`" if spec["jws"] else "-",
                    f"`{spec['jwe']}`" if spec["jwe"] else "-",
                    "yes" if spec["passes_expect"] else "no",
                ]
            )
    return [
        "## The exact calls",
        "",
        *_table(["library", "call", "JWS", "JWE", "given aud/iss"], rows),
    ]


def examples(run: Conformance) -> list[str]:
    libs = sorted({e.library for e in run.examples}, key=list(run.libraries).index)
    rows = []
    for ex in run.published:
        cells = []
        for lib in libs:
            found = next(
                (e for e in run.examples if e.library == lib and e.example == ex["id"]), None
            )
            cells.append(
                "-"
                if found is None
                else ("**failed**" if found.outcome == "failed" else found.outcome)
            )
        algs = ex["alg"] + (f" / {ex['enc']}" if ex["enc"] else "")
        rows.append([ex["section"], algs, *cells])
    failures = [
        f"- {e.library} {e.example}: {md_escape(e.detail)}"
        for e in run.examples
        if e.outcome == "failed"
    ]
    return [
        "## Published examples",
        "",
        "Each library verifies (JWS: signature only) or "
        "decrypts each RFC example it implements; n/a: not implemented.",
        "",
        *_table(["example", "alg", *libs], rows),
        *failures,
        "",
    ]


def enabled(run: Conformance) -> list[str]:
    out = [
        "## Supported versus enabled by default",
        "",
        "`default`: implemented and accepted "
        "by the shortest decode call without an allow-list; `opt-in`: implemented but "
        "refused unless the caller lists it; `-`: not implemented.",
        "",
    ]
    libs = _libraries(run)
    for kind, known, key in (("JWS", JWS_ALGS, "jws_algs"), ("JWE", JWE_ALGS, "jwe_algs")):
        rows = []
        for alg in known:
            marks = []
            for lib in libs:
                info = run.libraries[lib]
                on = alg in info.get("enabled_by_default", [])
                has = alg in info.get(key, [])
                marks.append("default" if on else ("opt-in" if has else "-"))
            rows.append([alg, *marks])
        out += [f"### {kind}", "", *_table(["alg", *libs], rows)]
    return out


def catalogue(run: Conformance) -> list[str]:
    rows = [
        [
            md_escape(f"{c['case']}/{c['variant']}" if c["variant"] else c["case"]),
            c["kind"],
            md_escape(c["crafts"]),
            md_escape(c["reproduces"]),
            md_escape(c["safe"]),
        ]
        for c in run.catalogue
    ]
    return [
        "## The cases",
        "",
        *_table(["case", "kind", "crafted", "reproduces", "safe outcome"], rows),
    ]


def render(run: Conformance, charts: Sequence[Path] = (), base: Path | None = None) -> str:
    """The whole conformance report; ``charts`` are linked relative to ``base``."""
    prov = run.provenance
    lines = [
        "# jwtbench conformance: safe by default?",
        "",
        f"{len(run.libraries)} libraries, {len(run.catalogue)} cases, "
        f"{len(run.published)} published examples; wall time "
        f"{fmt_seconds(run.wall_seconds)}; Python {prov.get('python', '?')}, "
        f"cryptography {prov.get('cryptography', '?')}, {prov.get('started', '')}.",
        "",
    ]
    if run.interrupted:
        lines += ["**Interrupted**: only what ran before the interrupt is shown.", ""]
    gone = {n: d["unavailable"] for n, d in run.libraries.items() if "unavailable" in d}
    lines += [f"- {n}: unavailable: {md_escape(why)}" for n, why in gone.items()]
    lines += [""] if gone else []
    lines += summary(run)
    lines += ["## Heatmaps", ""]
    for chart in charts:
        link = chart.relative_to(base) if base is not None else chart
        lines += [f"![{chart.stem}]({link.as_posix()})", ""]
    lines += [
        "## The matrix",
        "",
        "ok: refused; unclean: refused with a bare TypeError, "
        "KeyError or AttributeError; UNSAFE: accepted; TIMEOUT / MEMORY: hit the "
        "sandbox's time or address-space limit; n/a: the positive control failed or "
        "the call does not apply (details in the JSON).",
        "",
    ]
    for call in CALLS:
        lines += matrix(run, call)
    lines += costs(run) + calls(run) + examples(run) + enabled(run) + catalogue(run)
    return "\n".join(lines).rstrip() + "\n"
