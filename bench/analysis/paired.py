"""Compare two runs on their paired ratios to the floor: a regression check that drift cannot fool.

Two runs made at different times (yesterday's baseline, today's CI run) differ
by the machine's speed at those moments, so their absolute times differ even
for the same code. A library's *paired* x over floor inside each run (its
bursts and the floor's, interleaved: ``extra_info.over_floor``) does not:
drift moves both sides of each round together. ``compare_paired`` compares
library cells on that ratio: the change is ``head ratio / base ratio`` (a
log-ratio difference), with a 95% interval

* from the two runs' bursts when both rows and their floors' carry
  ``extra_info.lockstep``: per burst, the library's burst time / the floor's
  in the same round (each burst's fastest round, as the stored ratio); the
  change is the quotient of the two runs' median per-burst ratios, its
  interval the distribution-free one for a shift between two samples
  (Moses, from the Mann-Whitney test: order statistics of every head/base
  pair of per-burst ratios), which a few outlying bursts cannot widen;
* else from the two stored intervals (log-normal, independent errors:
  ``intervals.quotient``).

A cell regresses when the change exceeds ``1 + threshold`` and its interval
clears ``1 + threshold / 2`` (the margin ``jwtbench.analysis.stats`` uses).
The floor's own change is reported separately (a ``cryptography`` bump moves
the floor, and so every library's ratio): its absolute median change, which
includes the machine's drift, and, when both runs have the limit, its paired
x over limit, which does not.

Pairing cancels the machine's speed from moment to moment, not its *state*
over a whole run: in a noisy spell of this VM Python ran slower relative to C,
so the floor's x over limit and the libraries' x over floor rose together
(``MachineState``). A comparison across states says so. Pure: rendered by
``jwtbench.present.compare_paired``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from jwtbench.analysis.compare import measured_rows, provenance_of
from jwtbench.analysis.intervals import (
    OVER_FLOOR,
    OVER_LIMIT,
    Interval,
    paired_ratio,
    quotient,
)
from jwtbench.analysis.pairing import NOISY_SCATTER, burst_ratios
from jwtbench.analysis.stats import IMPROVEMENT, NO_CHANGE, REGRESSION
from jwtbench.analysis.views import FLOOR, REFERENCES, run_scatter
from jwtbench.model.cell import CellKey, cell_key, cell_label
from jwtbench.model.results import Results, Row

#: How a change's interval was made (``PairedCell.source``).
FROM_BURSTS = "bursts"
FROM_INTERVALS = "intervals"
#: Per-round ratios a run needs for the bursts path.
MIN_ROUNDS = 3
#: The standard normal's 97.5% quantile.
Z95 = 1.959964


@dataclass(frozen=True)
class PairedCell:
    """A library cell's paired x over floor in both runs and its change (head / base)."""

    params: dict[str, str]
    base: Interval
    head: Interval
    change: Interval
    verdict: str
    source: str  # FROM_BURSTS or FROM_INTERVALS

    @property
    def label(self) -> str:
        return cell_label(self.params)


@dataclass(frozen=True)
class FloorChange:
    """The floor's own change in one cell: absolute (drift included) and paired to the limit."""

    params: dict[str, str]
    base_median: float
    head_median: float
    over_limit: Interval | None  # head / base of the floor's paired x over limit

    @property
    def label(self) -> str:
        return cell_label(self.params)

    @property
    def ratio(self) -> float:
        return self.head_median / self.base_median


#: The floor's paired x over limit moving more than this (geometric mean over its
#: cells, head / base) with the same Python, cryptography and OpenSSL means the
#: two runs saw the machine in different states. Measured here: 32 pairs of runs
#: in one state moved it by 0.0-2.6%; a calm run against one made in a noisy spell
#: 40 minutes later by +5.8%, and there library ratios to the floor moved by up to
#: 28% (p95 17%; Python-heavy HS* cells most) with no code changed.
STATE_SHIFT = 0.03
#: What must be equal for the floor's ratio to the limit to stay put.
_STATE_INPUTS = ("python", "cryptography", "openssl", "jwtbench")


