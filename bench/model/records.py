"""Typed records of a results file's ``jwtbench`` object, and the one document builder.

The results file is pytest-benchmark's own JSON plus a top-level ``jwtbench``
object (see ``jwtbench.model.schema`` for its versions). Every writer (the
runner, ``merge_rounds``, ``ab``, ``calibrate``) fills these frozen records and
calls :func:`build_document`, and every reader gets them back from
:meth:`RunRecord.from_dict`, so a field is spelled in one place and a cell's
status is read one way (``Status.of``): a missing or unknown status is a
``ResultsError`` naming the cell, never silently ``ok``.

``from_dict`` reads the current schema only; older files are migrated first
(``jwtbench.model.schema.upgrade``, which imports this module, not the reverse).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jwtbench.model.cell import CellKey, Status, cell_key, cell_label
from jwtbench.model.errors import UserError

#: The version this jwtbench writes (``jwtbench.model.schema.SCHEMA_HISTORY`` says
#: what each added).
SCHEMA_VERSION = 2


class ResultsError(UserError, ValueError):
    """A results file that jwtbench cannot read (named in the message)."""


def _copy(value: Any) -> Any:
    """A deep copy of JSON data (records never share mutable parts with a document)."""
    return json.loads(json.dumps(value))


def _need(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``obj[key]`` if it is of ``kind``; else a ``ResultsError`` naming ``where.key``."""
    if key not in obj:
        raise ResultsError(f"{where}: '{key}' is missing")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        got = "null" if value is None else type(value).__name__
        raise ResultsError(f"{where}: '{key}' is {got}, expected {_kind_name(kind)}")
    return value


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in _kinds(kind))


# -- units -----------------------------------------------------------------------------

#: Units a file may declare per metric, with the factor to this jwtbench's own unit
#: (seconds, operations per second, bytes). A unit not listed is refused by name.
KNOWN_UNITS: Mapping[str, Mapping[str, float]] = {
    "time": {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9},
    "ops": {"1/s": 1.0},
    "token_bytes": {"bytes": 1.0},
}
#: The units of a run timed by instruction counts (``jwtbench run --timer instructions``):
#: ``stats`` hold instructions per operation (``ops`` is pytest-benchmark's 1/mean of
#: them). They convert to nothing else: ``Units.factor`` refuses them.
COUNT_UNITS: Mapping[str, str] = {"time": "instructions", "ops": "1/instructions"}
#: Which fields of the file each metric of ``jwtbench.units`` covers (documentation
#: as data: results/README.md lists the same).
UNIT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "time": (
        "benchmarks[].stats.{min,max,mean,stddev,median,iqr,q1,q3,ld15iqr,hd15iqr,total}",
        "benchmarks[].stats.data[]",
        "jwtbench.seconds",
    ),
    "ops": ("benchmarks[].stats.ops",),
    "token_bytes": ("benchmarks[].extra_info.token_bytes",),
}


@dataclass(frozen=True)
class Units:
    """The unit of every metric in the file (``jwtbench.units``)."""

    time: str = "s"
    ops: str = "1/s"
    token_bytes: str = "bytes"

    def factor(self, metric: str) -> float:
        """Multiply a value of ``metric`` by this to get jwtbench's own unit.

        Instruction counts have no factor to seconds: a ``ResultsError`` says so,
        so a reader of times (export, history, the charts) refuses a counts file
        by its unit instead of reading instructions as seconds.
        """
        unit = str(getattr(self, metric))
        if unit == COUNT_UNITS.get(metric):
            raise ResultsError(
                f"this file holds instruction counts ({metric} in {unit}), not times: "
                "read it with 'jwtbench compare' or 'jwtbench report'"
            )
        return KNOWN_UNITS[metric][unit]

    @property
    def counts(self) -> bool:
        """True when the stats are instructions per op (``--timer instructions``)."""
        return self.time == COUNT_UNITS["time"]

    def to_dict(self) -> dict[str, str]:
        return {metric: str(getattr(self, metric)) for metric in KNOWN_UNITS}

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], where: str) -> Units:
        values: dict[str, str] = {}
        for metric, known in KNOWN_UNITS.items():
            unit = _need(obj, metric, str, where)
            if unit not in known and unit != COUNT_UNITS.get(metric):
                raise ResultsError(
                    f"{where}: unit {unit!r} for {metric} is not one this jwtbench reads "
                    f"(it reads {', '.join(known)})"
                )
            values[metric] = unit
        return cls(**values)


