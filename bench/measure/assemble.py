"""What both runners put around the timed cells, in one implementation.

``jwtbench.measure.runner.run`` (passes, in this process) and
``jwtbench.measure.groups.run_grouped`` (groups in lockstep children) time
cells differently but write the same file: the adapters' descriptions, the
producer x consumer grid and the raw rounds, rounded the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jwtbench.measure.interop import grids_for
from jwtbench.measure.matrix import adapter_or_reason
from jwtbench.model.cell import Cell
from jwtbench.model.records import AdapterInfo


def interop_grid(cells: Sequence[Cell], echo: Callable[[str], None]) -> list[dict[str, Any]]:
    """The producer x consumer grid; skipped (empty) if interrupted, never losing the run."""
    echo("cross-library check: every producer x consumer for the run's algorithms...")
    try:
        interop = grids_for(cells)
    except KeyboardInterrupt:
        echo("  skipped (interrupted)")
        return []
    failures = [g for g in interop if not g["ok"]]
    echo(f"  {len(interop) - len(failures)}/{len(interop)} producer->consumer pairs open")
    return interop


def round_raw_data(benches: Sequence[dict[str, Any]]) -> None:
    """Keep 6 significant digits of each raw round (1 ppm, far below any noise).

    Python writes 17 digits per float; this halves the file without changing
    any statistic beyond the sixth digit.
    """
    for bench in benches:
        stats = bench.get("stats", {})
        if "data" in stats:
            stats["data"] = [float(f"{x:.6g}") for x in stats["data"]]


def adapters_info(cells: Sequence[Cell]) -> dict[str, AdapterInfo]:
    """Every adapter asked for: its ``describe()``, or why it cannot run here."""
    info: dict[str, AdapterInfo] = {}
    for name in dict.fromkeys(cell.adapter for cell in cells):
        adapter = adapter_or_reason(name)
        if isinstance(adapter, str):
            info[name] = AdapterInfo(name, available=False, reason=adapter)
        else:
            details = {k: v for k, v in adapter.describe().items() if k != "name"}
            info[name] = AdapterInfo(name, available=True, details=details)
    return info
