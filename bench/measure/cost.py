"""Cost beyond the hot path, per adapter, each measured in its own child interpreter.

:func:`measure_cost` starts ``python -m jwtbench.measure.cost ADAPTER`` once per
adapter, with ``python`` a parameter (the interpreter of whatever virtualenv
holds the library), under a timeout; the child measures import time, the first
call with a cold key, key preparation, peak memory per operation and installed
size (``jwtbench.measure.cost_probe`` says how) and prints one JSON object. A
child that crashes, hangs or prints no JSON gives its adapter an ``error`` entry
with the reason; the other adapters are still measured. :data:`WORKERS`
children run at once (one per core). Ctrl-C or SIGTERM stops the children still
measuring and keeps the entries already measured (``interrupted``).

Nothing here runs inside a timed run: ``jwtbench run`` calls it after timing,
``jwtbench cost`` alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jwtbench.measure import cost_probe
from jwtbench.measure.cost_probe import FAMILIES, guarded

if TYPE_CHECKING:
    from jwtbench.measure.runner import Interrupts

#: What precedes the child's JSON entry on its stdout.
MARKER = "jwtbench-cost-entry: "
#: The units of every cost figure (fields end in ``_s`` or ``_bytes``).
COST_UNITS: Mapping[str, str] = {"time": "s", "memory": "bytes", "size": "bytes"}


@dataclass(frozen=True)
class CostSettings:
    """How much measuring per adapter: import samples, warm budget, child timeout."""

    samples: int  # fresh interpreters timed per import
    budget: float  # seconds of warm calls per timed operation
    timeout: float  # seconds one adapter's child may take in all


#: Adapters measured at once, each in its own child. Why more than one: these are
#: one-shot, unpaired figures (import, first call, memory, size) taken after the
#: run's timing is over, and the quick run's ~14 children one by one took ~40 s
#: of its ~3 minutes while the second core sat idle.
WORKERS = 2
#: Per run profile: quick stays at a few seconds per library.
SETTINGS: Mapping[str, CostSettings] = {
    "quick": CostSettings(samples=3, budget=0.03, timeout=120.0),
    "full": CostSettings(samples=15, budget=0.25, timeout=600.0),
}


def cost_targets(names: Iterable[str]) -> list[str]:
    """The adapters that make tokens (the limit times bare primitives: nothing to import)."""
    from jwtbench.adapters import adapter_class

    return [name for name in dict.fromkeys(names) if adapter_class(name).makes_tokens]


def measure_cost(
    names: Iterable[str],
    *,
    python: str | None = None,
    settings: CostSettings = SETTINGS["quick"],
    echo: Callable[[str], None] | None = None,
    pythons: Mapping[str, str] | None = None,
    interrupts: Interrupts | None = None,
) -> dict[str, Any]:
    """The ``cost`` object: one entry per adapter in ``names``, each from its own child.

    ``python`` runs every child (default: this interpreter); ``pythons`` names another
    one per adapter (an isolated environment's), each needing jwtbench installed.
    ``interrupts``: the caller's SIGINT/SIGTERM routing, to learn which signal stopped it.
    """
    from jwtbench.measure.runner import interruptible

    python = python or sys.executable
    names = list(dict.fromkeys(names))
    entries: dict[str, Any] = {}
    started = time.perf_counter()
    interrupted = False
    children = _Children()
    workers = max(1, min(WORKERS, os.cpu_count() or 1, len(names)))
    routing = nullcontext(interrupts) if interrupts else interruptible()
    with routing as stop, ThreadPoolExecutor(workers) as pool:
        futures = {
            pool.submit(_timed, measure_one, name, (pythons or {}).get(name, python), settings,
                        children): name
            for name in names
        }  # fmt: skip
        try:
            with stop.arming():
                for future in as_completed(futures):
                    name = futures[future]
                    entries[name], seconds = future.result()
                    if echo is not None:
                        echo(f"  cost {name}: {_summary(entries[name])} ({seconds:.1f}s)")
                    if stop.signum is not None:
                        interrupted = True
                        break
        except KeyboardInterrupt:
            interrupted = True
        if interrupted:  # keep what finished; the children still measuring are stopped
            for future in futures:
                future.cancel()
            children.stop()
    entries = {name: entries[name] for name in names if name in entries}
    return {
        "python": _python_of(entries, python),
        "units": dict(COST_UNITS),
        "samples": settings.samples,
        "budget_s": settings.budget,
        "seconds": round(time.perf_counter() - started, 2),
        "interrupted": interrupted,
        "adapters": entries,
    }


def _python_of(entries: Mapping[str, Any], python: str) -> str:
    """The Python version(s) the children reported (else this one's, if they ran it)."""
    found = sorted({str(e["python"]) for e in entries.values() if e.get("python")})
    if found:
        return ", ".join(found)
    return platform.python_version() if python == sys.executable else "unknown"


def child_command(name: str, python: str, settings: CostSettings) -> list[str]:
    return [
        python, "-m", "jwtbench.measure.cost", name,
        "--samples", str(settings.samples), "--budget", str(settings.budget),
        "--timeout", str(settings.timeout),
    ]  # fmt: skip


def measure_one(
    name: str, python: str, settings: CostSettings, children: _Children
) -> dict[str, Any]:
    """One adapter's entry from its child, or ``{"error": why}``.

    ``children``: where the child is registered while it runs, so an interrupted
    ``measure_cost`` can stop it.
    """
    from jwtbench.envs.proc import child_environ, tail

    command = child_command(name, python, settings)
    try:
        child = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=child_environ(),
        )  # fmt: skip
    except OSError as exc:
        return {"error": f"cannot run {python}: {exc.strerror or exc}"}
    with children.holding(child):
        try:
            stdout, stderr = child.communicate(timeout=settings.timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            return {"error": f"timed out after {settings.timeout:g} s"}
    if child.returncode != 0:
        last = tail(stderr or stdout, 3).strip() or "no output"
        return {"error": f"its measuring child failed (exit {child.returncode}): {last}"}
    return _last_json(stdout)


def _timed(func: Callable[..., dict[str, Any]], *args: Any) -> tuple[dict[str, Any], float]:
    """``func(*args)`` and the seconds it took (each adapter's time in the progress line)."""
    begun = time.perf_counter()
    return func(*args), time.perf_counter() - begun


class _Children:
    """The cost children running now; :meth:`stop` kills them and any started later."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: set[subprocess.Popen[str]] = set()
        self.stopped = False

    @contextmanager
    def holding(self, child: subprocess.Popen[str]) -> Iterator[None]:
        with self.lock:
            self.running.add(child)
            if self.stopped:
                child.kill()
        try:
            yield
        finally:
            with self.lock:
                self.running.discard(child)

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for child in self.running:
                child.kill()


def _last_json(stdout: str) -> dict[str, Any]:
    """The entry after the child's last ``MARKER`` (a library may print to stdout too)."""
    _, found, text = stdout.rpartition(MARKER)
    try:
        entry = json.loads(text.strip().splitlines()[0]) if found and text.strip() else None
    except json.JSONDecodeError:
        entry = None
    if not isinstance(entry, dict):
        return {"error": f"its measuring child printed no JSON entry: {stdout[-200:]!r}"}
    return entry


def _summary(entry: Mapping[str, Any]) -> str:
    if entry.get("error"):
        return f"error: {entry['error']}"
    if entry.get("available") is False:
        return f"unavailable: {entry.get('reason', '')}"
    imported = entry.get("import", {})
    if "median_s" in imported:
        return f"import {imported['median_s'] * 1e3:.0f} ms"
    return "measured"


def add_to_results(path: Path, cost: Mapping[str, Any]) -> None:
    """Write ``cost`` into a results file's ``jwtbench`` object (atomically, then re-read)."""
    from jwtbench.model.results import load_results, write_atomic

    raw = load_results(path).raw
    raw["jwtbench"]["cost"] = json.loads(json.dumps(cost))
    write_atomic(path, raw)
    load_results(path)  # never leave a file the loader would refuse


def gather_after_run(
    path: Path,
    profile: str,
    echo: Callable[[str], None] = print,
    pythons: Mapping[str, str] | None = None,
) -> None:
    """``jwtbench run``'s last step: the cost of the run's adapters, into its results file.

    Interrupted (Ctrl-C, SIGTERM): the adapters measured so far are written, then
    ``KeyboardInterrupt`` is raised again so the run ends as interrupted.
    """
    from jwtbench.model.results import load_results

    names = cost_targets(load_results(path).meta.get("adapters", {}))
    if not names:
        return
    settings = SETTINGS.get(profile, SETTINGS["quick"])
    echo(f"cost beyond the hot path: {len(names)} adapters, one child each (--no-cost skips)...")
    cost = measure_cost(names, settings=settings, echo=echo, pythons=pythons)
    add_to_results(path, cost)
    echo(f"  measured in {cost['seconds']:.1f}s")
    if cost["interrupted"]:
        raise KeyboardInterrupt


# -- the child ---------------------------------------------------------------------------


def probe(name: str, samples: int, budget: float, timeout: float) -> dict[str, Any]:
    """Every cost figure of one adapter, measured in this interpreter and its children."""
    from jwtbench.adapters import AdapterUnavailable, adapter_class

    cls = adapter_class(name)
    entry: dict[str, Any] = {"library": cls.library, "module": cls.module}
    entry["python"] = platform.python_version()
    try:
        adapter = cls()
    except AdapterUnavailable as exc:
        return {**entry, "available": False, "reason": str(exc)}
    except Exception as exc:  # a library that crashes on import: this entry is an error
        return {**entry, "error": f"start-up failed: {cost_probe.why(exc)}"}
    entry |= {"available": True, "version": adapter.version, "backend": adapter.backend}
    if not adapter.makes_tokens:
        return {**entry, "error": f"{name} makes no tokens (bare primitives)"}
    families = [alg for alg in FAMILIES if adapter.supports_jws(alg)]
    entry["unsupported"] = {
        alg: adapter.unsupported_reason(alg) for alg in FAMILIES if alg not in families
    }
    entry["key_prep"] = {
        alg: guarded(partial(cost_probe.key_prep, adapter, alg, budget)) for alg in families
    }
    entry["memory"] = {alg: guarded(partial(cost_probe.memory, adapter, alg)) for alg in families}
    # after the work above: the library's modules it loaded are the ones to import
    modules = cost_probe.used_modules(cls.module.partition(".")[0])
    entry["first_call"] = {
        alg: guarded(partial(_first_call_child, name, modules, alg, budget, timeout))
        for alg in families
    }
    entry["import"] = guarded(
        partial(cost_probe.import_cost, sys.executable, modules, samples, timeout)
    )
    also = [*adapter.distributions, adapter.backend]
    entry["installed"] = guarded(partial(cost_probe.installed, cls.library, also))
    return entry


def _first_call_child(
    name: str, modules: list[str], alg: str, budget: float, timeout: float
) -> dict[str, Any]:
    command = [sys.executable, "-m", "jwtbench.measure.cost", name, "--first-call", alg]
    command += ["--modules", ",".join(modules), "--budget", str(budget)]
    done = cost_probe._run(command, timeout, f"first call {alg}")
    entry = _last_json(done.stdout)
    if entry.get("error"):
        raise cost_probe.ProbeError(str(entry["error"]))
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jwtbench.measure.cost")
    parser.add_argument("adapter")
    parser.add_argument("--samples", type=int, default=SETTINGS["quick"].samples)
    parser.add_argument("--budget", type=float, default=SETTINGS["quick"].budget)
    parser.add_argument("--timeout", type=float, default=SETTINGS["quick"].timeout)
    parser.add_argument("--first-call", metavar="ALG", help="(internal) one cold-key child")
    parser.add_argument("--modules", help="(internal) the library's modules, imported first")
    args = parser.parse_args(argv)
    if args.first_call:
        modules = (args.modules or args.adapter).split(",")
        out = guarded(
            lambda: cost_probe.first_call(args.adapter, modules, args.first_call, args.budget)
        )
    else:
        out = probe(args.adapter, args.samples, args.budget, args.timeout)
    print(f"\n{MARKER}{json.dumps(out)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