#: The unit the timer reads, spelled out, by ``Units.time`` symbol.
TIME_UNIT_NAMES: Mapping[str, str] = {
    "s": "seconds",
    "ms": "milliseconds",
    "us": "microseconds",
    "ns": "nanoseconds",
}


@dataclass(frozen=True)
class Timer:
    """What timed the rounds (``jwtbench.timer``): pytest-benchmark's wall clock.

    ``details`` are the timer's own further keys, written beside ``name`` and
    ``unit``: for ``instructions``, the valgrind tool and version, CPython and
    OpenSSL versions, the ``OPENSSL_ia32cap`` mask, the hash seed and the method.
    """

    name: str = "wall-clock"
    unit: str = "seconds"
    details: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "unit": self.unit, **_copy(dict(self.details or {}))}

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], where: str) -> Timer:
        unit = _need(obj, "unit", str, where)
        if unit not in TIME_UNIT_NAMES.values() and unit != COUNT_UNITS["time"]:
            raise ResultsError(f"{where}: timer unit {unit!r} is not one this jwtbench reads")
        details = {k: v for k, v in obj.items() if k not in ("name", "unit")}
        return cls(name=_need(obj, "name", str, where), unit=unit, details=details or None)


# -- the parts of a run ----------------------------------------------------------------


@dataclass(frozen=True)
class CellRecord:
    """One cell of the matrix with its status and why (``jwtbench.cells[]``)."""

    params: Mapping[str, str]
    status: Status
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"params": dict(self.params), "status": self.status.value, "reason": self.reason}

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> CellRecord:
        if not isinstance(obj, dict):
            raise ResultsError(f"{where}: not an object")
        params = _need(obj, "params", dict, where)
        name = f"{where} ({cell_label(params)})"
        if "status" not in obj:
            raise ResultsError(f"{name}: the cell has no status")
        try:
            status = Status.of(obj["status"])
        except ValueError as exc:
            raise ResultsError(f"{name}: {exc}") from None
        reason = obj.get("reason") or ""
        return cls({str(k): str(v) for k, v in params.items()}, status, str(reason))


@dataclass(frozen=True)
class AdapterInfo:
    """An adapter asked for (``jwtbench.adapters[name]``): its ``describe()`` or why not."""

    name: str
    available: bool
    reason: str = ""
    #: ``Adapter.describe()``: library identity (label, colour, library...), version, algs.
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {"name": self.name, **_copy(dict(self.details)), "available": self.available}
        return out if self.available else {**out, "reason": self.reason}

    @classmethod
    def from_dict(cls, name: str, obj: Any, where: str) -> AdapterInfo:
        if not isinstance(obj, dict):
            raise ResultsError(f"{where}: not an object")
        details = {k: v for k, v in obj.items() if k not in ("name", "available", "reason")}
        available = _need(obj, "available", bool, where)
        return cls(name, available, str(obj.get("reason") or ""), _copy(details))


#: Provenance fields, in the order they are written.
PROVENANCE_FIELDS = (
    "machine_id",
    "node",
    "python",
    "python_implementation",
    "platform",
    "cpu",
    "cpu_count",
    "cryptography",
    "openssl",
)


