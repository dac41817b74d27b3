"""Instructions per operation under valgrind: deterministic counts for CI gates.

Wall-clock time on a shared runner moves 10-25% between jobs; the number of
instructions a call executes does not. :func:`count_cells` counts, for each
adapter, its cells in **one valgrind process** (callgrind, no cache
simulation) that loops over them, so Python's start-up and the library's
import are paid once per adapter, not per cell.

The method, per cell, inside that process (``python -m
jwtbench.measure.instructions worker``):

1. the correctness gate (``jwtbench.measure.gate.prepare``), then
   :data:`WARM_UP` calls (a cold first call costs several times a warm one:
   caches, lazy imports, interned strings), each result checked. ``N`` and
   the warm-up depend on the cell only (:func:`shape`), so both sides of a
   comparison count the same calls;
2. ``gc.collect()``, then the cyclic garbage collector is off while counting:
   with it on, a young-generation collection falls into one segment or the
   other depending on its phase, and two runs of PyJWT's HS256 sign differed
   by 0.11%; with it off, by a few instructions. Counts therefore leave out
   the collector's cost (reference counting, which frees most objects, stays);
3. a *marker* call, then ``N`` calls, a marker, ``2N`` calls, a marker. The
   marker is a libc function nothing else calls (:data:`MARKER`), and
   callgrind runs with ``--dump-before=MARKER``: every marker writes the
   instructions executed since the previous one to its own dump file, and
   the dumps are read after the process ends. With ``c`` the loop's constant
   cost (the marker, ``range``, the result kept), the segments are
   ``c + N x`` and ``c + 2N x``: their difference over ``N`` is ``x``, the
   instructions of one warm call, with the set-up cancelled *exactly* (no
   estimate of ``c`` is needed);
4. the last call's result is checked again (a count of broken work is never
   kept).

Two runs of the same code give the same counts to a few instructions per
op: the hash seed is pinned (``PYTHONHASHSEED=0``) and so is OpenSSL's view
of the CPU (``OPENSSL_ia32cap`` = :data:`IA32CAP`). valgrind's virtual CPU
has no SHA-NI and no AVX-512, so OpenSSL would otherwise pick another code
path on a host that has them than on one that does not (and differently
again natively); the mask clears exactly those features, so the counted path
is the same on every x86-64 host valgrind runs on. Counts follow valgrind's
code path, not necessarily the native one: they gate changes, they are not
a speed. What stays random is the work itself: RSA signing (OpenSSL's
blinding) and ECDSA signing (the nonce) draw random numbers, and their
counts moved by up to 0.24% and 0.06% between two identical runs here
(HMAC and every verify: within 0.01%).

Cost, measured here: ``python -c 'import jwt'`` takes 0.19 s natively and
12 s under callgrind (7.8 s under cachegrind without cache simulation, which
cannot dump per marker); a counting process spends ~10-15 s of CPU on
start-up and imports, and the CI job's 30 cells (5 adapters) take 94-101 s of
CPU in all.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jwtbench.measure.gate import prepare
from jwtbench.model.cell import Cell
from jwtbench.model.errors import UserError

#: Calls per counted segment (the segments are N and 2N calls).
CALLS = 10
#: Calls before counting: the first calls of a cell cost several times a warm one,
#: and CPython's adaptive interpreter keeps re-specialising for a while after.
WARM_UP = 20
#: (N, warm-up) of a slow cell: an RSA key parsed per call (raw key mode) takes
#: ~5 s per call under valgrind. Decided by the cell, never by a timing: N and the
#: warm-up must be the same on both sides of a comparison, because CPython's
#: adaptive interpreter makes calls differ a little with their index (PyJWT's
#: HS256 sign counted over calls 6-8 and 9-14 gave 7% less than over 6-15 and
#: 16-35), so the same calls must be counted.
SLOW_CALLS = (2, 2)
#: Algorithms whose raw-key cells are slow (prefixes).
SLOW_RAW_ALGS = ("RS", "PS", "RSA")
#: The libc function whose entry makes callgrind dump (``--dump-before``): Python
#: calls it only through ``os.sched_get_priority_min``, and no library does.
MARKER = "sched_get_priority_min"
#: OpenSSL's CPU capability mask, natively and under valgrind: the CPUID(7)
#: word with SHA-NI (EBX bit 29), the AVX-512 family (EBX 16, 17, 21, 26-28,
#: 30, 31; ECX 1, 6, 11, 12, 14) and VAES/VPCLMULQDQ (ECX 9, 10) cleared,
#: which valgrind 3.19 does not emulate; everything else as detected. Not the
#: empty string: that clears nothing and changed the counts.
IA32CAP = ":~0x5E42FC230000"
#: The hash seed of the counted process: dict and set layouts, hence counts, depend on it.
HASH_SEED = "0"
#: The longest one adapter's valgrind process may take (a hung library cannot hang a run).
TIMEOUT_SECONDS = 1800.0
INSTALL_HINT = "valgrind is not installed: install it (apt-get install valgrind)"

Echo = Callable[[str], None]


class ValgrindMissing(UserError):
    """No valgrind on PATH: instruction counts are impossible here."""


class CountError(RuntimeError):
    """A cell's count could not be made (the message says why); the cell is ``error``."""


