"""Paired ratios between cells of one group, burst by burst (``extra_info.over_floor``).

Why paired: the machine's speed flips ~1.8x within a second, but burst *i* of
every member of a group was timed within a few ms of the others (round *i*,
``jwtbench.envs.lockstep``), so the ratio of their burst times cancels the
machine. The ratio stored is the median of those per-burst ratios with a
distribution-free 95% interval of that median (:func:`median_interval`).
Pure (numpy only): the measuring room computes it once, as it writes the
file; the report only reads it.

A burst's time is its **fastest round** (:func:`burst_time`), not its median.
Why: the machine's slow spells are shorter than a burst. Of a burst's ~10
rounds of ~0.5 ms, some often ran slow and some fast, and one member's burst
caught more slow rounds than the next member's. Measured on two quick runs
here (270 prepared JWS library cells): with burst medians, per-burst ratios
to the floor scattered by 7.9% (robust sd) and 74% of cells agreed within 5%
between the runs; with each burst's fastest round, 1.6% and 95%. A library's
ratio to the floor also *depends* on the machine's state (pyjwt ES256 verify
read 1.44x in fast moments and 1.60x in slow ones, in one process), so the
ratio a median gives depends on how much of the run was slow; the fastest
round is the machine at its own speed, the one state every run reaches. The
absolute times (``stats``) stay pytest-benchmark's, over every round.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

#: Bootstrap resamples and seed of the two-level interval over sets of processes
#: (seeded: the same file gives the same interval).
RESAMPLES = 2000
SEED = 20260


def burst_time(rounds: Sequence[float]) -> float:
    """A burst's seconds per call: its fastest round (module docstring: why not the median)."""
    return float(min(rounds))


def burst_times(bench: Mapping[str, Any]) -> list[tuple[str, int, float]]:
    """(pair id, burst index, seconds per call) of each burst of a benchmark entry."""
    data = [float(v) for v in bench.get("stats", {}).get("data", [])]
    lockstep = bench.get("extra_info", {}).get("lockstep")
    if not isinstance(lockstep, list):
        return []
    out, at = [], 0
    for pair, sizes in lockstep:
        for index, size in enumerate(sizes):
            chunk = data[at : at + int(size)]
            at += int(size)
            if chunk:
                out.append((str(pair), index, burst_time(chunk)))
    return out if at == len(data) else []


def burst_map(bursts: Iterable[tuple[str, int, float]]) -> dict[tuple[str, int], float]:
    """``{(pair id, burst index): seconds per call}`` of (pair id, index, seconds) bursts.

    A reference timed in several processes of one set (its replicas:
    ``jwtbench.measure.groups.REPLICAS``) has one burst per replica in each
    round; the round's time is their median, so one process's own offset
    does not move every library's ratio to it.
    """
    found: dict[tuple[str, int], list[float]] = {}
    for pair, index, value in bursts:
        found.setdefault((pair, index), []).append(value)
    return {key: float(np.median(values)) for key, values in found.items()}


