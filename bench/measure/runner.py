"""Run the matrix through pytest-benchmark and save one results file.

``run()`` is a plain function (the CLI's ``run`` verb is a thin layer over it):
it builds the matrix, runs the suites in-process with pytest, records every
cell's status with its reason (``Recorder``), and writes pytest-benchmark's JSON
plus the ``jwtbench`` object atomically under ``results/<machine-id>/``. A
library that crashes makes one cell ``error`` and the run goes on; Ctrl-C keeps
every cell measured so far (the file is marked ``interrupted``).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from jwtbench import benchmarks
from jwtbench.measure import timers
from jwtbench.measure.gate import GateFailure, reusing_prepared
from jwtbench.measure.inject import slowdown as slowdown_of
from jwtbench.measure.interop import grids_for
from jwtbench.measure.matrix import PROFILES, adapter_or_reason, build_matrix
from jwtbench.measure.merge import merge_benchmarks
from jwtbench.model.cell import Cell
from jwtbench.model.results import (
    SCHEMA_VERSION,
    load_results,
    now_iso,
    provenance,
    run_path,
    write_atomic,
)

SUITES = {"jws": "bench_jws.py", "jwe": "bench_jwe.py", "nested": "bench_nested.py"}


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[-1] if text.strip() else ""
    return line[:limit]


@dataclass(eq=False)  # pytest registers plugin objects in sets: keep identity hashing
class Recorder:
    """pytest plugin object: every cell's status and reason, and progress lines."""

    total: int
    echo: Callable[[str], None]
    passes: int = 1
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    interrupted: bool = False
    started: float = field(default_factory=time.perf_counter)
    pass_index: int = 0
    seen: set[str] = field(default_factory=set)  # cells reported in the current pass

    machine_info: dict[str, Any] | None = None

    def start_pass(self, index: int) -> None:
        self.pass_index, self.seen = index, set()

    @pytest.hookimpl(tryfirst=True)
    def pytest_benchmark_generate_machine_info(self) -> dict[str, Any] | None:
        """The first pass's machine info again: py-cpuinfo takes ~1.4 s per pass."""
        return json.loads(json.dumps(self.machine_info)) if self.machine_info else None

    def pytest_benchmark_update_machine_info(self, machine_info: dict[str, Any]) -> None:
        if self.machine_info is None:
            self.machine_info = json.loads(json.dumps(machine_info))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        callspec = getattr(item, "callspec", None)
        params = dict(callspec.params) if callspec is not None else {}
        if not params or not all(isinstance(v, str) for v in params.values()):
            return  # not a matrix cell (e.g. a suite with no cells selected)
        entry: dict[str, Any] | None = None
        if report.skipped and call.when == "setup":
            reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
            reason = reason.removeprefix("Skipped: ")
            status, _, why = reason.partition(": ")
            if status not in ("unsupported", "unavailable"):
                status, why = "skipped", reason
            entry = {"status": status, "reason": why}
        elif call.when == "call" and report.passed:
            entry = {"status": "ok", "reason": ""}
            fixture = item.funcargs.get("benchmark")  # type: ignore[attr-defined]
            stats = getattr(getattr(fixture, "stats", None), "stats", None)
            if stats is not None and stats.median:
                entry["ops"] = 1.0 / stats.median
        elif call.excinfo is not None and call.excinfo.errisinstance(KeyboardInterrupt):
            return  # the cell was cut short: it stays "not run"
        elif report.failed and call.excinfo is not None:
            invalid = call.excinfo.errisinstance(GateFailure)
            entry = {
                "status": "invalid" if invalid else "error",
                "reason": f"{call.excinfo.typename}: {_first_line(str(call.excinfo.value))}",
            }
        if entry is None:
            return
        key = item.nodeid
        if key in self.cells and self.cells[key]["status"] != "ok":
            return  # keep the first failure (a teardown error must not hide it)
        if entry["status"] != "ok" and self.pass_index:
            entry["reason"] = f"pass {self.pass_index + 1}: {entry['reason']}"
        self.cells[key] = {"params": params, **entry}
        self.seen.add(key)
        self._progress(params, entry)

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    def _progress(self, params: dict[str, Any], entry: dict[str, Any]) -> None:
        done = len(self.seen)
        label = " ".join(str(v) for v in params.values())
        detail = f"{entry['ops']:>12,.0f} ops/s" if "ops" in entry else entry["reason"][:70]
        elapsed = time.perf_counter() - self.started
        where = f"pass {self.pass_index + 1}/{self.passes} " if self.passes > 1 else ""
        self.echo(
            f"[{done:>4}/{self.total}] {where}{elapsed:6.1f}s  {label:<48} "
            f"{entry['status']:<11} {detail}"
        )