@dataclass(frozen=True)
class Provenance:
    """Where and with what the numbers were made (``jwtbench.provenance``)."""

    machine_id: str | None = None
    node: str | None = None
    python: str | None = None
    python_implementation: str | None = None
    platform: str | None = None
    cpu: str | None = None
    cpu_count: int | None = None
    cryptography: str | None = None
    openssl: str | None = None
    #: Version of every tracked distribution (None: not installed).
    versions: Mapping[str, str | None] = field(default_factory=dict)
    #: Fields a newer writer added that this one does not name (kept, not lost).
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in PROVENANCE_FIELDS}
        return {**out, "versions": dict(self.versions), **_copy(dict(self.extra))}

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], where: str) -> Provenance:
        versions = obj.get("versions") or {}
        if not isinstance(versions, dict):
            raise ResultsError(f"{where}: 'versions' is not an object")
        known = {*PROVENANCE_FIELDS, "versions"}
        extra = {k: v for k, v in obj.items() if k not in known}
        return cls(**{n: obj.get(n) for n in PROVENANCE_FIELDS}, versions=versions, extra=extra)


@dataclass(frozen=True)
class Lockstep:
    """Which lockstep pair and side a single run was (``jwtbench.lockstep``)."""

    pair: str
    side: str


@dataclass(frozen=True)
class Slowdown:
    """``jwtbench calibrate``'s injected slowdown (``jwtbench.injected_slowdown``)."""

    adapter: str
    factor: float


@dataclass(frozen=True)
class RunInfo:
    """What was run, when and how (the top-level scalar fields of ``jwtbench``)."""

    label: str
    profile: str
    #: The names asked for per selection field (None: the profile's default).
    selection: Mapping[str, Sequence[str] | None]
    started: str | None
    finished: str | None
    seconds: float  # wall time of the whole run (unit: ``Units.time``)
    passes: int
    interrupted: bool = False
    lockstep: Lockstep | None = None
    injected_slowdown: Slowdown | None = None


#: The per-adapter parts of a cost entry, each an object when present.
COST_SECTIONS: tuple[str, ...] = (
    "import", "first_call", "key_prep", "memory", "installed", "unsupported",
)  # fmt: skip


@dataclass(frozen=True)
class AdapterCost:
    """One adapter's cost beyond the hot path (``jwtbench.cost.adapters[name]``).

    ``error``: the measurement failed (why); ``available`` False: the library is not
    here (``reason``). ``sections`` holds the measured parts (``COST_SECTIONS``) as
    written; results/README.md describes each field (times in s, sizes in bytes).
    """

    name: str
    error: str = ""
    available: bool = True
    reason: str = ""
    sections: Mapping[str, Any] = field(default_factory=dict)
    #: Identity fields (library, module, version, backend).
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {**_copy(dict(self.details)), **_copy(dict(self.sections))}
        if not self.available:
            out |= {"available": False, "reason": self.reason}
        elif self.details:
            out["available"] = True
        return {**out, "error": self.error} if self.error else out

    @classmethod
    def from_dict(cls, name: str, obj: Any, where: str) -> AdapterCost:
        if not isinstance(obj, dict):
            raise ResultsError(f"{where}: not an object")
        sections = {k: _need(obj, k, dict, where) for k in COST_SECTIONS if k in obj}
        known = {*COST_SECTIONS, "error", "available", "reason"}
        details = {k: v for k, v in obj.items() if k not in known}
        available = obj.get("available", True)
        if not isinstance(available, bool):
            raise ResultsError(f"{where}: 'available' is not true or false")
        return cls(
            name, str(obj.get("error") or ""), available, str(obj.get("reason") or ""),
            _copy(sections), _copy(details),
        )  # fmt: skip


