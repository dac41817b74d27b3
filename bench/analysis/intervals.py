"""Paired ratios and intervals of one results row: what "uncertainty shown" reads.

A run that times a group's members (cells that differ only by adapter)
interleaved in bursts stores, per benchmark, ``extra_info.over_floor`` and
``extra_info.over_limit`` = ``{"ratio": r, "ci95": [lo, hi], "rounds": n}``:
the median of the round-by-round ratios to the floor's (the limit's) bursts
and its 95% interval. Those ratios are *paired*: every round saw one machine
speed. A file without them (older runs) only allows the unpaired ratio of two
medians timed at different moments, which the report must say.

Also the 95% interval of a cell's own median time (for the throughput
whiskers): from its lockstep bursts when it has them, else from its passes,
else from its rounds (one pass: within-pass noise only, the machine's drift
between moments is not in it). Pure computation, deterministic (fixed seed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from jwtbench.analysis.bootstrap import bootstrap_run_medians
from jwtbench.analysis.runs import split_bursts, split_runs
from jwtbench.model.results import Row

#: The ``extra_info`` keys of the paired ratios (written by ``jwtbench run``).
OVER_FLOOR = "over_floor"
OVER_LIMIT = "over_limit"
#: Bootstrap replicates and seed of the time intervals (fixed: a report is reproducible).
N_BOOT = 1000
SEED = 20261201

#: Where a time interval came from.
Source = Literal["bursts", "passes", "rounds"]


class Interval(NamedTuple):
    """A value with its 95% interval (``low <= value <= high``) and how many rounds made it."""

    value: float
    low: float
    high: float
    rounds: int = 0

    def includes(self, x: float) -> bool:
        return self.low <= x <= self.high

    def overlaps(self, other: Interval) -> bool:
        return self.low <= other.high and other.low <= self.high

    @property
    def log_half_width(self) -> float:
        """Half the interval's width on a log scale (its 'standard error' times z)."""
        return (math.log(self.high) - math.log(self.low)) / 2


def paired_ratio(extra_info: Mapping[str, Any], key: str) -> Interval | None:
    """``extra_info[key]`` as an Interval; None when absent or malformed (an older file)."""
    entry = extra_info.get(key)
    if not isinstance(entry, Mapping):
        return None
    try:
        ratio = float(entry["ratio"])
        low, high = (float(v) for v in entry["ci95"])
        rounds = int(entry.get("rounds", 0))
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) and v > 0 for v in (ratio, low, high)) or not low <= high:
        return None
    # A stored interval that does not hold its own ratio is widened to hold it, never trusted less.
    return Interval(ratio, min(low, ratio), max(high, ratio), rounds)


_TimeKey = tuple[tuple[float, ...], float, str, str]
_TIMES: dict[_TimeKey, tuple[Interval, Source] | None] = {}
_TIMES_KEPT = 8192


def time_interval(row: Row) -> tuple[Interval, Source] | None:
    """The 95% interval of the row's median time per op, and what it was drawn from.

    Memoised on what it reads (the rounds, how they split, the median): a report
    asks for the same row in several charts, and each answer is a bootstrap
    (~6 ms; a quick run's report asked 1,250 times for 764 rows).
    """
    extra = row.extra_info
    key = (row.data, row.median, repr(extra.get("lockstep")), repr(extra.get("merged_runs")))
    if key not in _TIMES:
        if len(_TIMES) >= _TIMES_KEPT:
            _TIMES.clear()
        _TIMES[key] = _time_interval(row)
    return _TIMES[key]


def _time_interval(row: Row) -> tuple[Interval, Source] | None:
    """:func:`time_interval`, computed."""
    bursts = [np.asarray(b, dtype=np.float64) for _, group in split_bursts(row) for b in group]
    source: Source = "bursts"
    if len(bursts) < 2:
        bursts = [np.asarray(r, dtype=np.float64) for r in split_runs(row)]
        source = "passes" if len(bursts) >= 2 else "rounds"
    bursts = [b for b in bursts if b.size]
    if not bursts or sum(b.size for b in bursts) < 2:
        return None
    boot = bootstrap_run_medians(bursts, N_BOOT, np.random.default_rng(SEED))
    low, high = (float(v) for v in np.quantile(boot, [0.025, 0.975]))
    median = row.median
    return Interval(median, min(low, median), max(high, median), len(row.data)), source


def ops_interval(row: Row) -> Interval | None:
    """The row's ops/s with the 95% interval of its median time turned into ops/s."""
    found = time_interval(row)
    if found is None or found[0].low <= 0:
        return None
    times = found[0]
    return Interval(row.ops, 1 / times.high, 1 / times.low, times.rounds)


def geomean_interval(intervals: Sequence[Interval]) -> Interval:
    """The geometric mean of ``intervals`` with a log-normal interval (independent errors)."""
    logs = [math.log(i.value) for i in intervals]
    centre = sum(logs) / len(logs)
    half = math.sqrt(sum(i.log_half_width**2 for i in intervals)) / len(intervals)
    return Interval(math.exp(centre), math.exp(centre - half), math.exp(centre + half))


def quotient(top: Interval, bottom: Interval) -> Interval:
    """``top / bottom`` with a log-normal interval from both (independent errors)."""
    value = top.value / bottom.value
    half = math.hypot(top.log_half_width, bottom.log_half_width)
    return Interval(value, value * math.exp(-half), value * math.exp(half))
