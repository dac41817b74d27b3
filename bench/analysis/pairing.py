"""A paired ratio between any two rows of one group, burst by burst, from their raw rounds.

In a grouped run burst *i* of round *p* of every member of a group was timed
in the same lockstep round, a few ms from the others' (``extra_info.lockstep``:
``[[pair id, [burst sizes]], ...]``, the same pair ids across the group). The
ratio of two members' burst times (each burst's fastest round:
``jwtbench.measure.paired.burst_time``), burst by burst, cancels the machine's
speed of that moment; the paired ratio is the median of those per-burst
ratios with its 95% interval. It is made exactly as the run makes the stored
``over_floor`` (``jwtbench.measure.paired.summarise_processes``: the same
interval, and sets of processes resampled as units), so a ratio between two
libraries reads like their ratios to the floor. Pure computation.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

from jwtbench.analysis.intervals import Interval, paired_ratio
from jwtbench.analysis.runs import split_bursts
from jwtbench.measure.paired import burst_map, burst_time, summarise_processes
from jwtbench.model.results import Row


def burst_times(row: Row) -> dict[tuple[str, int], float]:
    """``{(pair id, burst index): seconds per call}`` of a lockstep row (empty: not lockstep).

    A replicated reference's round: its replicas' median (``burst_map``).
    """
    return burst_map(
        (pair, index, burst_time(burst))
        for pair, bursts in split_bursts(row)
        for index, burst in enumerate(bursts)
        if burst
    )


def burst_ratios(row: Row, ref: Row) -> list[float]:
    """Per burst both rows timed in the same round: the row's burst time / the reference's."""
    return [r for ratios in ratios_by_process(row, ref).values() for r in ratios]


def ratios_by_process(row: Row, ref: Row) -> dict[str, list[float]]:
    """``burst_ratios`` by set of processes (the pair id before ``/VISIT``)."""
    theirs = burst_times(ref)
    out: dict[str, list[float]] = {}
    for (pair, index), value in burst_times(row).items():
        if (pair, index) in theirs and theirs[pair, index] > 0:
            out.setdefault(pair.partition("/")[0], []).append(value / theirs[pair, index])
    return out


def paired_between(row: Row, ref: Row) -> Interval | None:
    """``row / ref`` paired burst by burst, with its 95% interval; None without aligned bursts."""
    summary = summarise_processes(ratios_by_process(row, ref))
    return paired_ratio({"ratio": summary}, "ratio") if summary is not None else None


def share_of(over_limit: Interval) -> Interval:
    """The share of a cell's time spent in the bare primitive: 1 / x over limit (interval too)."""
    return Interval(
        1 / over_limit.value, 1 / over_limit.high, 1 / over_limit.low, over_limit.rounds
    )


#: Fewest paired bursts a cell needs to count in :func:`scatter` (a quick run has 10).
SCATTER_BURSTS = 5
#: A run whose per-burst ratios scatter more than this is called noisy. Measured
#: here (quick runs, 600 library cells each): calm runs 1.4-1.5%, and two of
#: them agreed within 5% on x over floor in 100% of the prepared JWS cells; a
#: run made an hour later scattered by 4.5% and agreed with them in 57-60%
#: (HS* cells up to 23% off): in a noisy spell a library's ratio to the floor
#: itself moves, and pairing cannot take that out.
NOISY_SCATTER = 0.025


def scatter(pairs: Iterable[tuple[Row, Row]]) -> tuple[float, int] | None:
    """How much the machine moved paired ratios in a run: (median robust sd, cells).

    For each (row, reference) pair with at least :data:`SCATTER_BURSTS`
    paired bursts, the robust sd (1.4826 x median absolute deviation) of the
    log per-burst ratios; the median over the cells, and how many counted.
    None: no cell had enough bursts (an unpaired or tiny run).
    """
    spreads = []
    for row, ref in pairs:
        logs = [math.log(r) for r in burst_ratios(row, ref) if r > 0]
        if len(logs) >= SCATTER_BURSTS:
            centre = statistics.median(logs)
            spreads.append(1.4826 * statistics.median(abs(v - centre) for v in logs))
    return (statistics.median(spreads), len(spreads)) if spreads else None
