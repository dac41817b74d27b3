"""Run the matrix through pytest-benchmark and save one results file.

``run()`` is a plain function (the CLI's ``run`` verb is a thin layer over it):
it builds the matrix, checks the results file can be written, runs the suites
in-process with pytest, records every cell's status with its reason
(``Recorder``), and writes pytest-benchmark's JSON plus the ``jwtbench`` object
atomically under ``results/<machine-id>/``. A library that crashes makes one
cell ``error`` and the run goes on; Ctrl-C or SIGTERM keeps every cell measured
so far (the file is marked ``interrupted``, cells not reached are ``not run``).

Why passes: this VM's speed changes from one second to the next (two levels
~1.8x apart, ~0.5 s correlation), so all rounds of a cell timed in one go share
one speed, and two runs of the same code differ by up to 1.5x per cell while
their rounds agree within a few percent. Passes spread a cell's rounds over the
whole run, so its median is robust and the spread between its passes shows how
much to trust it.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

import pytest

from jwtbench.measure import timers
from jwtbench.measure.assemble import adapters_info, interop_grid, round_raw_data
from jwtbench.measure.gate import GateFailure, reusing_prepared
from jwtbench.measure.inject import slowdown as slowdown_of
from jwtbench.measure.matrix import (
    ALL,
    PROFILES,
    MatrixError,
    Profile,
    build_matrix,
    why_empty,
)
from jwtbench.measure.merge import merge_benchmarks
from jwtbench.model.cell import FAILED_STATUSES, Cell, CellKey, Status, cell_key
from jwtbench.model.errors import UserError
from jwtbench.model.records import (
    CellRecord,
    Lockstep,
    Provenance,
    RunInfo,
    RunRecord,
    Slowdown,
    build_document,
)
from jwtbench.model.results import load_results, now_iso, provenance, run_path, write_atomic
from jwtbench.model.selection import Selection

SUITES = {"jws": "bench_jws.py", "jwe": "bench_jwe.py", "nested": "bench_nested.py"}
#: The suites' folder (``jwtbench.benchmarks``). Located, not imported: the
#: runner only hands the files to pytest, and ``benchmarks`` sits to its right.
SUITES_DIR = Path(__file__).resolve().parent.parent / "benchmarks"


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[-1] if text.strip() else ""
    return line[:limit]


class Progress(Protocol):
    """Where a run reports progress: plain lines here, a progress bar in the CLI."""

    def begin(self, header: str, steps: int) -> None:
        """The run starts: ``steps`` = cells x passes."""

    def cell(self, line: str, what: str = "") -> None:
        """One cell of one pass is done (``line`` describes it; ``what`` names its group)."""

    def note(self, line: str) -> None:
        """A line to show as is (pass summaries, the final summary)."""

    def end(self) -> None:
        """Measuring is over (also when interrupted): stop any live display."""


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``: a progress line's elapsed time and ETA."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


@dataclass
class LineProgress:
    """Plain lines through ``echo`` (flushed by the CLI): for logs, pipes and CI.

    Besides the header and the notes, a ``progress:`` line (cells done of all,
    elapsed, an estimate of the time left, the group just timed) every
    ``1/lines`` of the steps or ``every_seconds``, whichever comes first, so a
    log never sits silent for minutes; one line per cell if ``verbose``.
    """

    echo: Callable[[str], None] = print
    verbose: bool = False
    lines: int = 10
    every_seconds: float = 15.0
    clock: Callable[[], float] = time.monotonic
    steps: int = field(default=0, init=False)
    done: int = field(default=0, init=False)
    _started: float = field(default=0.0, init=False)
    _shown_at: float = field(default=0.0, init=False)
    _next: int = field(default=0, init=False)
    _first: float = field(default=0.0, init=False)  # when the first cell was done

    def begin(self, header: str, steps: int) -> None:
        self.echo(header)
        self.steps, self.done = steps, 0
        self._started = self._shown_at = self.clock()
        self._next = self._stride()

    def _stride(self) -> int:
        return max(1, -(-self.steps // self.lines))  # ceil: at most ``lines`` lines

    def cell(self, line: str, what: str = "") -> None:
        if self.verbose:
            self.echo(line)
        self.done += 1
        now = self.clock()
        if self.done == 1:
            self._first = now
        due = self.done >= self._next or now - self._shown_at >= self.every_seconds
        if due or self.done == self.steps:
            self._shown_at = now
            self._next = (self.done // self._stride() + 1) * self._stride()
            self.echo(self.progress_line(now, what))

    def progress_line(self, now: float, what: str = "") -> str:
        """``progress: 112/1122 cells (10%), 31s elapsed, ~4m39s left; at HS256-sign-...``.

        The estimate is the pace since the first cell (start-up is not a cell's cost).
        """
        total = max(self.steps, self.done)
        percent = 100 * self.done // total if total else 100  # 99.6% is not done yet
        elapsed = now - self._started
        line = f"progress: {self.done}/{total} cells ({percent}%), {duration(elapsed)} elapsed"
        if self.done > 1 or self.done == total:  # one cell gives no pace yet
            pace = (now - self._first) / (self.done - 1) if self.done > 1 else 0.0
            line += f", ~{duration(pace * (total - self.done))} left"
        return f"{line}; at {what}" if what else line

    def note(self, line: str) -> None:
        self.echo(line)

    def end(self) -> None:
        pass


def count_line(counts: Mapping[str, int]) -> str:
    """``38 ok, 2 failed (1 invalid, 1 error), 4 unsupported``: failures first after ok."""
    failed = {s: n for s, n in counts.items() if s in FAILED_STATUSES}
    parts = [f"{counts.get('ok', 0)} ok"]
    if failed:
        detail = ", ".join(f"{n} {s}" for s, n in sorted(failed.items()))
        parts.append(f"{sum(failed.values())} failed ({detail})")
    parts += [f"{n} {s}" for s, n in sorted(counts.items()) if s != "ok" and s not in failed]
    return ", ".join(parts)


@dataclass(eq=False)  # pytest registers plugin objects in sets: keep identity hashing
class Recorder:
    """pytest plugin object: every cell's status and reason, and progress."""

    total: int
    progress: Progress
    passes: int = 1
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    interrupted: bool = False
    started: float = field(default_factory=time.perf_counter)
    pass_index: int = 0
    seen: set[str] = field(default_factory=set)  # cells reported in the current pass
    #: Cells that passed in the current pass: only their benchmark entries are kept.
    timed: set[CellKey] = field(default_factory=set)
    #: Status counts of the current pass, for its summary line.
    pass_counts: dict[str, int] = field(default_factory=dict)

    machine_info: dict[str, Any] | None = None

    def start_pass(self, index: int) -> None:
        self.pass_index, self.seen, self.timed, self.pass_counts = index, set(), set(), {}

    def pass_summary(self) -> str:
        elapsed = time.perf_counter() - self.started
        return (
            f"pass {self.pass_index + 1}/{self.passes}: {len(self.seen)}/{self.total} cells, "
            f"{count_line(self.pass_counts)}; {elapsed:.1f}s elapsed"
        )

    def ok_keys(self) -> set[CellKey]:
        """Cells whose final status is ok: the only ones the file may time."""
        return {cell_key(c["params"]) for c in self.cells.values() if c["status"] == "ok"}

    @pytest.hookimpl(tryfirst=True)
    def pytest_benchmark_generate_machine_info(self) -> dict[str, Any] | None:
        """The first pass's machine info again: py-cpuinfo takes ~1.4 s per pass."""
        return json.loads(json.dumps(self.machine_info)) if self.machine_info else None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_benchmark_generate_json(self, benchmarks: list[Any]) -> Any:
        """Drop cells cut off before their first round (Ctrl-C while calibrating).

        pytest-benchmark cannot summarise a cell with no rounds (``min()`` of
        nothing) and would crash the pass, losing every cell measured before it.
        """
        benchmarks[:] = [b for b in benchmarks if getattr(getattr(b, "stats", None), "data", ())]
        yield

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
        self.pass_counts[entry["status"]] = self.pass_counts.get(entry["status"], 0) + 1
        if entry["status"] == "ok":
            self.timed.add(cell_key(params))
        self._progress(params, entry)

    def pytest_keyboard_interrupt(self) -> None:
        self.interrupted = True

    def _progress(self, params: dict[str, Any], entry: dict[str, Any]) -> None:
        done = len(self.seen)
        label = " ".join(str(v) for v in params.values())
        detail = f"{entry['ops']:>12,.0f} ops/s" if "ops" in entry else entry["reason"][:70]
        elapsed = time.perf_counter() - self.started
        where = f"pass {self.pass_index + 1}/{self.passes} " if self.passes > 1 else ""
        self.progress.cell(
            f"[{done:>4}/{self.total}] {where}{elapsed:6.1f}s  {label:<48} "
            f"{entry['status']:<11} {detail}",
            "-".join(str(v) for k, v in params.items() if k != "adapter"),
        )


class RunError(RuntimeError):
    """The suites could not be run at all (not a failing cell: those are recorded)."""


class OutputError(UserError):
    """The results file cannot be written where asked (found out before measuring)."""


@dataclass
class Interrupts:
    """SIGINT and SIGTERM during a run, both handled as Ctrl-C always was.

    SIGTERM is what ``timeout``, docker and CI cancellation send; by default it
    kills the process and the run is lost. Here either signal raises
    ``KeyboardInterrupt`` only while ``armed`` (inside pytest, which then stops
    cleanly at the current cell); elsewhere it is only noted, and the run stops
    at the next pass boundary, so the file is always written.
    """

    signum: int | None = None
    armed: bool = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = self.signum or signum
        if self.armed:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def arming(self) -> Iterator[None]:
        self.armed = True
        try:
            yield
        finally:
            self.armed = False


@contextlib.contextmanager
def interruptible() -> Iterator[Interrupts]:
    """Route SIGINT and SIGTERM to an ``Interrupts`` (main thread only), then restore."""
    state = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield state  # signals are delivered to the main thread only
        return
    previous = {sig: signal.signal(sig, state.handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield state
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def check_output(path: Path) -> None:
    """Refuse a results path that cannot be written, before anything is measured."""
    if path.is_dir():
        raise OutputError(f"{path} is a directory; give a file path such as {path / 'run.json'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a real file, not os.access: that ignores read-only mounts and ACLs
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.stem}.", suffix=".probe"):
            pass
    except OSError as exc:
        where = exc.filename or path.parent
        raise OutputError(f"cannot write results to {where}: {exc.strerror or exc}") from None


@dataclass
class RunOutcome:
    path: Path
    counts: dict[str, int]
    interrupted: bool
    seconds: float
    exit_code: int
    #: The signal that interrupted the run (SIGINT / SIGTERM), if one did.
    signum: int | None = None


def pytest_args(profile: Profile, selection: Selection, scratch: Path) -> list[str]:
    """The in-process pytest command line shared by every pass.

    pytest-benchmark's storage goes to ``scratch`` (a temporary folder): by
    default it creates ``./.benchmarks`` in whatever folder a run starts from.
    """
    args = [str(SUITES_DIR / suite) for suite in SUITES.values()]
    args += ["-p", "jwtbench.measure.plugin", "-p", "no:cacheprovider", "-p", "no:terminal"]
    # a grouped run starts a pytest session per visit in each of ~15 children, on the
    # one shared CPU: measured here, ~115 ms a session, 45 of them in the unraisable-
    # exception plugin's five gc.collect() at its end and ~25 in loading entry points.
    # Other plugins installed beside jwtbench have no business in a measurement either.
    args += ["--disable-plugin-autoload", "-p", "pytest_benchmark.plugin"]
    args += ["-p", "no:unraisableexception"]
    args += ["--benchmark-enable", "--benchmark-quiet"]  # no "Wrote benchmark data" per pass
    args += [f"--benchmark-storage=file://{scratch / 'storage'}"]
    args += [f"--jwtbench-profile={profile.name}", *selection.as_options(prefix="--jwtbench-")]
    return args


def run(
    profile_name: str = "quick",
    selection: Selection = ALL,
    *,
    label: str | None = None,
    results_dir: Path = Path("results"),
    output: Path | None = None,
    echo: Callable[[str], None] = print,
    progress: Progress | None = None,
    extra_pytest_args: Sequence[str] = (),
    passes: int | None = None,
    interop: bool = True,
    slowdown: tuple[str, float] | None = None,
    machine_info: Mapping[str, Any] | None = None,
) -> RunOutcome:
    """Measure the selected matrix in ``passes`` passes and write one results file.

    Each pass times every cell once, briefly (the profile's per-pass budget);
    the passes' raw rounds are merged per cell, with ``extra_info.merged_runs``
    recording each pass's share (the module docstring says why passes).

    Under a lockstep coordinator (``jwtbench.envs.lockstep``, as ``jwtbench ab`` runs
    it) there is one pass: its bursts, paired with the other side's, replace
    the passes. ``slowdown`` (adapter, factor) is ``jwtbench calibrate``'s
    injected slowdown, recorded in the file. ``progress`` (default: plain
    lines through ``echo``) shows how far the run is. ``machine_info``:
    pytest-benchmark's, already made (a grouped run's parent makes it once for
    all its members; py-cpuinfo takes ~0.6 s in each).
    """
    profile = PROFILES[profile_name]
    timer = timers.current()
    passes = timer.passes(profile.passes if passes is None else passes)
    if passes < 1:
        raise ValueError(f"passes must be at least 1, got {passes}")
    cells = build_matrix(profile, selection)  # validates every name first
    if not cells:
        raise MatrixError(why_empty(profile, selection))
    path = output or run_path(results_dir, label or profile.name)
    check_output(path)
    timer.planned(cells)  # e.g. no valgrind for instruction counts: refused before measuring
    shown = progress or LineProgress(echo)
    recorder = Recorder(total=len(cells), progress=shown, passes=passes)
    if machine_info is not None:
        recorder.machine_info = json.loads(json.dumps(machine_info))
    started_iso, started = now_iso(), time.perf_counter()
    slowed = slowdown_of(*slowdown) if slowdown else contextlib.nullcontext()
    with interruptible() as stop, slowed, reusing_prepared():  # gate each cell once
        shown.begin(
            f"jwtbench {profile.name}: {len(cells)} cells x {passes} passes -> {path}",
            len(cells) * passes,
        )
        try:
            measured, exit_code = _measure(profile, selection, recorder, stop, extra_pytest_args)
        finally:
            shown.end()
        grid: list[dict[str, Any]] = []
        if interop and not recorder.interrupted:
            with stop.arming():
                grid = interop_grid(cells, shown.note)
    seconds = time.perf_counter() - started

    benches = merge_benchmarks([m["benchmarks"] for m in measured]) if measured else []
    ok = recorder.ok_keys()  # a cell that ended failed or not run keeps no number
    benches = [b for b in benches if cell_key(b["params"]) in ok]
    round_raw_data(benches)
    timer_record, units = timer.record()
    record = RunRecord(
        run=RunInfo(
            label=label or profile.name,
            profile=profile.name,
            selection=selection.to_json(),
            started=started_iso,
            finished=now_iso(),
            seconds=round(seconds, 2),
            passes=len(measured) if recorder.interrupted else passes,
            interrupted=recorder.interrupted,
            lockstep=_lockstep(timer.metadata()),
            injected_slowdown=Slowdown(*slowdown) if slowdown else None,
        ),
        adapters=adapters_info(cells),
        cells=_cell_list(cells, recorder),
        provenance=Provenance.from_dict(provenance(), "this machine"),
        interop=tuple(grid),
        timer=timer_record,
        units=units,
    )
    write_atomic(path, build_document(record, benches, measured[0] if measured else None))
    load_results(path)  # never leave a file the loader would refuse
    counts = record.status_counts()
    ended = "interrupted" if recorder.interrupted else "done"
    shown.note(f"{ended} in {seconds:.1f}s: {len(cells)} cells, {count_line(counts)}")
    return RunOutcome(path, counts, recorder.interrupted, seconds, exit_code, stop.signum)


def _measure(
    profile: Profile,
    selection: Selection,
    recorder: Recorder,
    stop: Interrupts,
    extra_pytest_args: Sequence[str],
) -> tuple[list[dict[str, Any]], int]:
    """Every pass's pytest-benchmark JSON (cells that passed only), and pytest's last exit code.

    Stops after the pass an interrupt (Ctrl-C, SIGTERM) arrived in.
    """
    measured: list[dict[str, Any]] = []
    exit_code = 0
    with tempfile.TemporaryDirectory(prefix="jwtbench-run-") as tmp:
        scratch = Path(tmp)
        args = pytest_args(profile, selection, scratch)
        timer = timers.current()
        for index in range(recorder.passes):
            recorder.start_pass(index)
            timer.start_pass(index)
            pytest_json = scratch / f"pass{index + 1}.json"
            pass_args = [*args, *profile.pytest_options(warm_up=index == 0)]
            pass_args += extra_pytest_args  # after the profile's: they override it
            pass_args.append(f"--benchmark-json={pytest_json}")
            try:
                with stop.arming():
                    exit_code = int(pytest.main(pass_args, plugins=[recorder]))
            except KeyboardInterrupt:  # outside a test: pytest lets it through
                recorder.interrupted, exit_code = True, 2
            recorder.interrupted = recorder.interrupted or stop.signum is not None
            text = pytest_json.read_text(encoding="utf-8") if pytest_json.exists() else ""
            if text.strip():  # pytest-benchmark leaves it empty when nothing was timed
                one = json.loads(text)
                # a cell cut off mid-pass may have rounds but no verdict: drop them
                one["benchmarks"] = [
                    b for b in one["benchmarks"] if cell_key(b["params"]) in recorder.timed
                ]
                measured.append(one)
            if exit_code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
                raise RunError(f"pytest could not run the suites (exit {exit_code}); see above")
            if recorder.interrupted:
                break
            recorder.progress.note(recorder.pass_summary())
    return measured, exit_code


def _lockstep(metadata: Mapping[str, Any]) -> Lockstep | None:
    """The lockstep pair and side the timer ran under, if it did."""
    pair = metadata.get("lockstep")
    return Lockstep(str(pair["pair"]), str(pair["side"])) if pair else None


def _cell_list(cells: Sequence[Cell], recorder: Recorder) -> tuple[CellRecord, ...]:
    """Every matrix cell with its status; cells never reached are ``not run``."""
    by_params = {json.dumps(c["params"], sort_keys=True): c for c in recorder.cells.values()}
    out = []
    for cell in cells:
        seen = by_params.get(json.dumps(cell.params, sort_keys=True))
        if seen is None:
            out.append(CellRecord(cell.params, Status.NOT_RUN, "run interrupted"))
        else:
            out.append(CellRecord(cell.params, Status.of(seen["status"]), seen["reason"]))
    return tuple(out)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run().exit_code)
