"""How far one side's runs of the same code disagree among themselves.

All runs of one side of ``jwtbench ab --no-interleave`` ran the same code: a
spread well above the threshold means the machine's speed changed during the
A/B (a neighbour's job, throttling). The run-level test takes that spread into
account, so verdicts stay right, but a change smaller than it needs many
rounds to be seen; ``jwtbench ab`` warns with these records.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwtbench.analysis.compare import measured_rows, split_runs
from jwtbench.model.cell import CellKey, cell_key, cell_label
from jwtbench.model.results import Results


@dataclass(frozen=True)
class RunSpread:
    """One cell's worst side: its fastest and slowest run medians (seconds per op)."""

    label: str
    side: str
    fastest: float
    slowest: float

    @property
    def spread(self) -> float:
        return self.slowest / self.fastest


def run_medians(results: Results) -> dict[CellKey, list[float]]:
    """Each measured cell's median per merged run (from ``extra_info.merged_runs``)."""
    return {
        key: [statistics.median(run) for run in split_runs(row)]
        for key, row in measured_rows(results).items()
    }


def disagreeing_runs(results: Mapping[str, Results], threshold: float) -> list[RunSpread]:
    """Cells whose runs on one side differ by more than ``threshold``; largest spread first."""
    worst: dict[CellKey, RunSpread] = {}
    for side, result in results.items():
        params: dict[CellKey, Mapping[str, Any]] = {
            cell_key(r.params): r.params for r in result.rows()
        }
        for key, medians in run_medians(result).items():
            if len(medians) < 2:
                continue
            found = RunSpread(cell_label(params[key]), side, min(medians), max(medians))
            if found.spread > 1 + threshold and (
                key not in worst or found.spread > worst[key].spread
            ):
                worst[key] = found
    return sorted(worst.values(), key=lambda s: -s.spread)
