"""The report's ladder: limit, compiled libraries, floor, pure-Python libraries."""

from __future__ import annotations

import json
from pathlib import Path

from jwtbench.analysis.views import jws_view
from jwtbench.model.results import load_results
from jwtbench.present.md_ladder import ladder_order, ladder_section, rung_of

PAIRED = Path(__file__).parent / "data" / "golden_paired.json"


def test_each_adapter_stands_on_its_rung_and_rungs_come_in_order(tmp_path: Path) -> None:
    """pyjwt declared compiled (as the Rust adapters are) moves above the floor."""
    raw = json.loads(PAIRED.read_text())
    raw["jwtbench"]["adapters"]["pyjwt"]["compiled"] = True
    path = tmp_path / "r.json"
    path.write_text(json.dumps(raw))
    view = jws_view(load_results(path))
    group = next(g for g in view.groups if g.key_mode == "prepared" and g.op == "sign")
    algs = [a for a in view.algs if view.row(group.cell("floor", a))]
    order = ladder_order(view, group, algs)
    rungs = [rung_of(view, a) for a in order]
    assert order[:3] == ["limit", "pyjwt", "floor"]
    assert rungs == ["limit", "compiled", "floor"] + ["pure Python"] * (len(order) - 3)
    text = ladder_section(view)
    assert text.startswith("## The ladder") and "| compiled | pyjwt" in text.lower()


def test_pure_python_libraries_are_ordered_by_their_mean_ratio() -> None:
    view = jws_view(load_results(PAIRED))
    group = next(g for g in view.groups if g.key_mode == "prepared" and g.op == "verify")
    algs = [a for a in view.algs if view.row(group.cell("floor", a))]
    libs = [a for a in ladder_order(view, group, algs) if rung_of(view, a) == "pure Python"]
    means = []
    for lib in libs:
        values = [view.over_floor(group.cell(lib, a)) for a in algs]
        found = [v for v in values if v]
        product = 1.0
        for v in found:
            product *= v
        means.append(product ** (1 / len(found)))
    assert means == sorted(means) and len(libs) >= 3