@dataclass(frozen=True)
class MachineState:
    """How alike the machine was in the two runs: each run's noise and the floor vs the limit."""

    base_noise: float | None  # ``pairing.scatter`` of each run (None: not measurable)
    head_noise: float | None
    floor_shift: float | None  # head / base of the floor's paired x over limit (geometric mean)
    floor_cells: int
    #: Python, cryptography, OpenSSL or jwtbench differ: the floor itself may have changed.
    inputs_changed: tuple[str, ...] = ()

    @property
    def shifted(self) -> bool:
        """The floor moved against the limit beyond :data:`STATE_SHIFT`, nothing to explain it."""
        if self.floor_shift is None or self.inputs_changed:
            return False
        return abs(math.log(self.floor_shift)) > math.log(1 + STATE_SHIFT)

    def noisy(self) -> list[tuple[str, float]]:
        """The runs whose per-burst ratios scattered beyond ``pairing.NOISY_SCATTER``."""
        sides = (("base", self.base_noise), ("head", self.head_noise))
        return [(side, v) for side, v in sides if v is not None and v > NOISY_SCATTER]


def machine_state(base: Results, head: Results, floors: Sequence[FloorChange]) -> MachineState:
    """``MachineState`` of two runs from their noise and their floors' change against the limit."""
    limits = [f.over_limit.value for f in floors if f.over_limit is not None]
    shift = float(np.exp(np.mean(np.log(limits)))) if limits else None
    base_noise, head_noise = (found[0] if (found := run_scatter(r)) else None for r in (base, head))
    pb, ph = provenance_of(base), provenance_of(head)
    changed = tuple(name for name in _STATE_INPUTS if pb.get(name) != ph.get(name))
    return MachineState(base_noise, head_noise, shift, len(limits), changed)


@dataclass
class PairedComparison:
    """Everything ``compare_paired`` found; the renderers only read it."""

    threshold: float
    cells: list[PairedCell] = field(default_factory=list)
    floors: list[FloorChange] = field(default_factory=list)
    #: Library cells measured in both runs whose ratio is not paired on a side (or no floor).
    unpaired: list[dict[str, str]] = field(default_factory=list)
    state: MachineState | None = None

    def verdicts(self, verdict: str) -> list[PairedCell]:
        return [c for c in self.cells if c.verdict == verdict]

    @property
    def regressions(self) -> list[PairedCell]:
        return sorted(self.verdicts(REGRESSION), key=lambda c: -c.change.value)

    @property
    def improvements(self) -> list[PairedCell]:
        return sorted(self.verdicts(IMPROVEMENT), key=lambda c: c.change.value)

    def ordered(self) -> list[PairedCell]:
        """Regressions (worst first), improvements (best first), then the rest in file order."""
        return [*self.regressions, *self.improvements, *self.verdicts(NO_CHANGE)]

    def floor_drift(self) -> float | None:
        """Geometric mean of the floor's absolute change over its cells (drift + floor change)."""
        if not self.floors:
            return None
        return float(np.exp(np.mean([np.log(f.ratio) for f in self.floors])))

    def summary(self) -> str:
        parts = [
            f"{len(self.regressions)} regression(s)",
            f"{len(self.improvements)} improvement(s)",
            f"{len(self.verdicts(NO_CHANGE))} without significant change",
        ]
        if self.unpaired:
            parts.append(f"{len(self.unpaired)} not paired on a side")
        return f"{len(self.cells)} library cells compared on paired x over floor: " + ", ".join(
            parts
        )


def has_paired(results: Results) -> bool:
    """Whether the run stored paired ratios (``extra_info.over_floor`` on a library row)."""
    return any(paired_ratio(row.extra_info, OVER_FLOOR) for row in measured_rows(results).values())


def _reference_key(params: dict[str, str], reference: str) -> CellKey:
    return cell_key({**params, "adapter": reference})