def valgrind() -> str:
    """The valgrind executable, or ``ValgrindMissing`` with how to install it."""
    found = shutil.which(os.environ.get("JWTBENCH_VALGRIND", "valgrind"))
    if not found:
        raise ValgrindMissing(INSTALL_HINT)
    return found


def valgrind_version(path: str) -> str:
    """``valgrind-3.19.0``."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or out.stderr.strip()


@dataclass(frozen=True)
class Count:
    """One cell's instructions per op and the two segments it came from."""

    cell: str
    per_op: float
    calls: int  # N: the segments are N and 2N calls
    segments: tuple[int, int]
    #: The injected extra instructions per call (calibration only), else 0.
    injected: float = 0.0

    def extra_info(self) -> dict[str, Any]:
        """What the cell's ``extra_info`` records about its count."""
        info: dict[str, Any] = {
            "instructions_per_op": self.per_op,
            "instructions": {
                "calls": [self.calls, 2 * self.calls],
                "segments": list(self.segments),
            },
        }
        if self.injected:
            info["instructions"]["injected_per_op"] = self.injected
        return info


def per_op(segment_n: int, segment_2n: int, calls: int) -> float:
    """``x`` from segments ``c + N x`` and ``c + 2N x`` (``CountError`` if not increasing)."""
    if segment_2n <= segment_n:
        raise CountError(
            f"segment of {2 * calls} calls ({segment_2n}) not above {calls} calls "
            f"({segment_n}): the counts are not from warm, repeated work"
        )
    return (segment_2n - segment_n) / calls


_SUMMARY = re.compile(rb"^summary:\s*(\d+)", re.MULTILINE)


def dump_total(path: Path) -> int:
    """The instructions in one callgrind dump (its ``summary:`` line, in the header)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    found = _SUMMARY.search(head)
    if found is None:
        raise CountError(f"no 'summary:' line in callgrind dump {path}")
    return int(found.group(1))


def counted_environ(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a counted process: hash seed and OpenSSL's CPU mask pinned."""
    env = dict(os.environ if base is None else base)
    env["PYTHONHASHSEED"] = HASH_SEED
    env["OPENSSL_ia32cap"] = IA32CAP
    return env


def valgrind_command(tool: str, prefix: Path, argv: Sequence[str]) -> list[str]:
    """callgrind, no cache simulation, one dump per marker call."""
    return [
        tool,
        "--tool=callgrind",
        f"--dump-before={MARKER}",
        f"--callgrind-out-file={prefix}",
        "--dump-instr=no",
        "--dump-line=no",
        "--compress-strings=no",
        "--quiet",
        *argv,
    ]


def count_cells(
    cells: Sequence[Cell],
    *,
    calls: int = CALLS,
    inject: Mapping[str, float] | None = None,
    python: str = sys.executable,
    echo: Echo = lambda _: None,
) -> dict[str, Count | str]:
    """Every cell's count (or why it has none), one valgrind process per adapter.

    ``inject`` (adapter -> fraction) is calibration's deterministic extra work.
    """
    tool = valgrind()
    out: dict[str, Count | str] = {}
    for adapter, group in _by_adapter(cells).items():
        echo(f"instructions: counting {len(group)} {adapter} cells under valgrind...")
        out |= _count_adapter(tool, group, calls, (inject or {}).get(adapter, 0.0), python)
    return out


