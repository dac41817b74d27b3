"""Paired ratios between cells of one group, burst by burst (``extra_info.over_floor``).

Why paired: the machine's speed flips ~1.8x within a second, but burst *i* of
every member of a group was timed within a few ms of the others (round *i*,
``jwtbench.envs.lockstep``), so the ratio of their burst times cancels the
machine. The ratio stored is the median of those per-burst ratios with a 95%
seeded bootstrap interval of that median. Pure (numpy only): the measuring
room computes it once, as it writes the file; the report only reads it.

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

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Bootstrap resamples and seed (seeded: the same file gives the same interval).
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


def pair_cells(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[float]:
    """Per-burst ratios a/b for the bursts both entries timed in the same round."""
    return [r for ratios in pair_by_process(a, b).values() for r in ratios]


def pair_by_process(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, list[float]]:
    """Per-burst ratios a/b, by lockstep pair id: one list per set of processes.

    A run made of several sets of processes (``jwtbench.measure.waves``) holds
    one pair id per set; bursts pair only within their own set.
    """
    other = {(pair, index): value for pair, index, value in burst_times(b)}
    out: dict[str, list[float]] = {}
    for pair, index, value in burst_times(a):
        if (pair, index) in other and other[pair, index] > 0:
            out.setdefault(pair, []).append(value / other[pair, index])
    return out


def summarise(ratios: Sequence[float]) -> dict[str, Any] | None:
    """``{"ratio", "ci95": [lo, hi], "rounds"}``: median ratio and its bootstrap interval."""
    if not ratios:
        return None
    values = np.asarray(ratios, dtype=float)
    rng = np.random.default_rng(SEED)
    samples = rng.choice(values, size=(RESAMPLES, len(values)), replace=True)
    medians = np.median(samples, axis=1)
    lo, hi = np.percentile(medians, [2.5, 97.5])
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
