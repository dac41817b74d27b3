"""Heatmaps of a conformance run: library x case, one per decode call.

Each cell is coloured by its outcome (safe / unclean reject / unsafe / unsafe
by timeout or memory / n/a); the colours are fixed per outcome in ``COLOURS``
so every chart reads the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from jwtbench.adapters.base import CALLS
from jwtbench.measure.conformance.cases import OUTCOMES
from jwtbench.measure.conformance.results import Conformance
from jwtbench.present.charts.common import save

COLOURS: dict[str, str] = {
    "safe": "#2ca02c",
    "unclean-reject": "#f2c14e",
    "unsafe": "#d62728",
    "unsafe-timeout": "#8b0000",
    "unsafe-memory": "#6a3d9a",
    "n/a": "#d9d9d9",
}


def case_names(run: Conformance) -> list[str]:
    """Case names (``id/variant``) in catalogue order."""
    return [f"{c['case']}/{c['variant']}" if c["variant"] else c["case"] for c in run.catalogue]


def heatmap(run: Conformance, call: str, path: Path) -> Path | None:
    """The library x case heatmap of ``call``; None when no library has that call."""
    rows = [
        name
        for name in run.libraries
        if any(r.library == name and r.call == call for r in run.cases)
    ]
    if not rows:
        return None
    cols = case_names(run)
    grid = np.full((len(rows), len(cols)), OUTCOMES.index("n/a"))
    for result in run.cases:
        if result.call == call and result.library in rows and result.name in cols:
            grid[rows.index(result.library), cols.index(result.name)] = OUTCOMES.index(
                result.outcome
            )
    height = 3.4 + 0.3 * len(rows)  # room for the case names under the grid
    fig = Figure(figsize=(max(8.0, 0.28 * len(cols) + 2.5), height))
    ax = fig.add_subplot()
    cmap = ListedColormap([COLOURS[o] for o in OUTCOMES])
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=len(OUTCOMES) - 1, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=90, fontsize=7)
    versions = {n: str(run.libraries[n].get("version", "")) for n in rows}
    ax.set_yticks(range(len(rows)), [f"{n} {versions[n]}" for n in rows], fontsize=8)
    ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
    ax.grid(which="minor", color="white", linewidth=1)
    ax.tick_params(which="minor", length=0)
    ax.set_title(f"decode call '{call}': outcome per library and attack case", fontsize=10)
    fig.legend(
        handles=[Patch(color=COLOURS[o], label=o) for o in OUTCOMES],
        loc="upper right",
        ncol=len(OUTCOMES),
        fontsize=7,
        frameon=False,
    )
    fig.subplots_adjust(left=0.16, right=0.99, top=1 - 0.75 / height, bottom=2.4 / height)
    return save(fig, path)


def conformance_charts(run: Conformance, out_dir: Path, stem: str = "conformance") -> list[Path]:
    """One heatmap per decode call, ``<stem>-<call>.png``."""
    made = [heatmap(run, call, out_dir / f"{stem}-{call}.png") for call in CALLS]
    return [path for path in made if path is not None]
