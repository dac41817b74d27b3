"""Results schema versions, what each added, and the migrations between them.

A file of an older version is migrated in memory when it is read (its file on
disk is left as it is: the committed golden files stay v1 and prove the
migration); a version this jwtbench does not know is refused by name, with the
fix. The current version's fields are read by ``jwtbench.model.records``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from jwtbench.model.records import SCHEMA_VERSION, ResultsError, Timer, Units

__all__ = ["SCHEMA_HISTORY", "SCHEMA_VERSION", "ResultsError", "migrate_v1_to_v2", "upgrade"]
#: What each schema version added (results/README.md says the same at length).
SCHEMA_HISTORY: Mapping[int, str] = {
    1: "first release: JWS and JWE cells with status and reason, raw rounds in "
    "stats.data, adapters, provenance; later, without a version change: interop, "
    "passes, extra_info.merged_runs, extra_info.lockstep, lockstep, injected_slowdown, ab",
    2: "units of every metric (jwtbench.units) and the timer (jwtbench.timer); "
    "passes and interop required (interop null: not recorded, in migrated files); "
    "lockstep, injected_slowdown and ab declared; "
    "a cell's status must be one of jwtbench.model.cell.Status; later, without a "
    "version change: groups, extra_info.over_floor / over_limit (grouped runs); "
    "cost (per adapter: import time, first call with a cold key, key preparation, "
    "peak memory per operation, installed size; optional); "
    "selection.shard (run --shard K/N), merged_shards (jwtbench merge), "
    "provenance.jwtbench, adapters[name].adapter / .env and groups.isolated "
    "(run --isolate / --lib); "
    "instruction counts (timer instructions with valgrind/CPython/OpenSSL versions and "
    "the OPENSSL_ia32cap mask, units.time = instructions, extra_info.instructions_per_op)",
}


#: How v1 writers (and hand edits) spelled statuses that now have one spelling.
V1_STATUS_ALIASES: Mapping[str, str] = {"not_run": "not run", "not-run": "not run"}
#: What v1 files meant by the fields v2 requires when they are absent. Spelled out,
#: not the current defaults: v1 meant these whatever a later version writes.
V1_DEFAULTS: Mapping[str, Any] = {
    "passes": 1,  # before passes, a run timed each cell once
    "interop": None,  # before the grid: not recorded (an empty list means none checked)
    # pytest-benchmark's perf_counter: wall-clock seconds
    "timer": Timer(name="wall-clock", unit="seconds").to_dict(),
    "units": Units(time="s", ops="1/s", token_bytes="bytes").to_dict(),
}


def migrate_v1_to_v2(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A v2 copy of a v1 document: units as seconds/bytes, statuses normalised.

    v1 times were always seconds (pytest-benchmark's) and sizes bytes, so the
    units are declared, not converted. Statuses are stripped and lower-cased
    and old spellings mapped; a missing or unknown one is left for the reader
    to refuse, naming the cell.
    """
    out: dict[str, Any] = json.loads(json.dumps(raw))
    meta = out["jwtbench"]
    meta["schema_version"] = 2
    for key, value in V1_DEFAULTS.items():
        if meta.get(key) is None:
            meta[key] = json.loads(json.dumps(value))
    cells = meta.get("cells")
    for cell in cells if isinstance(cells, list) else []:
        status = cell.get("status") if isinstance(cell, dict) else None
        if isinstance(status, str):
            status = " ".join(status.strip().lower().split())
            cell["status"] = V1_STATUS_ALIASES.get(status, status)
    return out


#: ``MIGRATIONS[v]`` turns a version ``v`` document into a version ``v + 1`` one.
MIGRATIONS: Mapping[int, Callable[[Mapping[str, Any]], dict[str, Any]]] = {1: migrate_v1_to_v2}


def schema_version(raw: Any, name: str) -> int:
    """The schema version of a document, or a ``ResultsError`` that says what to do."""
    if not isinstance(raw, dict):
        raise ResultsError(f"{name}: not a results file (top level is not a JSON object)")
    meta = raw.get("jwtbench")
    if not isinstance(meta, dict):
        hint = " (a plain pytest-benchmark file?)" if "benchmarks" in raw else ""
        raise ResultsError(f"{name}: not a jwtbench results file: no 'jwtbench' object{hint}")
    version = meta.get("schema_version")
    known = ", ".join(str(v) for v in SCHEMA_HISTORY)
    if isinstance(version, str) and version.strip().isdigit():
        raise ResultsError(
            f"{name}: jwtbench.schema_version is the string {version!r}, not the number "
            f"{version.strip()}: the file was edited or written by another tool; "
            "re-run the benchmark (or write the number without quotes)"
        )
    if isinstance(version, int) and not isinstance(version, bool):
        if version in SCHEMA_HISTORY:
            return version
        if version > SCHEMA_VERSION:
            raise ResultsError(
                f"{name}: results schema_version {version} is not one this jwtbench reads "
                f"(it reads {known}): a newer jwtbench wrote it; upgrade jwtbench"
            )
    raise ResultsError(
        f"{name}: results schema_version {version!r} is not one this jwtbench reads "
        f"(it reads {known}); upgrade jwtbench or re-run the benchmark"
    )


def upgrade(raw: Any, name: str) -> dict[str, Any]:
    """``raw`` as a current-version document (itself if current, else a migrated copy)."""
    version = schema_version(raw, name)
    out: dict[str, Any] = raw
    while version < SCHEMA_VERSION:
        out = MIGRATIONS[version](out)
        version += 1
    check_benchmarks(out, name)
    return out


def check_benchmarks(raw: Mapping[str, Any], name: str) -> None:
    """pytest-benchmark's part: a list of entries, each with params and stats.median."""
    benches = raw.get("benchmarks")
    if not isinstance(benches, list):
        raise ResultsError(f"{name}: 'benchmarks' is missing or not a list")
    for i, bench in enumerate(benches):
        if not isinstance(bench, dict) or not isinstance(bench.get("params"), dict):
            raise ResultsError(f"{name}: benchmarks[{i}] has no params")
        stats = bench.get("stats")
        median = stats.get("median") if isinstance(stats, dict) else None
        if not isinstance(median, int | float) or isinstance(median, bool):
            raise ResultsError(f"{name}: benchmarks[{i}] has no stats.median")