def _by_adapter(cells: Iterable[Cell]) -> dict[str, list[Cell]]:
    groups: dict[str, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(cell.adapter, []).append(cell)
    return groups


def _count_adapter(
    tool: str, cells: Sequence[Cell], calls: int, inject: float, python: str
) -> dict[str, Count | str]:
    with tempfile.TemporaryDirectory(prefix="jwtbench-count-") as tmp:
        folder = Path(tmp)
        plan, report = folder / "cells.json", folder / "counted.jsonl"
        plan.write_text(
            json.dumps({"cells": [c.params for c in cells], "calls": calls, "inject": inject}),
            encoding="utf-8",
        )
        argv = [python, "-m", "jwtbench.measure.instructions", "worker", str(plan), str(report)]
        command = valgrind_command(tool, folder / "cg.out", argv)
        try:
            done = subprocess.run(
                command,
                env=counted_environ(),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
            failure = _tail(done.stderr) if done.returncode else ""
            if done.returncode:
                failure = f"valgrind exited {done.returncode}: {failure}"
        except subprocess.TimeoutExpired:
            failure = f"valgrind took more than {TIMEOUT_SECONDS:.0f}s"
        lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []
        results = {
            str(entry["cell"]): _result(entry, folder / "cg.out", calls)
            for entry in map(json.loads, lines)
        }
    for cell in cells:
        results.setdefault(cell.id, failure or "the counting process gave no result")
    return results


def _result(entry: Mapping[str, Any], prefix: Path, calls: int) -> Count | str:
    if "error" in entry:
        return str(entry["error"])
    first = int(entry["marker"])  # the dump after N calls is first + 1
    calls = int(entry.get("calls", calls))
    try:
        segments = (dump_total(_dump(prefix, first + 1)), dump_total(_dump(prefix, first + 2)))
        return Count(
            str(entry["cell"]),
            per_op(*segments, calls),
            calls,
            segments,
            float(entry.get("injected", 0.0)),
        )
    except (CountError, OSError) as exc:
        return str(exc)


def _dump(prefix: Path, index: int) -> Path:
    return prefix.with_name(f"{prefix.name}.{index}")


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-lines:])


def versions() -> dict[str, str]:
    """CPython and OpenSSL versions of this interpreter (what the counted process runs)."""
    import ssl

    out = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "openssl": ssl.OPENSSL_VERSION,
    }
    try:
        from cryptography.hazmat.backends.openssl import backend

        out["cryptography_openssl"] = str(backend.openssl_version_text())
    except ImportError:  # pragma: no cover - cryptography is a dependency
        pass
    return out


def metadata(tool: str | None = None) -> dict[str, Any]:
    """What ``jwtbench.timer`` records for instruction counts."""
    path = tool or valgrind()
    return {
        "tool": "callgrind (no cache simulation)",
        "valgrind": valgrind_version(path),
        **versions(),
        "openssl_ia32cap": IA32CAP,
        "pythonhashseed": HASH_SEED,
        "method": f"(I(2N) - I(N)) / N, N = {CALLS} after {WARM_UP} warm-up calls "
        f"(raw RSA keys: N = {SLOW_CALLS[0]} after {SLOW_CALLS[1]}), gc off while counting",
    }


# -- the counted process -----------------------------------------------------------------

_MARKS = 0


def _mark() -> int:
    """Make callgrind dump (``--dump-before``); this marker's number (dump files count from 1)."""
    global _MARKS
    os.sched_get_priority_min(os.SCHED_OTHER)
    _MARKS += 1
    return _MARKS


def shape(cell: Cell, calls: int = CALLS) -> tuple[int, int]:
    """(N, warm-up calls) for ``cell``: from the cell alone, the same for every run."""
    if cell.key_mode == "raw" and any(
        alg.startswith(SLOW_RAW_ALGS) for alg in (cell.alg, cell.sig_alg or "")
    ):
        return SLOW_CALLS
    return calls, WARM_UP


