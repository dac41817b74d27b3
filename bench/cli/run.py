"""``jwtbench run``: measure the matrix, save the results file, draw its report.

A thin layer over ``jwtbench.measure.runner.run``: it turns options into a
``Selection``, refuses conflicting options and unusable paths before anything
is measured, shows progress (a rich bar on a terminal, per-pass lines
elsewhere) and maps an interrupted run to the signal's exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwtbench.adapters import ADAPTERS
from jwtbench.adapters.keys import PAYLOADS
from jwtbench.cli.report import report_dir_for, write_report_for
from jwtbench.measure import timers
from jwtbench.measure.cost import gather_after_run
from jwtbench.measure.instructions import valgrind
from jwtbench.measure.isolate import IsolatedRun, run_isolated
from jwtbench.measure.matrix import PROFILES
from jwtbench.measure.members import needs_isolation
from jwtbench.measure.runner import LineProgress, Progress, RunOutcome, run
from jwtbench.measure.waves import run_waves
from jwtbench.model.cell import ALL_OPS, KEY_MODES
from jwtbench.model.errors import UsageError
from jwtbench.model.selection import FIELDS, Selection

DESCRIPTION = (
    "Measure the selected matrix (adapters x algorithms x ops x key modes x payloads) "
    "with pytest-benchmark, after a correctness gate per cell; the cells that differ "
    "only by adapter are timed together in ~5 ms bursts taking turns on one CPU, so "
    "every ratio between libraries is paired (--no-groups: short passes instead). "
    "Writes one results file under ./results/<machine-id>/ (see --results-dir, "
    "--output) and, beside it, charts and a Markdown report. Ctrl-C or SIGTERM stops "
    "at the current cell and still writes the file (marked interrupted)."
)


@dataclass
class RichProgress:
    """A rich progress bar over cells x passes, with lines printed above it."""

    verbose: bool = False
    _bar: Any = field(default=None, init=False)
    _task: Any = field(default=None, init=False)

    def begin(self, header: str, steps: int) -> None:
        # rich only here: the measuring room prints plain lines and needs no terminal library
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        # the real stdout, fixed now: pytest captures sys.stdout while a cell runs
        console = Console(file=sys.stdout)
        console.print(header, highlight=False)
        self._bar = Progress(
            "cells",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            auto_refresh=False,  # redrawn per cell, from the measuring thread only
            transient=True,
        )
        self._task = self._bar.add_task("cells", total=steps)
        self._bar.start()

    def cell(self, line: str, what: str = "") -> None:
        if self.verbose:
            self._bar.console.print(line, highlight=False)
        self._bar.update(self._task, advance=1)
        self._bar.refresh()

    def note(self, line: str) -> None:
        if self._bar is None:
            print(line, flush=True)
        else:
            self._bar.console.print(line, highlight=False)

    def end(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def progress_for(verbose: bool) -> Progress:
    """A bar on a terminal; plain, flushed lines otherwise (CI logs, pipes, tests)."""
    if sys.stdout.isatty():
        return RichProgress(verbose)
    return LineProgress(lambda line: print(line, flush=True), verbose)


def profile_of(args: argparse.Namespace) -> str:
    """``--quick`` is ``--profile quick``; with another ``--profile`` it is a conflict."""
    if args.quick and args.profile not in (None, "quick"):
        raise UsageError(f"--quick conflicts with --profile {args.profile}; give one of them")
    return "quick" if args.quick else args.profile or "quick"


def grouped(args: argparse.Namespace) -> bool:
    """Groups timed together, unless asked for passes or already a lockstep member."""
    if getattr(args, "timer", None) == "instructions":
        return False  # counts need no pairing: one pass, one valgrind process per adapter
    return not (args.no_groups or args.passes is not None or timers.current().name == "lockstep")


def timer_for(args: argparse.Namespace) -> contextlib.AbstractContextManager[timers.Timer]:
    """``--timer instructions``: counts under valgrind (refused now if it is missing).

    There ``--inject-slowdown ADAPTER=FACTOR`` is deterministic extra work (a
    fixed loop costing FACTOR of each call's own count), not a busy wait.
    """
    if getattr(args, "timer", None) != "instructions":
        return contextlib.nullcontext(timers.current())
    valgrind()  # one line with how to install it, exit 2, before anything is measured
    slowed = _slowdown(args.inject_slowdown)
    return timers.using(timers.InstructionsTimer(inject=dict([slowed]) if slowed else None))


def cmd_run(args: argparse.Namespace) -> int:
    """Measure the matrix, save the results file, then draw its report."""
    profile = profile_of(args)
    if args.passes is not None and args.passes < 1:
        raise UsageError(f"--passes must be at least 1, got {args.passes}")
    if args.processes is not None and args.processes < 1:
        raise UsageError(f"--processes must be at least 1, got {args.processes}")
    if args.visits is not None and args.visits < 1:
        raise UsageError(f"--visits must be at least 1, got {args.visits}")
    selection = Selection.parse({name: getattr(args, name) for name in [*FIELDS, "shard"]})
    output = Path(args.output) if args.output else None
    if output is not None and not args.no_report and report_dir_for(output).is_file():
        raise UsageError(f"the report folder {report_dir_for(output)} is a file; use --no-report")
    common: dict[str, Any] = {
        "label": args.label,
        "results_dir": Path(args.results_dir),
        "output": output,
        "progress": progress_for(args.verbose),
        "interop": not args.no_interop,
        "slowdown": None if args.timer == "instructions" else _slowdown(args.inject_slowdown),
    }
    isolate = args.isolate or needs_isolation(selection, args.lib)
    if isolate and not grouped(args):
        raise UsageError("--isolate / --lib time groups across envs: drop --no-groups / --passes")
    spread = [o for o, v in (("--processes", args.processes), ("--visits", args.visits)) if v]
    if spread and (isolate or not grouped(args)):
        why = "--isolate / --lib" if isolate else "--no-groups / --passes / --timer instructions"
        raise UsageError(f"{' and '.join(spread)} shape a grouped run in this env, not {why}")
    if isolate:
        ask = IsolatedRun(profile, selection, tuple(args.lib), args.isolate, **_env_options(args))
        outcome = run_isolated(dataclasses.replace(ask, **common))
    elif grouped(args):
        outcome = run_waves(
            profile, selection, processes=args.processes, visits=args.visits, **common
        )
    else:
        with timer_for(args):
            outcome = run(profile, selection, passes=args.passes, **common)
    print(f"results: {outcome.path}")
    _warn_if_noisy(outcome.path)
    if outcome.interrupted:
        return _interrupted(outcome)
    if not (args.no_cost or timers.current().name == "lockstep"):  # not in a group's child
        gather_after_run(outcome.path, profile)
    if not args.no_report:
        print(f"report:  {write_report_for(outcome.path)}")
    broken = outcome.counts.get("invalid", 0) + outcome.counts.get("error", 0)
    return 1 if broken and args.strict else 0


def _env_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "env_root": Path(args.env_root) if args.env_root else None,
        "installer": args.installer,
    }


def _warn_if_noisy(path: Path) -> None:
    """One line on stderr when the machine was noisy during the run (the report says more)."""
    from jwtbench.analysis.pairing import NOISY_SCATTER
    from jwtbench.analysis.views import run_scatter
    from jwtbench.model.results import load_results

    found = run_scatter(load_results(path))
    if found is not None and found[0] > NOISY_SCATTER:
        print(
            f"jwtbench: note: the machine was noisy during this run: per-burst ratios to the "
            f"floor scattered by {found[0]:.1%} (calm: under {NOISY_SCATTER:.1%}); its ratios "
            "can be several percent off a calm run's (the report's Run summary says more)",
            file=sys.stderr,
        )


def _interrupted(outcome: RunOutcome) -> int:
    """One line on stderr; exit 128 + the signal (143 for SIGTERM, 130 for Ctrl-C)."""
    signum = outcome.signum or signal.SIGINT
    name = signal.Signals(signum).name
    print(
        f"jwtbench: interrupted by {name}: results so far kept in {outcome.path} "
        f"(cells not reached are 'not run'; no report drawn: jwtbench report "
        f"{outcome.path})",
        file=sys.stderr,
    )
    return 128 + signum


def _slowdown(value: str | None) -> tuple[str, float] | None:
    """``ADAPTER=FACTOR`` of ``--inject-slowdown``, checked."""
    if not value:
        return None
    name, _, factor = value.partition("=")
    if name not in ADAPTERS:
        raise UsageError(f"--inject-slowdown: unknown adapter {name!r}")
    try:
        amount = float(factor)
    except ValueError:
        raise UsageError(f"--inject-slowdown wants ADAPTER=FACTOR, got {value!r}") from None
    if not amount >= 0:
        raise UsageError(f"--inject-slowdown: FACTOR must be >= 0, got {factor!r}")
    return name, amount


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench run``."""
    run_ = verbs.add_parser(
        "run",
        help="measure the matrix and write results, charts, report",
        description=DESCRIPTION,
    )
    run_.add_argument("--quick", action="store_true", help="the quick profile (the default)")
    run_.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="; ".join(f"{p.name}: {p.description}" for p in PROFILES.values())
        + " (default: quick)",
    )
    _add_selection(run_)
    run_.add_argument(
        "--passes",
        type=int,
        help="time in passes (implies --no-groups): passes over the matrix, each timing "
        "every cell briefly (the profile's default: 5); the spread between passes is what "
        "compare judges a change against",
    )
    run_.add_argument(
        "--no-groups",
        action="store_true",
        help="time each cell alone in passes (in this process) instead of timing the cells "
        "that differ only by adapter together, burst by burst, one child process per "
        "adapter (the default: ratios between libraries are then paired)",
    )
    run_.add_argument(
        "--processes",
        type=int,
        help="sets of fresh processes a grouped run splits each cell's bursts between "
        "(default: 3 for a selection of at most 150 runnable cells, else the profile's, 1): "
        "a process carries its own speed offset "
        "(memory layout, hash seed), which pairing cannot cancel; several sets average it "
        "and widen the interval by as much as they disagree",
    )
    run_.add_argument(
        "--visits",
        type=int,
        help="passes each set of processes makes over the cells, a share of each cell's "
        "bursts per pass (default: the profile's): a cell's bursts then sample the "
        "machine at that many moments, seconds apart, instead of once",
    )
    run_.add_argument(
        "--timer",
        choices=("wall-clock", "instructions"),
        default="wall-clock",
        help="instructions: count each cell's instructions per op under valgrind "
        "(deterministic, for CI gates; one pass, no groups) instead of timing it",
    )
    run_.add_argument("--no-interop", action="store_true", help="skip the producer x consumer grid")
    _add_isolation(run_)
    run_.add_argument(
        "--no-cost",
        action="store_true",
        help="skip the cost beyond the hot path measured after timing (import time, first "
        "call with a cold key, key preparation, memory per operation, installed size: a few "
        "seconds per library; jwtbench cost measures it alone)",
    )
    run_.add_argument(
        "--inject-slowdown",
        metavar="ADAPTER=FACTOR",
        help="calibration only (jwtbench calibrate): make ADAPTER's sign/verify exactly "
        "1+FACTOR times as slow; recorded in the results file",
    )
    run_.add_argument("--label", help="name part of the results file (default: the profile)")
    run_.add_argument(
        "--results-dir",
        default="results",
        help="folder for results files, as DIR/<machine-id>/<time>_<label>.json "
        "(default: ./results)",
    )
    run_.add_argument("--output", help="exact results file path (overrides --results-dir)")
    run_.add_argument("--no-report", action="store_true", help="skip charts and report")
    run_.add_argument(
        "--strict", action="store_true", help="exit 1 if any cell is invalid or errored"
    )
    run_.add_argument(
        "-v", "--verbose", action="store_true", help="one line per cell and pass, with its ops/s"
    )
    run_.set_defaults(func=cmd_run)