@dataclass(frozen=True)
class CostRecord:
    """Cost beyond the hot path, per adapter (``jwtbench.cost``), from ``jwtbench cost``."""

    python: str
    samples: int
    seconds: float
    adapters: Mapping[str, AdapterCost]
    interrupted: bool = False
    budget_s: float = 0.0
    units: Mapping[str, str] = field(
        default_factory=lambda: {"time": "s", "memory": "bytes", "size": "bytes"}
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "python": self.python,
            "units": dict(self.units),
            "samples": self.samples,
            "budget_s": self.budget_s,
            "seconds": self.seconds,
            "interrupted": self.interrupted,
            "adapters": {name: cost.to_dict() for name, cost in self.adapters.items()},
        }

    @classmethod
    def from_dict(cls, obj: Any, where: str) -> CostRecord:
        if not isinstance(obj, dict):
            raise ResultsError(f"{where}: not an object")
        units = _need(obj, "units", dict, where)
        if units.get("time") != "s" or units.get("memory") != "bytes":
            raise ResultsError(f"{where}: units {units!r} are not ones this jwtbench reads")
        adapters = _need(obj, "adapters", dict, where)
        return cls(
            python=str(obj.get("python") or ""),
            samples=int(_need(obj, "samples", int, where)),
            seconds=float(_need(obj, "seconds", (int, float), where)),
            adapters={
                n: AdapterCost.from_dict(n, v, f"{where}.adapters.{n}") for n, v in adapters.items()
            },
            interrupted=bool(obj.get("interrupted", False)),
            budget_s=float(obj.get("budget_s") or 0.0),
            units={str(k): str(v) for k, v in units.items()},
        )


# -- the whole object ------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """The ``jwtbench`` object of a results file, typed."""

    run: RunInfo
    adapters: Mapping[str, AdapterInfo]
    cells: tuple[CellRecord, ...]
    provenance: Provenance
    #: The producer x consumer grid (``jwtbench.measure.interop`` entries); empty if
    #: skipped; None in files from before the grid existed (not recorded).
    interop: tuple[Mapping[str, Any], ...] | None = ()
    timer: Timer = Timer()
    units: Units = Units()
    #: ``jwtbench ab``'s description of the A/B comparison (only in ab results).
    ab: Mapping[str, Any] | None = None
    #: How a grouped run timed its groups together (``{pair, bursts, members, cpu}``;
    #: only in runs made by ``jwtbench.measure.groups``).
    groups: Mapping[str, Any] | None = None
    #: Cost beyond the hot path per adapter (``jwtbench cost``, or ``run`` after timing);
    #: None: not measured.
    cost: CostRecord | None = None
    #: ``jwtbench merge``: the shard files joined into this one (file, shard, node, cells,
    #: seconds, started); only in merged files.
    merged_shards: tuple[Mapping[str, Any], ...] | None = None

    def by_key(self) -> dict[CellKey, CellRecord]:
        """Every cell by its ``cell_key`` (how ``compare`` and ``export`` look cells up)."""
        return {cell_key(cell.params): cell for cell in self.cells}

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for cell in self.cells:
            counts[cell.status.value] = counts.get(cell.status.value, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        run = self.run
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "label": run.label,
            "profile": run.profile,
            "selection": {k: _names(v) for k, v in run.selection.items()},
            "started": run.started,
            "finished": run.finished,
            "seconds": run.seconds,
            "passes": run.passes,
            "interrupted": run.interrupted,
            "timer": self.timer.to_dict(),
            "units": self.units.to_dict(),
            "adapters": {name: info.to_dict() for name, info in self.adapters.items()},
            "cells": [cell.to_dict() for cell in self.cells],
            "interop": None if self.interop is None else _copy(list(self.interop)),
        }
        if run.lockstep:
            out["lockstep"] = {"pair": run.lockstep.pair, "side": run.lockstep.side}
        if run.injected_slowdown:
            slow = run.injected_slowdown
            out["injected_slowdown"] = {"adapter": slow.adapter, "factor": slow.factor}
        if self.ab is not None:
            out["ab"] = _copy(dict(self.ab))
        if self.groups is not None:
            out["groups"] = _copy(dict(self.groups))
        if self.cost is not None:
            out["cost"] = self.cost.to_dict()
        if self.merged_shards is not None:
            out["merged_shards"] = _copy([dict(s) for s in self.merged_shards])
        out["provenance"] = self.provenance.to_dict()
        return out

    @classmethod
    def from_dict(cls, meta: Mapping[str, Any], name: str) -> RunRecord:
        """The record of a current-schema ``jwtbench`` object; ``name`` names the file."""
        where = f"{name}: jwtbench"
        return cls(
            run=_run_info(meta, where),
            adapters=_adapters(_need(meta, "adapters", dict, where), f"{where}.adapters"),
            cells=tuple(
                CellRecord.from_dict(cell, f"{where}.cells[{i}]")
                for i, cell in enumerate(_need(meta, "cells", list, where))
            ),
            provenance=Provenance.from_dict(
                _need(meta, "provenance", dict, where), f"{where}.provenance"
            ),
            interop=_interop(meta, where),
            timer=Timer.from_dict(_need(meta, "timer", dict, where), f"{where}.timer"),
            units=Units.from_dict(_need(meta, "units", dict, where), f"{where}.units"),
            ab=_optional(meta, "ab", where),
            groups=_optional(meta, "groups", where),
            cost=(
                CostRecord.from_dict(meta["cost"], f"{where}.cost")
                if meta.get("cost") is not None
                else None
            ),
            merged_shards=(
                tuple(_need(meta, "merged_shards", list, where))
                if meta.get("merged_shards") is not None
                else None
            ),
        )


