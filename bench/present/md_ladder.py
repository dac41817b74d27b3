"""The report's ladder: per algorithm, limit -> compiled libraries -> floor -> pure-Python ones.

Why: the question "how fast can a JWT library be?" has three reference rungs
(the bare crypto call, the compiled libraries, the same work in straight-line
Python) before the libraries people actually import. One table per op
(prepared keys, the main payload) puts every adapter on its rung, ordered within
the rung by its geometric-mean x over floor, each cell its paired x over floor
with the 95% interval. Reads ``jwtbench.analysis.views.JwsView`` only.
"""

from __future__ import annotations

from jwtbench.analysis.views import LIMIT, Group, JwsView, geomean
from jwtbench.present.fmt import MISSING, fmt_paired, fmt_ratio
from jwtbench.present.md_base import md_table, section, versioned

#: Rung names, top (fastest possible) to bottom.
RUNGS = ("limit", "compiled", "floor", "pure Python")


def rung_of(view: JwsView, adapter: str) -> str:
    """Which rung of the ladder ``adapter`` stands on."""
    if adapter == LIMIT:
        return "limit"
    if adapter == view.floor:
        return "floor"
    return "pure Python" if view.pure_python(adapter) else "compiled"


def _ratio_text(view: JwsView, group: Group, adapter: str, alg: str) -> str:
    cell = group.cell(adapter, alg)
    interval = view.over_floor_interval(cell)
    if interval is not None:
        return fmt_paired(*interval[:3])
    value = view.over_floor(cell)
    return fmt_ratio(value) if value is not None else MISSING


def ladder_order(view: JwsView, group: Group, algs: list[str]) -> list[str]:
    """Adapters with a number in ``group``, rung by rung, fastest first within a rung."""

    def mean(adapter: str) -> float:
        values = [view.over_floor(group.cell(adapter, a)) for a in algs]
        found = [v for v in values if v is not None and v > 0]
        return geomean(found) if found else float("inf")

    present = [a for a in view.adapters if any(view.row(group.cell(a, alg)) for alg in algs)]
    return sorted(present, key=lambda a: (RUNGS.index(rung_of(view, a)), mean(a)))


def ladder_section(view: JwsView) -> str:
    """One ladder per op for prepared keys and the main payload (empty without a floor)."""
    groups = [g for g in view.groups if g.key_mode == "prepared" and g.payload == view.main_payload]
    tables = []
    for group in groups:
        algs = [a for a in view.algs if view.row(group.cell(view.floor, a))]
        if not algs:
            continue
        rows = [
            [rung_of(view, a), versioned(view, a)]
            + [_ratio_text(view, group, a, alg) for alg in algs]
            for a in ladder_order(view, group, algs)
        ]
        tables.append(
            f"### {group.title}: the ladder (x over floor)\n\n"
            + md_table(["rung", "adapter", *algs], rows)
        )
    if not tables:
        return ""
    intro = (
        "Every adapter on its rung, per algorithm: the **limit** (the bare `cryptography` "
        "primitive on the same input: nobody's library), the **compiled** libraries (Rust "
        "cores; they can beat the floor, and one with its own crypto backend can even beat "
        "the limit), the **floor** (the same work and checks in straight-line Python on "
        "`cryptography`: 1.0x), and the **pure-Python** libraries. Within a rung, fastest "
        "first (geometric mean over the algorithms). Each number is the paired x over floor "
        "with its 95% interval; lower is faster."
    )
    return section("## The ladder: limit, compiled, floor, libraries", intro, "", tables)
