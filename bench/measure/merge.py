"""Merge several runs of the same selection into one results file.

A run measures its selection in several passes, and ``jwtbench ab`` and
``jwtbench calibrate`` run the selection several times: each time the cells'
raw rounds are concatenated, and ``extra_info.merged_runs`` records how many
rounds each run (pass) contributed, so ``jwtbench.analysis.compare`` can tell them apart
and judge a cell by how much its runs disagree, not by its rounds as if they
were independent (they are not: rounds of one pass share the machine's speed
of that moment).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from jwtbench.model.cell import cell_key


def stats_from_rounds(data: Sequence[float], iterations: int = 1) -> dict[str, Any]:
    """pytest-benchmark's ``stats`` object recomputed from raw rounds (its own ``Stats``)."""
    from pytest_benchmark.stats import Stats

    if not data:
        raise ValueError("no rounds to compute stats from")
    stats: Any = Stats()  # type: ignore[no-untyped-call]
    for value in data:
        stats.update(float(value))
    out: dict[str, Any] = dict(stats.as_dict())
    out["iterations"] = iterations
    out["data"] = [float(v) for v in data]
    return out


def run_sizes(bench_: Mapping[str, Any]) -> list[int]:
    """How many raw rounds each run of a benchmark entry holds (one run if not merged)."""
    values = bench_["stats"].get("data", [])
    sizes = bench_.get("extra_info", {}).get("merged_runs")
    if isinstance(sizes, list) and sum(int(n) for n in sizes) == len(values):
        return [int(n) for n in sizes]
    return [len(values)]


def merge_benchmarks(runs: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """pytest-benchmark entries of several runs merged cell by cell (first run's order).

    Raw rounds are concatenated in run order, stats recomputed from them, and
    ``extra_info.merged_runs`` lists each run's share (an entry that was
    itself merged contributes its own runs, so passes stay apart).
    """
    benches: dict[Any, dict[str, Any]] = {}
    data: dict[Any, list[float]] = {}
    sizes: dict[Any, list[int]] = {}
    bursts: dict[Any, list[Any] | None] = {}  # lockstep bursts, None once a run has none
    for entries in runs:
        for bench_ in entries:
            key = cell_key(bench_["params"])
            if key not in benches:
                benches[key] = json.loads(json.dumps(bench_))
                data[key], sizes[key], bursts[key] = [], [], []
            data[key] += [float(v) for v in bench_["stats"].get("data", [])]
            sizes[key] += run_sizes(bench_)
            lockstep = bench_.get("extra_info", {}).get("lockstep")
            known = bursts[key]
            bursts[key] = known + list(lockstep) if known is not None and lockstep else None
    merged = []
    for key, bench_ in benches.items():
        iterations = int(bench_["stats"].get("iterations", 1))
        if data[key]:
            bench_["stats"] = stats_from_rounds(data[key], iterations)
        extra = bench_.setdefault("extra_info", {})
        extra["merged_runs"] = sizes[key]
        if bursts[key]:
            extra["lockstep"] = bursts[key]
        else:
            extra.pop("lockstep", None)
        merged.append(bench_)
    return merged


def merge_rounds(rounds: Sequence[Mapping[str, Any]], *, label: str) -> dict[str, Any]:
    """One results file from several runs of the same selection.

    Each cell's raw ``stats.data`` are concatenated across rounds (in round
    order) and its stats recomputed; ``extra_info``, provenance and the rest
    come from the first round; ``extra_info.merged_runs`` lists how many raw
    rounds each run contributed, so the runs can be told apart again. A cell
    that is not ``ok`` in some round takes that round's status (first one
    seen) and the reason says which round.
    """
    if not rounds:
        raise ValueError("no rounds to merge")
    first = rounds[0]
    merged = merge_benchmarks([raw.get("benchmarks", []) for raw in rounds])
    cells: dict[Any, dict[str, Any]] = {}
    for index, raw in enumerate(rounds):
        for cell in raw["jwtbench"].get("cells", []):
            key = cell_key(cell["params"])
            if key not in cells:
                cells[key] = dict(cell)
            elif cells[key]["status"] == "ok" and cell["status"] != "ok":
                reason = f"round {index + 1}: {cell.get('reason', '')}".rstrip(": ")
                cells[key] = {**cell, "reason": reason}
    meta = json.loads(json.dumps(first["jwtbench"]))
    meta["label"] = label
    meta["started"] = first["jwtbench"].get("started")
    meta["finished"] = rounds[-1]["jwtbench"].get("finished")
    meta["seconds"] = round(sum(float(r["jwtbench"].get("seconds", 0)) for r in rounds), 2)
    meta["interrupted"] = any(r["jwtbench"].get("interrupted") for r in rounds)
    meta["cells"] = list(cells.values())
    return {**json.loads(json.dumps(first)), "benchmarks": merged, "jwtbench": meta}
