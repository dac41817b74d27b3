"""Join the shards of one matrix (``jwtbench run --shard K/N``) into one results file.

Each shard ran a slice of whole groups (``jwtbench.model.shard``), possibly on
another runner of the same series. They may be joined only if their numbers
are comparable and disjoint, so :func:`merge_shards` refuses, naming the two
files and the field, shards that differ in machine type (pytest-benchmark's
machine id, CPU model, CPU count), Python version, jwtbench version, results
schema, profile, timer or units; that give one adapter two versions; or that
hold the same cell twice. Nothing is recomputed: every cell, benchmark entry
and paired ratio is the shard's own (a group never spans two shards, so no
ratio needs bursts from two machines). The merged file lists its shards in
``jwtbench.merged_shards``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from jwtbench.model.cell import CellKey, cell_key
from jwtbench.model.errors import UserError
from jwtbench.model.records import AdapterInfo, RunInfo, build_document
from jwtbench.model.results import Results

#: What two shards must share (name in the refusal -> how it is read).
SAME_MACHINE_TYPE = ("machine_id", "cpu", "cpu_count")


class MergeError(UserError):
    """Shards that cannot be joined (the message names the files and the field)."""


def _name(run: Results) -> str:
    return str(run.path) if run.path is not None else "results"


def _facts(run: Results) -> dict[str, Any]:
    record = run.record
    prov = record.provenance
    return {
        "machine type": tuple(getattr(prov, name) for name in SAME_MACHINE_TYPE),
        "Python version": (prov.python_implementation, prov.python),
        "jwtbench version": prov.extra.get("jwtbench"),
        "results schema": run.raw["jwtbench"].get("schema_version"),
        "profile": record.run.profile,
        "timer": record.timer,
        "units": record.units,
    }


def check_compatible(runs: Sequence[Results]) -> None:
    """Refuse shards that were not made alike (module docstring), naming what differs."""
    first = runs[0]
    mine = _facts(first)
    for other in runs[1:]:
        theirs = _facts(other)
        for what, value in mine.items():
            if theirs[what] != value:
                raise MergeError(
                    f"cannot merge {_name(first)} and {_name(other)}: different {what} "
                    f"({_show(value)} vs {_show(theirs[what])}); merge only shards of one "
                    "series run on one machine type"
                )


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return " / ".join(str(v) for v in value)
    return str(value)


def _adapters(runs: Sequence[Results]) -> dict[str, AdapterInfo]:
    out: dict[str, AdapterInfo] = {}
    where: dict[str, str] = {}
    for run in runs:
        for name, info in run.record.adapters.items():
            known = out.get(name)
            if known is None or not known.available:
                out[name], where[name] = info, _name(run)
            elif info.available and info.details.get("version") != known.details.get("version"):
                raise MergeError(
                    f"cannot merge {where[name]} and {_name(run)}: adapter {name} is "
                    f"{known.details.get('version')} in one and {info.details.get('version')} "
                    "in the other"
                )
    return out


def _cells_once(runs: Sequence[Results]) -> None:
    owner: dict[CellKey, str] = {}
    for run in runs:
        for cell in run.record.cells:
            key = cell_key(cell.params)
            if key in owner:
                shown = " ".join(f"{k}={v}" for k, v in cell.params.items())
                raise MergeError(
                    f"cannot merge {owner[key]} and {_name(run)}: both hold cell {shown} "
                    "(overlapping shards, or the same shard twice)"
                )
            owner[key] = _name(run)


def merge_shards(runs: Sequence[Results]) -> dict[str, Any]:
    """One results document holding every shard's cells, benchmarks and interop entries."""
    if len(runs) < 2:
        raise MergeError("jwtbench merge needs at least two results files")
    check_compatible(runs)
    _cells_once(runs)
    adapters = _adapters(runs)
    records = [run.record for run in runs]
    first = records[0]
    selection = {k: v for k, v in first.run.selection.items() if k != "shard"}
    interop: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for record in records:
        for entry in record.interop or ():
            key = repr(sorted((k, str(v)) for k, v in entry.items()))
            if key not in seen:
                seen.add(key)
                interop.append(entry)
    starts = [r.run.started for r in records if r.run.started]
    ends = [r.run.finished for r in records if r.run.finished]
    run = RunInfo(
        label=first.run.label,
        profile=first.run.profile,
        selection=selection,
        started=min(starts) if starts else None,
        finished=max(ends) if ends else None,
        seconds=round(sum(r.run.seconds for r in records), 2),
        passes=max(r.run.passes for r in records),
        interrupted=any(r.run.interrupted for r in records),
    )
    members = [m for r in records for m in (r.groups or {}).get("members", [])]
    groups = (
        None if first.groups is None else {**first.groups, "members": list(dict.fromkeys(members))}
    )
    merged = dataclasses.replace(
        first,
        run=run,
        adapters=adapters,
        cells=tuple(c for r in records for c in r.cells),
        interop=tuple(interop),
        groups=groups,
        merged_shards=tuple(_shard_entry(r) for r in runs),
    )
    benches = [b for r in runs for b in r.raw.get("benchmarks", [])]
    return build_document(merged, benches, runs[0].raw)


def _shard_entry(run: Results) -> dict[str, Any]:
    record = run.record
    return {
        "file": _name(run),
        "shard": record.run.selection.get("shard"),
        "node": record.provenance.node,
        "cells": len(record.cells),
        "seconds": record.run.seconds,
        "started": record.run.started,
    }


def missing_shards(runs: Sequence[Results]) -> list[str]:
    """Shards K/N of the series that no file holds (a note, not a refusal)."""
    given = [str(r.record.run.selection.get("shard") or "") for r in runs]
    counts = {g.partition("/")[2] for g in given if g}
    if len(counts) != 1:
        return []
    count = int(counts.pop())
    have = {int(g.partition("/")[0]) for g in given if g}
    return [f"{k}/{count}" for k in range(1, count + 1) if k not in have]