def shift_interval(base: Sequence[float], head: Sequence[float]) -> tuple[float, float]:
    """95% interval of the ratio head / base as a shift in logs (Moses, distribution-free).

    Of the n x m log differences ``log h_i - log b_j``, the k-th smallest and
    k-th largest, k from the Mann-Whitney U statistic's 2.5% quantile (normal
    approximation with continuity rounding down: n = m = 10 gives 24, the
    exact table's value). Why not a bootstrap of the two medians: measured
    on ten slowdown trials here (pyjwt 10% slower in head, 56 cells of which 8
    slowed), the bootstrap's interval was widened by two outlying bursts of
    ten and missed slowed cells in 5 trials; this one in 1.
    """
    b = np.log(np.asarray(base, dtype=np.float64))
    h = np.log(np.asarray(head, dtype=np.float64))
    diffs = np.sort((h[:, None] - b[None, :]).ravel())
    n, m = h.size, b.size
    k = max(1, math.floor(n * m / 2 - Z95 * math.sqrt(n * m * (n + m + 1) / 12)))
    return math.exp(diffs[k - 1]), math.exp(diffs[n * m - k])


def change_from_bursts(base: list[float], head: list[float]) -> Interval | None:
    """head / base of the median per-round ratio, with its 95% shift interval."""
    if len(base) < MIN_ROUNDS or len(head) < MIN_ROUNDS:
        return None
    low, high = shift_interval(base, head)
    value = statistics.median(head) / statistics.median(base)
    return Interval(value, min(low, value), max(high, value), min(len(base), len(head)))


def verdict_of(change: Interval, threshold: float) -> str:
    """Beyond the threshold and the interval clears half of it: a regression (improvement)."""
    up, margin = 1 + threshold, 1 + threshold / 2
    if change.value > up and change.low > margin:
        return REGRESSION
    if change.value < 1 / up and change.high < 1 / margin:
        return IMPROVEMENT
    return NO_CHANGE


def _change(
    rows: tuple[dict[CellKey, Row], dict[CellKey, Row]], key: CellKey, floor: CellKey
) -> tuple[Interval, Interval, Interval, str] | None:
    b_rows, h_rows = rows
    base = paired_ratio(b_rows[key].extra_info, OVER_FLOOR)
    head = paired_ratio(h_rows[key].extra_info, OVER_FLOOR)
    if base is None or head is None:
        return None
    if floor in b_rows and floor in h_rows:
        found = change_from_bursts(
            burst_ratios(b_rows[key], b_rows[floor]), burst_ratios(h_rows[key], h_rows[floor])
        )
        if found is not None:
            return base, head, found, FROM_BURSTS
    return base, head, quotient(head, base), FROM_INTERVALS


def _floor_change(key: CellKey, base: Row, head: Row) -> FloorChange:
    b_limit = paired_ratio(base.extra_info, OVER_LIMIT)
    h_limit = paired_ratio(head.extra_info, OVER_LIMIT)
    limit = quotient(h_limit, b_limit) if b_limit and h_limit else None
    return FloorChange(dict(base.params), base.median, head.median, limit)


def compare_paired(base: Results, head: Results, *, threshold: float = 0.10) -> PairedComparison:
    """Library cells measured in both runs, compared on their paired x over floor."""
    b_rows, h_rows = measured_rows(base), measured_rows(head)
    out = PairedComparison(threshold)
    for key, row in b_rows.items():
        if key not in h_rows:
            continue
        adapter = row.params.get("adapter")
        if adapter == FLOOR:
            out.floors.append(_floor_change(key, row, h_rows[key]))
            continue
        if adapter in REFERENCES:  # the limit: the floor's change covers the crypto's
            continue
        found = _change((b_rows, h_rows), key, _reference_key(row.params, FLOOR))
        if found is None:
            out.unpaired.append(dict(row.params))
            continue
        b, h, change, source = found
        verdict = verdict_of(change, threshold)
        out.cells.append(PairedCell(dict(row.params), b, h, change, verdict, source))
    out.state = machine_state(base, head, out.floors)
    return out


__all__ = [
    "FROM_BURSTS",
    "FROM_INTERVALS",
    "STATE_SHIFT",
    "FloorChange",
    "MachineState",
    "PairedCell",
    "PairedComparison",
    "compare_paired",
    "has_paired",
    "machine_state",
]