class RunError(RuntimeError):
    """The suites could not be run at all (not a failing cell: those are recorded)."""


@dataclass
class RunOutcome:
    path: Path
    counts: dict[str, int]
    interrupted: bool
    seconds: float
    exit_code: int


def run(
    profile_name: str = "quick",
    *,
    adapters: Sequence[str] | None = None,
    algs: Sequence[str] | None = None,
    encs: Sequence[str] | None = None,
    ops: Sequence[str] | None = None,
    key_modes: Sequence[str] | None = None,
    payloads: Sequence[str] | None = None,
    label: str | None = None,
    results_dir: Path = Path("results"),
    output: Path | None = None,
    echo: Callable[[str], None] = print,
    extra_pytest_args: Sequence[str] = (),
    passes: int | None = None,
    interop: bool = True,
    slowdown: tuple[str, float] | None = None,
) -> RunOutcome:
    """Measure the selected matrix in ``passes`` passes and write one results file.

    Each pass times every cell once, briefly (the profile's per-pass budget);
    the passes' raw rounds are merged per cell, with ``extra_info.merged_runs``
    recording each pass's share. Why passes: this VM's speed changes from one
    second to the next (two levels ~1.8x apart, ~0.5 s correlation), so all
    rounds of a cell timed in one go share one speed, and two runs of the same
    code differ by up to 1.5x per cell while their rounds agree within a few
    percent. Passes spread a cell's rounds over the whole run, so its median
    is robust and the spread between its passes shows how much to trust it.

    Under a lockstep coordinator (``jwtbench.envs.lockstep``, as ``jwtbench ab`` runs
    it) there is one pass: its bursts, paired with the other side's, replace
    the passes. ``slowdown`` (adapter, factor) is ``jwtbench calibrate``'s
    injected slowdown, recorded in the file.
    """
    profile = PROFILES[profile_name]
    timer = timers.current()
    passes = timer.passes(profile.passes if passes is None else passes)
    if passes < 1:
        raise ValueError(f"passes must be at least 1, got {passes}")
    selection = {
        "adapters": adapters,
        "algs": algs,
        "encs": encs,
        "ops": ops,
        "key_modes": key_modes,
        "payloads": payloads,
    }
    cells = build_matrix(profile, **selection)  # validates every name first
    path = output or run_path(results_dir, label or profile.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    echo(f"jwtbench {profile.name}: {len(cells)} cells x {passes} passes -> {path}")

    args = [str(Path(benchmarks.__file__).parent / suite) for suite in SUITES.values()]
    args += ["-p", "jwtbench.measure.plugin", "-p", "no:cacheprovider", "-p", "no:terminal"]
    args += ["--benchmark-enable", "--benchmark-quiet"]  # no "Wrote benchmark data" per pass
    args += [f"--jwtbench-profile={profile.name}"]
    for name, values in selection.items():
        if values:
            args.append(f"--jwtbench-{name.replace('_', '-')}={','.join(values)}")

    recorder = Recorder(total=len(cells), echo=echo, passes=passes)
    started_iso, started = now_iso(), time.perf_counter()
    measured: list[dict[str, Any]] = []  # pytest-benchmark JSON of each pass
    slowed = slowdown_of(*slowdown) if slowdown else contextlib.nullcontext()
    with slowed, reusing_prepared():  # gate each cell once, in its first pass
        for index in range(passes):
            recorder.start_pass(index)
            pytest_json = path.with_name(f".{path.stem}.pass{index + 1}.pytest.json")
            pass_args = [*args, *profile.pytest_options(warm_up=index == 0)]
            pass_args += extra_pytest_args  # after the profile's: they override it
            pass_args.append(f"--benchmark-json={pytest_json}")
            try:
                exit_code = int(pytest.main(pass_args, plugins=[recorder]))
            except KeyboardInterrupt:  # pragma: no cover - pytest normally handles it
                recorder.interrupted, exit_code = True, 2
            if pytest_json.exists():
                text = pytest_json.read_text(encoding="utf-8")
                pytest_json.unlink()
                if text.strip():  # pytest-benchmark leaves it empty when nothing was timed
                    measured.append(json.loads(text))
            if exit_code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
                raise RunError(f"pytest could not run the suites (exit {exit_code}); see above")
            if recorder.interrupted:
                break
    seconds = time.perf_counter() - started

    data: dict[str, Any] = {"benchmarks": []}
    if measured:
        data = {**measured[0], "benchmarks": merge_benchmarks([m["benchmarks"] for m in measured])}
    grid = _interop(cells, echo) if interop and not recorder.interrupted else []
    _round_raw_data(data)
    data["jwtbench"] = {
        "schema_version": SCHEMA_VERSION,
        "label": label or profile.name,
        "profile": profile.name,
        "selection": {k: list(v) if v else None for k, v in selection.items()},
        "started": started_iso,
        "finished": now_iso(),
        "seconds": round(seconds, 2),
        "passes": len(measured) if recorder.interrupted else passes,
        "interrupted": recorder.interrupted,
        "adapters": _adapters_info(cells),
        "cells": _cell_list(cells, recorder),
        "interop": grid,
        **timer.metadata(),
        **(
            {"injected_slowdown": {"adapter": slowdown[0], "factor": slowdown[1]}}
            if slowdown
            else {}
        ),
        "provenance": provenance(),
    }
    write_atomic(path, data)
    load_results(path)  # never leave a file the loader would refuse
    counts: dict[str, int] = {}
    for cell in data["jwtbench"]["cells"]:
        counts[cell["status"]] = counts.get(cell["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    echo(f"{'interrupted' if recorder.interrupted else 'done'} in {seconds:.1f}s: {summary}")
    return RunOutcome(path, counts, recorder.interrupted, seconds, exit_code)


def _interop(cells: Sequence[Cell], echo: Callable[[str], None]) -> list[dict[str, Any]]:
    """The producer x consumer grid; skipped (empty) if interrupted, never losing the run."""
    echo("cross-library check: every producer x consumer for the run's algorithms...")
    try:
        interop = grids_for(cells)
    except KeyboardInterrupt:
        echo("  skipped (interrupted)")
        return []
    failures = [g for g in interop if not g["ok"]]
    echo(f"  {len(interop) - len(failures)}/{len(interop)} producer->consumer pairs open")
    return interop


def _round_raw_data(data: dict[str, Any]) -> None:
    """Keep 6 significant digits of each raw round (1 ppm, far below any noise).

    Python writes 17 digits per float; this halves the file without changing
    any statistic beyond the sixth digit.
    """
    for bench in data.get("benchmarks", []):
        stats = bench.get("stats", {})
        if "data" in stats:
            stats["data"] = [float(f"{x:.6g}") for x in stats["data"]]


def _adapters_info(cells: Sequence[Cell]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for name in dict.fromkeys(cell.adapter for cell in cells):
        adapter = adapter_or_reason(name)
        if isinstance(adapter, str):
            info[name] = {"name": name, "available": False, "reason": adapter}
        else:
            info[name] = {**adapter.describe(), "available": True}
    return info


def _cell_list(cells: Sequence[Cell], recorder: Recorder) -> list[dict[str, Any]]:
    """Every matrix cell with its status; cells never reached are ``not run``."""
    by_params = {json.dumps(c["params"], sort_keys=True): c for c in recorder.cells.values()}
    out = []
    for cell in cells:
        seen = by_params.get(json.dumps(cell.params, sort_keys=True))
        if seen is None:
            out.append({"params": cell.params, "status": "not run", "reason": "run interrupted"})
        else:
            out.append({"params": cell.params, "status": seen["status"], "reason": seen["reason"]})
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run().exit_code)
