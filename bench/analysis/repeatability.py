"""Repeatability: do two identical runs give the same x over floor? (issue 9's first bar).

Two results files of the same run, made back to back: for every prepared-key
JWS library cell timed in both (the floor and the limit are no library), the
change of its x over floor, ``head / base``. The bar: the share of cells whose
two ratios agree within 5% (``max(r2/r1, r1/r2) <= 1.05``), target 95%; the
distribution of ``|log(r2/r1)|`` shows how far the others are. The ratio read
is the paired ``extra_info.over_floor`` when a run stored it, else the
unpaired ratio of medians (``Repeatability.paired`` says which). Pure.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jwtbench.analysis.intervals import OVER_FLOOR, paired_ratio
from jwtbench.analysis.views import FLOOR, REFERENCES
from jwtbench.model.results import Results, Row

#: Two ratios "agree" when neither is more than this factor of the other.
AGREE = 1.05
#: The quantiles of |log ratio| reported.
QUANTILES = (0.5, 0.75, 0.9, 0.95, 0.99, 1.0)
#: The histogram's bins of |change| in percent (the last one open-ended).
BINS = (0.0, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0)

CellId = tuple[str, str, str, str]  # adapter, alg, op, payload


@dataclass(frozen=True)
class CellChange:
    """One library cell's x over floor in both runs."""

    cell: CellId
    base: float
    head: float
    #: The stored 95% intervals (paired runs only): do they hold the other run's ratio?
    base_ci: tuple[float, float] | None = None
    head_ci: tuple[float, float] | None = None

    @property
    def disjoint(self) -> bool:
        """Both runs' intervals stored and not overlapping: the intervals were too narrow."""
        if self.base_ci is None or self.head_ci is None:
            return False
        return self.base_ci[1] < self.head_ci[0] or self.head_ci[1] < self.base_ci[0]

    @property
    def log_ratio(self) -> float:
        return math.log(self.head / self.base)

    @property
    def agrees(self) -> bool:
        return abs(self.log_ratio) <= math.log(AGREE) + 1e-12


@dataclass(frozen=True)
class Repeatability:
    changes: tuple[CellChange, ...]
    paired: bool  # both runs stored paired ratios for every compared cell
    only_base: int  # library cells of the base run not compared (not in head, or no ratio)
    only_head: int  # the same for the head run

    @property
    def agreeing(self) -> int:
        return sum(c.agrees for c in self.changes)

    @property
    def share(self) -> float:
        return self.agreeing / len(self.changes) if self.changes else float("nan")

    def quantiles(self) -> list[tuple[float, float]]:
        """``[(q, |log ratio| at q), ...]`` over the compared cells."""
        if not self.changes:
            return []
        values = np.abs([c.log_ratio for c in self.changes])
        return [(q, float(np.quantile(values, q))) for q in QUANTILES]

    def histogram(self) -> list[tuple[str, int]]:
        """``[(bin label, cells), ...]`` of |change| in percent (``|r2/r1 - 1|`` symmetric)."""
        percents = [100 * (math.exp(abs(c.log_ratio)) - 1) for c in self.changes]
        edges = [*BINS, math.inf]
        out = []
        for low, high in itertools.pairwise(edges):
            label = f"{low:g}-{high:g}%" if high != math.inf else f">={low:g}%"
            out.append((label, sum(low <= p < high for p in percents)))
        return out

    @property
    def disjoint(self) -> int:
        """Cells whose two stored intervals do not overlap (the bar's honesty check)."""
        return sum(c.disjoint for c in self.changes)

    def worst(self, count: int = 10) -> list[CellChange]:
        return sorted(self.changes, key=lambda c: -abs(c.log_ratio))[:count]


def _jws_prepared(results: Results) -> dict[CellId, Row]:
    rows = {}
    for row in results.rows():
        p = row.params
        if "enc" in p or "sig_alg" in p or p.get("key_mode") != "prepared":
            continue
        rows[(p.get("adapter", ""), p.get("alg", ""), p.get("op", ""), p.get("payload", ""))] = row
    ok = {
        (str(p.get("adapter")), str(p.get("alg")), str(p.get("op")), str(p.get("payload")))
        for c in results.cells
        if c.get("status") == "ok"
        and (p := c.get("params", {})).get("key_mode") == "prepared"
        and "enc" not in p
    }
    return {cell: row for cell, row in rows.items() if cell in ok}


def over_floor(
    rows: dict[CellId, Row], cell: CellId
) -> tuple[float, tuple[float, float] | None] | None:
    """The cell's x over floor and its stored interval (None: unpaired); None: no ratio."""
    found = paired_ratio(rows[cell].extra_info, OVER_FLOOR)
    if found is not None:
        return found.value, (found.low, found.high)
    floor = rows.get((FLOOR, *cell[1:]))
    if floor is None or floor.median <= 0:
        return None
    return rows[cell].median / floor.median, None


def repeatability(base: Results, head: Results) -> Repeatability:
    """The prepared-key JWS library cells of two runs, compared on their x over floor."""
    b_rows, h_rows = _jws_prepared(base), _jws_prepared(head)
    libraries = [c for c in b_rows if c[0] not in REFERENCES]
    changes, paired = [], True
    for cell in libraries:
        if cell not in h_rows:
            continue
        b, h = over_floor(b_rows, cell), over_floor(h_rows, cell)
        if b is None or h is None:
            continue
        changes.append(CellChange(cell, b[0], h[0], b[1], h[1]))
        paired = paired and b[1] is not None and h[1] is not None
    compared = {c.cell for c in changes}
    only_head = sum(1 for c in h_rows if c[0] not in REFERENCES and c not in compared)
    return Repeatability(
        tuple(changes), paired and bool(changes), len(libraries) - len(compared), only_head
    )


def text_histogram(bins: Sequence[tuple[str, int]], width: int = 40) -> list[str]:
    """One line per bin: label, count and a bar of ``#`` scaled to the largest bin."""
    most = max((n for _, n in bins), default=0) or 1
    return [f"{label:>10} {n:5d} {'#' * round(width * n / most)}" for label, n in bins]
