"""Render a ``jwtbench.analysis.paired.PairedComparison``: terminal text and Markdown.

The paired view of ``jwtbench compare``: library cells on their paired x over
floor, then the floor's own change, then what the plain comparison found
besides timings (token sizes, statuses, one-sided cells). Only reads records.
"""

from __future__ import annotations

from collections.abc import Sequence

from jwtbench.analysis.compare import Comparison
from jwtbench.analysis.paired import (
    STATE_SHIFT,
    FloorChange,
    MachineState,
    PairedCell,
    PairedComparison,
)
from jwtbench.analysis.pairing import NOISY_SCATTER
from jwtbench.analysis.stats import IMPROVEMENT, REGRESSION
from jwtbench.present.compare import aligned, finding_lines, md_findings, md_table
from jwtbench.present.fmt import format_ci, format_ratio, format_seconds

#: The line that says which comparison this is, and why.
MODE_TEXT = (
    "mode: paired ratios: library cells are compared on their paired x over floor "
    "(interleaved with the floor inside each run), so the machine's drift between the two "
    "runs cancels; the floor's own change is shown apart (--unpaired: absolute times)"
)
_HEADER = ["cell", "base x/floor", "head x/floor", "change", "95% CI", "from", "verdict"]
_FLOOR_HEADER = ["floor cell", "base", "head", "absolute", "paired vs limit"]
_RIGHT = {1, 2, 3, 4}


def rule_text(pc: PairedComparison) -> str:
    t = pc.threshold
    return (
        f"threshold {t:.0%}; change = head / base of x over floor; a regression when the "
        f"change exceeds {1 + t:.2f}x and its 95% interval clears {1 + t / 2:.3g}x"
    )


def _ratio_ci(value: float, low: float, high: float) -> str:
    return f"{format_ratio(value)} {format_ci(low, high)}"


def _row(cell: PairedCell, *, loud: bool) -> list[str]:
    verdict = cell.verdict.upper() if loud and cell.verdict == REGRESSION else cell.verdict
    return [
        cell.label,
        _ratio_ci(*cell.base[:3]),
        _ratio_ci(*cell.head[:3]),
        format_ratio(cell.change.value),
        format_ci(cell.change.low, cell.change.high),
        cell.source,
        verdict,
    ]


def _floor_row(change: FloorChange) -> list[str]:
    limit = change.over_limit
    return [
        change.label,
        format_seconds(change.base_median),
        format_seconds(change.head_median),
        format_ratio(change.ratio),
        _ratio_ci(*limit[:3]) if limit else "-",
    ]


def floor_text(pc: PairedComparison) -> str:
    """One sentence on how far the floor moved (drift plus any floor or cryptography change)."""
    drift = pc.floor_drift()
    if drift is None:
        return "no floor cell in both runs: no paired ratio could be formed"
    return (
        f"the floor's absolute time changed {drift:.2f}x (head / base, geometric mean over "
        f"{len(pc.floors)} cells): the machine's drift between the runs plus any change of the "
        "floor or of cryptography. Library ratios above are relative to it; 'paired vs limit' "
        "is the floor's own change against the bare primitive, drift-free"
    )


