"""Results files: pytest-benchmark JSON plus a versioned top-level ``jwtbench`` object.

The file *is* pytest-benchmark's own JSON (``benchmarks[].params``,
``stats.data`` with every raw round), so its ``compare`` and other tools read
it; jwtbench adds ``extra_info`` per benchmark and the ``jwtbench`` object:

    schema_version  int, see SCHEMA_HISTORY
    label, profile, started, finished, interrupted, selection
    adapters        {name: describe()} for every adapter asked for
    cells           [{params, status, reason}] for every cell of the matrix
    provenance      Python, cryptography, OpenSSL, CPU, machine id, versions

Writes are atomic (temporary file + rename): an interrupted run never leaves a
half-written file. ``load_results`` refuses, by name, a file it cannot read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from jwtbench.model.errors import UserError

SCHEMA_VERSION = 1
#: 1 - first release: JWS and JWE cells, raw rounds in stats.data.
SCHEMA_HISTORY = {1: "first release"}

#: The measuring side's own distributions, recorded in every run beside each
#: adapter's library and the distributions it declares (``Adapter.distributions``).
HARNESS_DISTRIBUTIONS = ("cryptography", "pytest-benchmark")


def tracked_distributions() -> tuple[str, ...]:
    """Every distribution whose version a run records, from the adapter registry."""
    from jwtbench.adapters import ADAPTERS

    names = list(HARNESS_DISTRIBUTIONS)
    for cls in ADAPTERS.values():
        names += [cls.library, *cls.distributions]
    return tuple(dict.fromkeys(n for n in names if n != "jwtbench"))


class ResultsError(UserError, ValueError):
    """A results file that jwtbench cannot read (named in the message)."""


def machine_id() -> str:
    """pytest-benchmark's machine id (``Linux-CPython-3.11-64bit``): results/<id>/."""
    from pytest_benchmark.utils import get_machine_id

    result: str = get_machine_id()  # type: ignore[no-untyped-call]
    return result


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def provenance() -> dict[str, Any]:
    """Where and with what the numbers were made."""
    from cryptography.hazmat.backends.openssl.backend import backend

    versions: dict[str, str | None] = {}
    for dist in tracked_distributions():
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "machine_id": machine_id(),
        "node": platform.node(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cryptography": versions["cryptography"],
        "openssl": backend.openssl_version_text(),
        "versions": versions,
    }


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def run_path(results_dir: Path, label: str, when: dt.datetime | None = None) -> Path:
    """``results/<machine-id>/<UTC timestamp>_<label>.json``."""
    stamp = (when or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in label)
    return results_dir / machine_id() / f"{stamp}_{safe}.json"


def write_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))  # compact: raw rounds are bulky
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Row:
    """One timed cell of a results file, flattened for tables and charts."""

    params: dict[str, str]
    median: float  # seconds per operation
    ops: float  # operations per second, from the median
    rounds: int
    data: tuple[float, ...]  # raw per-round seconds per operation
    extra_info: dict[str, Any]

    @property
    def token_bytes(self) -> int | None:
        value = self.extra_info.get("token_bytes")
        return int(value) if value is not None else None

    def get(self, name: str) -> str | None:
        return self.params.get(name)


@dataclass
class Results:
    """A loaded, validated results file."""

    path: Path | None
    raw: dict[str, Any]

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.raw["jwtbench"]
        return meta

    @property
    def cells(self) -> list[dict[str, Any]]:
        cells: list[dict[str, Any]] = self.meta.get("cells", [])
        return cells

    def rows(self) -> Iterator[Row]:
        for bench in self.raw.get("benchmarks", []):
            stats = bench["stats"]
            median = float(stats["median"])
            yield Row(
                params={k: str(v) for k, v in bench["params"].items()},
                median=median,
                ops=1.0 / median if median > 0 else float("inf"),
                rounds=int(stats.get("rounds", len(stats.get("data", [])))),
                data=tuple(float(x) for x in stats.get("data", ())),
                extra_info=dict(bench.get("extra_info", {})),
            )

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for cell in self.cells:
            counts[cell["status"]] = counts.get(cell["status"], 0) + 1
        return counts


def validate(raw: Any, name: str) -> None:
    """Raise ``ResultsError`` naming ``name`` unless ``raw`` is a readable results file."""
    if not isinstance(raw, dict):
        raise ResultsError(f"{name}: not a results file (top level is not a JSON object)")
    meta = raw.get("jwtbench")
    if not isinstance(meta, dict):
        hint = " (a plain pytest-benchmark file?)" if "benchmarks" in raw else ""
        raise ResultsError(f"{name}: not a jwtbench results file: no 'jwtbench' object{hint}")
    version = meta.get("schema_version")
    if version not in SCHEMA_HISTORY:
        known = ", ".join(str(v) for v in SCHEMA_HISTORY)
        raise ResultsError(
            f"{name}: results schema_version {version!r} is not one this jwtbench reads "
            f"(it reads {known}); upgrade jwtbench or re-run the benchmark"
        )
    benches = raw.get("benchmarks")
    if not isinstance(benches, list):
        raise ResultsError(f"{name}: 'benchmarks' is missing or not a list")
    for i, bench in enumerate(benches):
        if not isinstance(bench, dict) or not isinstance(bench.get("params"), dict):
            raise ResultsError(f"{name}: benchmarks[{i}] has no params")
        stats = bench.get("stats")
        if not isinstance(stats, dict) or not isinstance(stats.get("median"), int | float):
            raise ResultsError(f"{name}: benchmarks[{i}] has no stats.median")


def load_results(path: str | Path) -> Results:
    """Load and validate a results file; ``ResultsError`` says what is wrong with it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such results file") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    validate(raw, str(path))
    return Results(path=path, raw=raw)


def list_runs(results_dir: Path) -> list[Path]:
    """Every saved run under ``results_dir`` (any machine), oldest first."""
    runs = [p for p in results_dir.glob("*/*.json") if not p.name.startswith(".")]
    return sorted(runs, key=lambda p: (p.name, str(p)))
