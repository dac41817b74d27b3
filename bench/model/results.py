"""Results files: pytest-benchmark JSON plus a versioned top-level ``jwtbench`` object.

The file *is* pytest-benchmark's own JSON (``benchmarks[].params``,
``stats.data`` with every raw round), so its ``compare`` and other tools read
it; jwtbench adds ``extra_info`` per benchmark and the ``jwtbench`` object,
whose fields are the typed records of ``jwtbench.model.records`` and whose
versions (and migrations) are in ``jwtbench.model.schema``.

Writes are atomic (temporary file + rename): an interrupted run never leaves a
half-written file. ``load_results`` migrates older files in memory and refuses,
by name and in one line, a file it cannot read: not text, not JSON, an unknown
version, a cell without a known status, or a run that selected nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from jwtbench.model.records import SCHEMA_VERSION, ResultsError, RunRecord, build_document
from jwtbench.model.schema import SCHEMA_HISTORY, upgrade

__all__ = [
    "SCHEMA_HISTORY",
    "SCHEMA_VERSION",
    "Results",
    "ResultsError",
    "Row",
    "build_document",
    "latest_run",
    "list_runs",
    "load_results",
    "machine_id",
    "provenance",
    "write_atomic",
]

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
        # which jwtbench made the file: ``jwtbench merge`` refuses to join two different ones
        "jwtbench": _own_version(),
    }


def _own_version() -> str | None:
    try:
        return metadata.version("jwtbench")
    except metadata.PackageNotFoundError:
        return None


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
    """A loaded, validated results file, migrated to the current schema.

    ``raw`` is the current-version document (a migrated copy if the file is
    older); ``record`` is its ``jwtbench`` object typed. Building one from a
    dict validates it the same way ``load_results`` does.
    """

    path: Path | None
    raw: dict[str, Any]
    record: RunRecord = field(init=False, repr=False)

    def __post_init__(self) -> None:
        name = str(self.path) if self.path is not None else "results"
        self.raw = upgrade(self.raw, name)
        self.record = RunRecord.from_dict(self.raw["jwtbench"], name)

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.raw["jwtbench"]
        return meta

    @property
    def cells(self) -> list[dict[str, Any]]:
        """The cells as dicts (statuses validated); ``record.cells`` has them typed."""
        cells: list[dict[str, Any]] = self.meta["cells"]
        return cells

    def rows(self) -> Iterator[Row]:
        seconds = self.record.units.factor("time")  # 1.0 for every file written so far
        for bench in self.raw.get("benchmarks", []):
            stats = bench["stats"]
            median = float(stats["median"]) * seconds
            data = stats.get("data", ())
            yield Row(
                params={k: str(v) for k, v in bench["params"].items()},
                median=median,
                ops=1.0 / median if median > 0 else float("inf"),
                rounds=int(stats.get("rounds", len(data))),
                data=tuple(float(x) * seconds for x in data),
                extra_info=dict(bench.get("extra_info", {})),
            )

    def status_counts(self) -> dict[str, int]:
        return self.record.status_counts()


def _read_text(path: Path) -> str:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such results file") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ResultsError(
            f"{path}: not a results file: binary, not UTF-8 JSON text "
            f"(byte 0x{blob[exc.start]:02x} at offset {exc.start}); "
            "give the .json file jwtbench run wrote"
        ) from None


def load_results(path: str | Path) -> Results:
    """Load, migrate and validate a results file; ``ResultsError`` says what is wrong."""
    path = Path(path)
    text = _read_text(path)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise ResultsError(f"{path}: not a results file (JSON nested too deeply)") from None
    results = Results(path=path, raw=raw)
    if not results.record.cells and not results.raw["benchmarks"]:
        raise ResultsError(
            f"{path}: the run selected nothing (no cells, no benchmarks): nothing to "
            "report; re-run with a selection that names at least one cell"
        )
    return results


#: ``<UTC stamp>_<label>.json``: the name ``run_path`` gives a run.
_STAMP = re.compile(r"^(\d{8}T\d{6}Z)_")


def run_time(path: Path) -> dt.datetime | None:
    """When the run at ``path`` started: the stamp in its name, else ``jwtbench.started``."""
    found = _STAMP.match(path.name)
    if found:
        when = dt.datetime.strptime(found.group(1), "%Y%m%dT%H%M%SZ")
        return when.replace(tzinfo=dt.timezone.utc)
    try:
        started = json.loads(path.read_text(encoding="utf-8"))["jwtbench"]["started"]
        when = dt.datetime.fromisoformat(str(started))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: history and the loader say why when it is opened
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


_NEVER = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def list_runs(results_dir: Path) -> list[Path]:
    """Every saved run under ``results_dir`` (any machine), oldest first, by run time.

    Sorted by when each run started (``run_time``), not by file name: the
    committed ``reference/quick.json`` has no stamp and must not pass for the
    newest run. A file whose time cannot be told sorts first.
    """
    runs = [p for p in results_dir.glob("*/*.json") if not p.name.startswith(".")]
    return sorted(runs, key=lambda p: (run_time(p) or _NEVER, str(p)))


#: The committed reference run's folder under ``results/`` (not a user run).
REFERENCE_DIR = "reference"


def latest_run(results_dir: Path) -> Path | None:
    """The newest user run under ``results_dir``; None if there is none.

    The committed reference run (``results/reference/``) is not a user run:
    callers fall back to it themselves when there is nothing newer.
    """
    runs = [p for p in list_runs(results_dir) if p.parent.name != REFERENCE_DIR]
    return runs[-1] if runs else None