def _repeat(func: Callable[..., Any], args: tuple[Any, ...], calls: int) -> Any:
    result = None
    for _ in range(calls):
        result = func(*args)
    return result


def _counted(cell: Cell, calls: int, inject: float, prefix: Path | None) -> dict[str, Any]:
    """Gate, warm up, then the three markers around N and 2N calls."""
    work = prepare(cell)
    func, args = work.func, work.args
    calls, warm_up = shape(cell, calls)
    for _ in range(warm_up):
        work.check(func(*args))
    injected = 0.0
    if inject and prefix is not None:
        func, injected = _with_extra_work(func, args, calls, inject, prefix)
        for _ in range(warm_up):  # the wrapper is new code: warm it up as well
            work.check(func(*args))
    gc.collect()
    gc.disable()  # a collection would land in one segment and not the other
    try:
        first = _mark()
        _repeat(func, args, calls)
        _mark()
        result = _repeat(func, args, 2 * calls)
        _mark()
    finally:
        gc.enable()
    work.check(result)
    return {"cell": cell.id, "marker": first, "calls": calls, "injected": injected}


def _measure_here(
    func: Callable[..., Any], args: tuple[Any, ...], calls: int, prefix: Path
) -> float:
    """Instructions per call of ``func(*args)``, counted in this process (reads its dumps)."""
    first = _mark()
    _repeat(func, args, calls)
    _mark()
    _repeat(func, args, 2 * calls)
    _mark()
    segments = (dump_total(_dump(prefix, first + 1)), dump_total(_dump(prefix, first + 2)))
    return per_op(*segments, calls)


def _burn(iterations: int) -> None:
    """Deterministic extra work: a fixed loop whose every iteration costs the same."""
    bit = 0
    for _ in range(iterations):
        bit ^= 1  # small ints only: no allocation, no growing operands


def _slowed(func: Callable[..., Any], iterations: int) -> Callable[..., Any]:
    def slowed(*call_args: Any) -> Any:
        out = func(*call_args)
        _burn(iterations)
        return out

    return slowed


def _with_extra_work(
    func: Callable[..., Any], args: tuple[Any, ...], calls: int, fraction: float, prefix: Path
) -> tuple[Callable[..., Any], float]:
    """``func`` followed by a loop costing ``fraction`` of its own count, and that cost.

    The loop's length is set from the loop's own count, then corrected once from
    what the slowed call really costs over the plain one (the wrapper's call
    adds a little), both counted here, warm. Measured against a separate base
    run the change lands near, not at, ``fraction``: asked for 1%, pyjwt's cells
    moved by +0.88% (RS256 sign, whose own count varies) to +1.93% (HS256 sign).
    """
    own = _measure_here(func, args, calls, prefix)
    target = fraction * own
    per_iteration = _measure_here(_burn, (1000,), calls, prefix) / 1000
    iterations = max(1, round(target / per_iteration))
    for _ in range(2):  # the first guess, then one correction
        slowed = _slowed(func, iterations)
        for _ in range(WARM_UP):
            slowed(*args)
        extra = _measure_here(slowed, args, calls, prefix) - own
        if extra <= 0:  # the cell's own randomness (RSA blinding) outweighs the loop
            return slowed, iterations * per_iteration  # the loop's count, uncorrected
        if abs(extra - target) <= per_iteration:
            break
        iterations = max(1, round(iterations * target / extra))
    return slowed, extra


def worker(plan_path: Path, report_path: Path) -> int:
    """Count the planned cells in this (valgrind) process, one JSON line per cell."""
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    calls, inject = int(plan["calls"]), float(plan.get("inject", 0.0))
    prefix = plan_path.with_name("cg.out")
    with report_path.open("w", encoding="utf-8") as out:
        for params in plan["cells"]:
            cell = Cell.from_params(params)
            try:
                entry = _counted(cell, calls, inject, prefix)
            except Exception as exc:  # a crashing library makes one cell error
                entry = {"cell": cell.id, "error": f"{type(exc).__name__}: {exc}"[:300]}
            out.write(json.dumps(entry) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "worker":
        sys.exit(worker(Path(sys.argv[2]), Path(sys.argv[3])))
    sys.exit("usage: python -m jwtbench.measure.instructions worker PLAN.json REPORT.jsonl")
