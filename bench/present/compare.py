"""Render a ``jwtbench.analysis.compare.Comparison``: an aligned terminal table and Markdown.

Renderers only read the comparison's records (verdicts, notes, one-sided
summaries); every decision was made in ``jwtbench.analysis``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jwtbench.analysis.compare import CellResult, Comparison, OneSided, plural
from jwtbench.analysis.stats import (
    IMPROVEMENT,
    MODE_FEW_RUNS,
    MODE_PAIRED,
    MODE_POOLED,
    MODE_RUNS,
    NO_CHANGE,
    REGRESSION,
    TOO_FEW,
)
from jwtbench.present.fmt import format_ci, format_p, format_ratio, format_seconds, md_cell

_RUN_TEST = "Welch t-test on log per-run medians, CI by two-level bootstrap (runs, then rounds)"
_PAIRED_TEST = (
    "Wilcoxon signed-rank on lockstep burst-pair ratios, CI by two-level bootstrap "
    "(rounds, then pairs)"
)
_POOLED_TEST = (
    "moderated t on log per-pass medians, drift pooled across cells; CI from the same "
    "test at the family level"
)
_SINGLE_RULE = "Mann-Whitney on the rounds, CI must clear 1 + threshold"


def method_line(cmp: Comparison) -> str:
    """Runs per side and which test judged the cells."""
    modes = cmp.modes()
    runs = f"runs per cell: base {cmp.runs('base')}, head {cmp.runs('head')}"
    if not modes:
        return runs
    names = {
        MODE_PAIRED: ("paired", _PAIRED_TEST),
        MODE_POOLED: ("run-level", _POOLED_TEST),
        MODE_RUNS: ("run-level", _RUN_TEST),
        MODE_FEW_RUNS: ("single-run", _SINGLE_RULE),
    }
    if len(modes) == 1:
        [mode] = modes
        name, test = names.get(mode, (mode, ""))
        return f"{runs}; {name} {'rule' if mode == MODE_FEW_RUNS else 'test'} ({test})"
    parts = [
        f"{plural(modes[mode], 'cell')} {names[mode][0]} ({names[mode][1]})"
        for mode in names
        if mode in modes
    ]
    return f"{runs}; " + ", ".join(parts)


# -- rendering -------------------------------------------------------------------


def _ci_header(alpha: float) -> str:
    return f"{(1 - alpha) * 100:g}% CI"


def _row(cell: CellResult, *, loud: bool) -> list[str]:
    s = cell.stats
    verdict = cell.verdict.upper() if loud and cell.verdict == REGRESSION else cell.verdict
    return [
        cell.label,
        format_seconds(s.base_median),
        format_seconds(s.head_median),
        format_ratio(s.ratio),
        format_ci(s.ci_low, s.ci_high),
        format_p(s.p_value),
        f"{s.base_runs}/{s.head_runs}",
        verdict,
    ]


def aligned(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _table_header(cmp: Comparison) -> list[str]:
    ci = _ci_header(cmp.alpha)
    if MODE_POOLED in cmp.modes():  # that test's interval is at the family's level
        ci = f"{ci} (family)"
    return ["cell", "base", "head", "ratio", ci, "p", "runs", "verdict"]


#: Right-aligned (numeric) columns of the cell table.
_RIGHT = {1, 2, 3, 5, 6}

_CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni"}


def _settings(cmp: Comparison) -> str:
    name = _CORRECTION_NAMES.get(cmp.correction, cmp.correction)
    adjusted = (
        "p-values not adjusted"
        if cmp.correction == "none"
        else f"p-values {name}-adjusted across cells"
    )
    return (
        f"threshold {cmp.threshold:.0%}, alpha {cmp.alpha:g}, {adjusted}; "
        "ratio = head/base median time"
    )


def one_sided_text(summary: OneSided) -> str:
    """``511 cells (adapter: pyjwt 200, ...; op: ...; family: ...), e.g. A, B, C``."""
    groups = "; ".join(
        f"{name}: " + ", ".join(f"{value} {count}" for value, count in values)
        for name, values in summary.counts
    )
    more = ", ..." if len(summary.cells) > len(summary.examples) else ""
    return (
        f"{plural(len(summary.cells), 'cell')} ({groups}), e.g. {', '.join(summary.examples)}{more}"
    )


def one_sided_lines(summary: OneSided, *, verbose: bool) -> list[str]:
    """One summary line, or (``verbose``, or up to three cells) one line per cell."""
    if not summary.cells:
        return []
    if verbose or len(summary.cells) <= len(summary.examples):
        return [f"only in {summary.side}: {label}" for label in summary.labels]
    return [
        f"only in {summary.side}: {one_sided_text(summary)} "
        "(full list with --verbose or in the --markdown file)"
    ]


def render_terminal(cmp: Comparison, *, verbose: bool = False) -> str:
    """An aligned plain-text table (regressions first) with findings and a summary.

    Cells measured on one side only are summarised unless ``verbose``.
    """
    lines = [f"base: {cmp.base_name}", f"head: {cmp.head_name}", _settings(cmp)]
    lines.append(method_line(cmp))
    lines += [f"note: {n}" for n in cmp.notes]
    lines += [f"warning: {w}" for w in cmp.warnings]
    if cmp.info:
        lines.append("versions differ: " + ", ".join(cmp.info))
    lines.append("")
    if cmp.cells:
        rows = [_row(c, loud=True) for c in cmp.ordered()]
        lines += aligned(_table_header(cmp), rows, right=_RIGHT)
    lines += finding_lines(cmp, verbose=verbose)
    lines += ["", cmp.summary()]
    return "\n".join(lines) + "\n"


def finding_lines(cmp: Comparison, *, verbose: bool) -> list[str]:
    """Token size and status changes, cells on one side only: what timings do not show."""
    lines = []
    for change in cmp.token_changes:
        lines.append(
            f"token size: {change.label}: {change.base_bytes} -> {change.head_bytes} bytes "
            f"({change.head_bytes - change.base_bytes:+d})"
        )
    for status in cmp.status_changes:
        mark = "BROKEN " if status.broken else ""
        why = f": {status.reason}" if status.reason else ""
        lines.append(
            f"{mark}status: {status.label}: {status.base_status} -> {status.head_status}{why}"
        )
    for side in ("base", "head"):
        lines += one_sided_lines(cmp.one_sided(side), verbose=verbose)
    return lines


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]], right: set[int]) -> str:
    """A GitHub-flavoured table; ``right`` are the right-aligned (numeric) columns."""
    align = ["---:" if i in right else "---" for i in range(len(header))]
    out = ["| " + " | ".join(md_cell(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


_MD_VERDICT = {
    REGRESSION: "🔴 **regression**",
    IMPROVEMENT: "🟢 improvement",
    NO_CHANGE: "no significant change",
    TOO_FEW: "too few rounds",
}


def render_markdown(cmp: Comparison) -> str:
    """GitHub-flavoured Markdown for ``$GITHUB_STEP_SUMMARY`` or a PR comment."""
    failing = cmp.has_regression()
    title = "❌ regression" if failing else "✅ no regression"
    out = [f"### jwtbench compare: {title}", "", f"**{cmp.summary()}**", ""]
    out += [f"base `{cmp.base_name}` → head `{cmp.head_name}`  ", f"{_settings(cmp)}  "]
    out += [method_line(cmp), ""]
    for note in cmp.notes:
        out += [f"> **Note:** {note}", ""]
    for warning in cmp.warnings:
        out += [f"> ⚠️ **Warning:** {warning}", ""]
    if cmp.info:
        out += ["Dependency versions that differ: " + ", ".join(f"`{v}`" for v in cmp.info), ""]

    header = _table_header(cmp)
    right = _RIGHT

    def md_row(cell: CellResult) -> list[str]:
        row = _row(cell, loud=False)
        row[-1] = _MD_VERDICT.get(cell.verdict, cell.verdict)
        return row

    ordered = cmp.ordered()
    changed = [c for c in ordered if c.verdict in (REGRESSION, IMPROVEMENT)]
    rest = [c for c in ordered if c.verdict not in (REGRESSION, IMPROVEMENT)]
    if changed:
        out += [md_table(header, [md_row(c) for c in changed], right), ""]
    elif cmp.cells:
        out += ["No cell changed significantly.", ""]
    if rest:
        out += [
            f"<details><summary>{plural(len(rest), 'cell')} without a significant change</summary>",
            "",
            md_table(header, [md_row(c) for c in rest], right),
            "",
            "</details>",
            "",
        ]
    out += md_findings(cmp)
    return "\n".join(out).rstrip() + "\n"


def md_findings(cmp: Comparison) -> list[str]:
    """The Markdown of ``finding_lines``: token size, status, one-sided cells."""
    out: list[str] = []
    if cmp.token_changes:
        rows = [
            [c.label, str(c.base_bytes), str(c.head_bytes), f"{c.head_bytes - c.base_bytes:+d}"]
            for c in cmp.token_changes
        ]
        out += [
            "**Token size changed**",
            "",
            md_table(["cell", "base B", "head B", "Δ"], rows, {1, 2, 3}),
            "",
        ]
    if cmp.status_changes:
        rows = [
            [("❌ " if c.broken else "") + c.label, c.base_status, c.head_status, c.reason]
            for c in cmp.status_changes
        ]
        out += [
            "**Status changed**",
            "",
            md_table(["cell", "base", "head", "reason"], rows, set()),
            "",
        ]
    for side in ("base", "head"):
        summary = cmp.one_sided(side)
        if summary.cells:
            listed = ", ".join(f"`{label}`" for label in summary.labels)
            out += [
                f"**Only in {side}**: {md_cell(one_sided_text(summary))}",
                "",
                f"<details><summary>all {len(summary.cells)}</summary>",
                "",
                listed,
                "",
                "</details>",
                "",
            ]
    return out
