"""The cost chart: import time and installed size per library, horizontal bars.

Reads ``jwtbench.analysis.cost.CostView``; no chart when the file has no cost record.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from jwtbench.analysis.cost import cost_view
from jwtbench.model.results import Results
from jwtbench.present.charts.common import SPARE_COLOURS, save
from jwtbench.present.names import CHART_COST


def cost_chart(results: Results, out_dir: Path) -> list[Path]:
    """``library_cost.png``: median import time (ms) and installed MB (own / with deps)."""
    view = cost_view(results)
    rows = [r for r in view.rows if r.import_s is not None] if view else []
    if not view or not rows:
        return []
    adapters = results.meta.get("adapters", {})
    names = [f"{r.label} {r.version}".strip() for r in rows][::-1]
    colours = [_colour(adapters.get(r.name, {}), r.name) for r in rows][::-1]
    fig = Figure(figsize=(11.0, 0.45 * len(rows) + 1.8), layout="constrained")
    left, right = fig.subplots(ncols=2, sharey=True)
    left.barh(names, [(r.import_s or 0) * 1e3 for r in rows][::-1], color=colours)
    left.set_xlabel(f"import time, ms (median of {view.samples} fresh interpreters)")
    own = [(r.installed_bytes or 0) / 1e6 for r in rows][::-1]
    deps = [(r.closure_bytes or 0) / 1e6 for r in rows][::-1]
    right.barh(names, deps, color=colours, alpha=0.35)
    right.barh(names, own, color=colours)
    right.set_xlabel("installed size, MB")
    shades = [Patch(color="#555555", alpha=0.35), Patch(color="#555555")]
    right.legend(shades, ["with its requirements", "the distribution alone"], fontsize=8)
    fig.suptitle("Cost beyond the hot path: import time and installed size", fontweight="bold")
    return [save(fig, out_dir / f"{CHART_COST}.png")]


def _colour(info: dict[str, object], name: str) -> str:
    colour = info.get("colour")
    if isinstance(colour, str) and colour:
        return colour
    return SPARE_COLOURS[zlib.crc32(name.encode()) % len(SPARE_COLOURS)]