def pair_cells(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[float]:
    """Per-burst ratios a/b for the bursts both entries timed in the same round."""
    return [r for ratios in pair_by_process(a, b).values() for r in ratios]


def pair_by_process(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, list[float]]:
    """Per-burst ratios a/b, by lockstep pair id: one list per set of processes.

    A run made of several sets of processes (``jwtbench.measure.waves``) holds
    one pair id per set; bursts pair only within their own set. A set that
    visited each cell several times (``PAIR/VISIT``: ``jwtbench.envs.lockstep``)
    pairs visit by visit, and its visits are one process here. A replicated
    reference's round is its replicas' median (:func:`burst_map`).
    """
    other = burst_map(burst_times(b))
    out: dict[str, list[float]] = {}
    for (pair, index), value in burst_map(burst_times(a)).items():
        if (pair, index) in other and other[pair, index] > 0:
            out.setdefault(pair.partition("/")[0], []).append(value / other[pair, index])
    return out


def median_interval(values: Sequence[float]) -> tuple[float, float]:
    """A distribution-free 95% interval of the median: two order statistics.

    The *k*-th smallest and *k*-th largest value, *k* the largest with
    P(Binomial(n, 1/2) < k) <= 2.5%, cover the true median with >= 95% for any
    continuous distribution (n = 10: the 2nd and 9th, 97.9%). Fewer than 6
    values cannot reach 95%: the interval is their range. Why not a bootstrap
    percentile interval: for the ~10 per-visit ratios of a quick run it is too
    narrow. Measured here (two quick runs, 270 prepared JWS library cells), the
    bootstrap's intervals failed to overlap between the runs in 28 cells
    (median width 1.8%), these in 8 (2.5%).
    """
    ordered = sorted(float(v) for v in values)
    n = len(ordered)
    k, below = 0, 0.0  # below: P(Binomial(n, 1/2) < k + 1)
    while True:
        below += math.comb(n, k) / 2**n
        if below > 0.025:
            break
        k += 1
    k = max(k, 1)  # k order statistics in from each end; at least the extremes
    return ordered[k - 1], ordered[n - k]


def summarise(ratios: Sequence[float]) -> dict[str, Any] | None:
    """``{"ratio", "ci95": [lo, hi], "rounds"}``: median ratio and its interval.

    The interval: :func:`median_interval` (distribution-free).
    """
    if not ratios:
        return None
    values = np.asarray(ratios, dtype=float)
    lo, hi = median_interval(list(values))
    return {
        "ratio": round(float(np.median(values)), 5),
        "ci95": [round(float(lo), 5), round(float(hi), 5)],
        "rounds": len(values),
    }


def summarise_processes(clusters: Mapping[str, Sequence[float]]) -> dict[str, Any] | None:
    """``summarise`` for ratios from several sets of processes, each set one unit.

    Why: a process carries its own speed offset (memory layout, hash seed...):
    measured here, one library's x over floor moved by up to ~15% from one
    process to the next while each run's burst interval was a few percent
    wide. So the interval resamples whole processes first, then bursts within
    each (a two-level bootstrap, each process weighted equally), and widens by
    as much as the processes disagree. One set: exactly ``summarise``.
    """
    groups = [np.asarray(v, dtype=float) for v in clusters.values() if len(v)]
    if len(groups) <= 1:
        return summarise(list(groups[0]) if groups else [])
    rng = np.random.default_rng(SEED)
    size = max(len(g) for g in groups)
    within = np.stack([rng.choice(g, size=(RESAMPLES, size), replace=True) for g in groups])
    pick = rng.integers(len(groups), size=(RESAMPLES, len(groups)))
    samples = within[pick, np.arange(RESAMPLES)[:, None], :].reshape(RESAMPLES, -1)
    lo, hi = np.percentile(np.median(samples, axis=1), [2.5, 97.5])
    pooled = np.concatenate(groups)
    return {
        "ratio": round(float(np.median(pooled)), 5),
        "ci95": [round(float(lo), 5), round(float(hi), 5)],
        "rounds": len(pooled),
        "processes": len(groups),
    }


def add_paired_ratios(benches: Sequence[dict[str, Any]], references: Mapping[str, str]) -> None:
    """Set ``extra_info[field]`` of every entry against the adapter ``references[field]``.

    ``references`` maps a field (``over_floor``) to the reference adapter
    (``floor``); an entry gets the field only when the reference's cell of
    the same group was timed (``ok``) in the run.
    """
    by_group: dict[tuple[tuple[str, str], ...], dict[str, dict[str, Any]]] = {}
    for bench in benches:
        params = bench["params"]
        group = tuple(sorted((k, str(v)) for k, v in params.items() if k != "adapter"))
        by_group.setdefault(group, {})[str(params["adapter"])] = bench
    for members in by_group.values():
        for field, adapter in references.items():
            reference = members.get(adapter)
            if reference is None:
                continue
            for bench in members.values():
                summary = summarise_processes(pair_by_process(bench, reference))
                if summary is not None:
                    bench.setdefault("extra_info", {})[field] = summary
