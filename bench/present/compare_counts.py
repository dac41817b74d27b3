"""Render a ``CountComparison`` (instruction counts): a terminal table and Markdown.

Renderers only read the comparison; the verdicts were made in
``jwtbench.analysis.compare_counts``.
"""

from __future__ import annotations

from collections.abc import Sequence

from jwtbench.analysis.compare import plural
from jwtbench.analysis.compare_counts import NO_NOISE, WITHIN, CountChange, CountComparison
from jwtbench.analysis.stats import IMPROVEMENT, REGRESSION
from jwtbench.present.compare import aligned, md_table, one_sided_text

_HEADER = ("cell", "base instr/op", "head instr/op", "change", "verdict")
_VERDICT = {REGRESSION: "REGRESSION", IMPROVEMENT: "improvement", WITHIN: "within threshold"}
_MD_VERDICT = {
    REGRESSION: "🔴 **regression**",
    IMPROVEMENT: "🟢 improvement",
    WITHIN: "within threshold",
}


def format_count(value: float) -> str:
    """``306,123`` instructions (one decimal below 1,000)."""
    return f"{value:,.0f}" if value >= 1000 else f"{value:,.1f}"


def format_change(cell: CountChange) -> str:
    return f"{cell.ratio - 1:+.2%}"


def method_text(cmp: CountComparison) -> str:
    return f"method: {NO_NOISE} ({cmp.threshold:.2%})."


def _ordered(cmp: CountComparison) -> list[CountChange]:
    order = {REGRESSION: 0, IMPROVEMENT: 1, WITHIN: 2}
    return sorted(cmp.cells, key=lambda c: (order[c.verdict], -abs(c.ratio - 1)))


def _rows(cells: Sequence[CountChange], verdicts: dict[str, str]) -> list[list[str]]:
    return [
        [c.label, format_count(c.base), format_count(c.head), format_change(c), verdicts[c.verdict]]
        for c in cells
    ]


def _findings(cmp: CountComparison) -> list[str]:
    out = [
        f"token size {t.label}: {t.base_bytes} -> {t.head_bytes} bytes" for t in cmp.token_changes
    ]
    for s in cmp.status_changes:
        tag = "BROKEN " if s.broken else ""
        out.append(f"{tag}status {s.label}: {s.base_status} -> {s.head_status} ({s.reason})")
    for side in ("base", "head"):
        summary = cmp.one_sided(side)
        if summary.cells:
            out.append(f"only in {side}: {one_sided_text(summary)}")
    return out


def render_counts_terminal(cmp: CountComparison) -> str:
    lines = [f"compare (instruction counts): {cmp.base_name} -> {cmp.head_name}", method_text(cmp)]
    lines += [f"warning: {w}" for w in cmp.warnings]
    lines += [f"versions: {v}" for v in cmp.info]
    if cmp.cells:
        lines += aligned(_HEADER, _rows(_ordered(cmp), _VERDICT), {1, 2, 3})
    lines += _findings(cmp)
    lines.append(cmp.summary())
    verdict = "REGRESSION" if cmp.has_regression() else "no regression"
    lines.append(
        f"verdict: {verdict} (largest change {cmp.largest_change():.3%}, "
        f"threshold {cmp.threshold:.2%})"
    )
    return "\n".join(lines) + "\n"


def render_counts_markdown(cmp: CountComparison) -> str:
    head = "🔴 regression" if cmp.has_regression() else "✅ no regression"
    out = [
        f"### jwtbench compare (instruction counts): {head}",
        "",
        f"{cmp.summary()}; {plural(len(cmp.token_changes), 'token size change')}.",
        "",
        f"_{method_text(cmp)}_",
        "",
    ]
    out += [f"> ⚠️ {w}" for w in cmp.warnings]
    if cmp.info:
        out += ["", "Versions: " + "; ".join(cmp.info)]
    if cmp.cells:
        out += ["", md_table(_HEADER, _rows(_ordered(cmp), _MD_VERDICT), {1, 2, 3})]
    findings = _findings(cmp)
    if findings:
        out += ["", *[f"- {line}" for line in findings]]
    return "\n".join(out) + "\n"