def _add_isolation(parser: argparse.ArgumentParser) -> None:
    """``--isolate``, ``--lib``, ``--shard`` and where envs live (jwtbench.measure.isolate)."""
    parser.add_argument(
        "--isolate",
        action="store_true",
        help="measure every library in its own cached virtualenv (uv, else venv + pip) "
        "holding jwtbench and that library only; groups stay paired across envs. "
        "Automatic (for the adapters that need it) with --lib or when --adapters names "
        "two that install the same module (pyjwt, jwt)",
    )
    parser.add_argument(
        "--lib",
        action="append",
        default=[],
        metavar="SPEC",
        help="also measure this requirement in its own env, as column ADAPTER@VERSION "
        "(repeatable: --lib pyjwt==2.8.0 --lib pyjwt==2.15.1); without --adapters the "
        "other columns are the floor and the limit",
    )
    parser.add_argument(
        "--env-root", help="where envs are cached (default: ~/.cache/jwtbench/envs)"
    )
    parser.add_argument(
        "--installer", choices=("auto", "uv", "pip"), default="auto", help="env builder"
    )
    parser.add_argument(
        "--shard",
        metavar="K/N",
        help="run only shard K of N: a deterministic slice of the matrix keeping each group "
        "(cells differing only by adapter) whole; jwtbench merge joins the N files",
    )


def _add_selection(parser: argparse.ArgumentParser) -> None:
    """``--adapters ... --payloads``: each narrows one dimension (default: all of it)."""
    known = {
        "adapters": ", ".join(ADAPTERS),
        "algs": "JWS and/or JWE algorithms (jwtbench list shows them)",
        "encs": "JWE content encryptions, e.g. A256GCM",
        "ops": ", ".join(ALL_OPS),
        "key_modes": ", ".join(KEY_MODES),
        "payloads": ", ".join(PAYLOADS),
    }
    for name in FIELDS:
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            help=f"comma-separated, from: {known[name]} (default: all)",
        )