def _adapters(obj: Mapping[str, Any], where: str) -> dict[str, AdapterInfo]:
    return {name: AdapterInfo.from_dict(name, obj[name], f"{where}.{name}") for name in obj}


def _interop(meta: Mapping[str, Any], where: str) -> tuple[Mapping[str, Any], ...] | None:
    if "interop" in meta and meta["interop"] is None:
        return None  # migrated from before the grid: not recorded (not "none checked")
    return tuple(_need(meta, "interop", list, where))


def _optional(meta: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
    return _need(meta, key, dict, where) if meta.get(key) is not None else None


def _names(value: Any) -> Any:
    """A selection field: a list of names, None (all), or a string (``"shard": "K/N"``)."""
    if isinstance(value, str):
        return value
    return list(value) if value else None


def _run_info(meta: Mapping[str, Any], where: str) -> RunInfo:
    selection = _need(meta, "selection", dict, where)
    lockstep = _optional(meta, "lockstep", where)
    slowdown = _optional(meta, "injected_slowdown", where)
    started, finished = meta.get("started"), meta.get("finished")
    return RunInfo(
        label=str(meta.get("label") or meta.get("profile") or ""),
        profile=_need(meta, "profile", str, where),
        selection={str(k): _names(v) for k, v in selection.items()},
        started=None if started is None else str(started),
        finished=None if finished is None else str(finished),
        seconds=float(_need(meta, "seconds", (int, float), where)),
        passes=int(_need(meta, "passes", int, where)),
        interrupted=bool(_need(meta, "interrupted", bool, where)),
        lockstep=Lockstep(str(lockstep["pair"]), str(lockstep["side"])) if lockstep else None,
        injected_slowdown=(
            Slowdown(str(slowdown["adapter"]), float(slowdown["factor"])) if slowdown else None
        ),
    )


def build_document(
    record: RunRecord,
    benchmarks: Sequence[Mapping[str, Any]] = (),
    pytest_json: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole results file: pytest-benchmark's JSON, ``benchmarks``, and ``jwtbench``.

    ``pytest_json`` is pytest-benchmark's own document of (the first pass of) the
    run (machine_info, commit_info, datetime, version), kept as it is so
    ``pytest-benchmark compare`` still reads the file; its ``benchmarks`` are
    replaced by ``benchmarks``.
    """
    base = {k: v for k, v in (pytest_json or {}).items() if k not in ("benchmarks", "jwtbench")}
    return {**_copy(base), "benchmarks": _copy(list(benchmarks)), "jwtbench": record.to_dict()}