def _noise(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def state_text(state: MachineState | None) -> tuple[str, list[str]]:
    """One line on how alike the machine was in the two runs, and the warnings it calls for."""
    if state is None:
        return "", []
    shift = "-" if state.floor_shift is None else f"{state.floor_shift - 1:+.1%}"
    line = (
        f"machine state: noise {_noise(state.base_noise)} (base) / {_noise(state.head_noise)} "
        f"(head), calm under {NOISY_SCATTER:.1%}; the floor's paired x over limit moved {shift} "
        f"over {state.floor_cells} cell(s)"
    )
    if state.inputs_changed:
        line += f" ({', '.join(state.inputs_changed)} differ: the floor itself may have changed)"
    warnings = []
    if state.shifted:
        warnings.append(
            f"the two runs saw the machine in different states: the floor's own ratio to the "
            f"bare primitive moved {shift} (beyond {STATE_SHIFT:.0%}) with the same Python, "
            "cryptography, OpenSSL and jwtbench. Pairing cancels the machine's speed moment to "
            "moment, not a state that lasts a run: here such a shift came with library ratios "
            "to the floor moving by up to 28% with no code changed, Python-heavy HS* cells "
            "most. A verdict below may be the machine's; compare runs made in one state, or "
            "use `jwtbench ab`, which interleaves both sides"
        )
    warnings += [
        f"the {side} run was noisy (per-burst ratios to the floor scattered by {value:.1%}): "
        "its ratios can be several percent off a calm run's"
        for side, value in state.noisy()
    ]
    return line, warnings


def render_paired_terminal(pc: PairedComparison, cmp: Comparison, *, verbose: bool) -> str:
    lines = [f"base: {cmp.base_name}", f"head: {cmp.head_name}", MODE_TEXT, rule_text(pc)]
    state, state_warnings = state_text(pc.state)
    if state:
        lines.append(state)
    lines += [f"warning: {w}" for w in [*cmp.warnings, *state_warnings]]
    if cmp.info:
        lines.append("versions differ: " + ", ".join(cmp.info))
    lines.append("")
    if pc.cells:
        lines += aligned(_HEADER, [_row(c, loud=True) for c in pc.ordered()], _RIGHT)
    lines += ["", f"floor: {floor_text(pc)}"]
    if pc.floors:
        lines += aligned(_FLOOR_HEADER, [_floor_row(f) for f in pc.floors], {1, 2, 3, 4})
    lines += _unpaired_lines(pc.unpaired)
    lines += finding_lines(cmp, verbose=verbose)
    lines += ["", pc.summary()]
    return "\n".join(lines) + "\n"


def _unpaired_lines(unpaired: Sequence[dict[str, str]]) -> list[str]:
    if not unpaired:
        return []
    return [
        f"not paired on a side (no over_floor): {len(unpaired)} cell(s), not judged; "
        "compare them with --unpaired"
    ]


def render_paired_markdown(pc: PairedComparison, cmp: Comparison) -> str:
    failing = bool(pc.regressions or cmp.broken)
    title = "❌ regression" if failing else "✅ no regression"
    out = [f"### jwtbench compare (paired ratios): {title}", "", f"**{pc.summary()}**", ""]
    out += [f"base `{cmp.base_name}` → head `{cmp.head_name}`  ", f"{MODE_TEXT}  ", rule_text(pc)]
    state, state_warnings = state_text(pc.state)
    if state:
        out[-1] += "  "
        out.append(state)
    out.append("")
    for warning in [*cmp.warnings, *state_warnings]:
        out += [f"> ⚠️ **Warning:** {warning}", ""]
    if cmp.info:
        out += ["Dependency versions that differ: " + ", ".join(f"`{v}`" for v in cmp.info), ""]
    changed = [c for c in pc.ordered() if c.verdict in (REGRESSION, IMPROVEMENT)]
    rest = [c for c in pc.ordered() if c not in changed]
    if changed:
        out += [md_table(_HEADER, [_row(c, loud=False) for c in changed], _RIGHT), ""]
    elif pc.cells:
        out += ["No library cell changed significantly on its paired ratio.", ""]
    if rest:
        out += [
            f"<details><summary>{len(rest)} cells without a significant change</summary>",
            "",
            md_table(_HEADER, [_row(c, loud=False) for c in rest], _RIGHT),
            "",
            "</details>",
            "",
        ]
    out += [f"**Floor**: {floor_text(pc)}.", ""]
    if pc.floors:
        out += [md_table(_FLOOR_HEADER, [_floor_row(f) for f in pc.floors], {1, 2, 3, 4}), ""]
    out += [*_unpaired_lines(pc.unpaired), ""]
    out += md_findings(cmp)
    return "\n".join(out).rstrip() + "\n"
