"""``jwtbench cost``: measure only the cost beyond the hot path, per library.

Import time, the first call with a cold key, key preparation, peak memory per
operation and installed size (``jwtbench.measure.cost``), each library in its own
child interpreter (``--python``: one of another virtualenv). Prints the ``cost``
object as JSON, or writes it (``--output``), or adds it to a results file
(``--add-to``, whose report then shows it). Every option is checked before
anything is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
from pathlib import Path

from jwtbench.adapters import ADAPTERS
from jwtbench.measure.cost import SETTINGS, add_to_results, cost_targets, measure_cost
from jwtbench.measure.runner import interruptible
from jwtbench.model.errors import UsageError
from jwtbench.model.results import load_results, write_atomic


def _adapters(text: str | None) -> list[str]:
    names = [n.strip() for n in (text or "").split(",") if n.strip()] if text else list(ADAPTERS)
    if not names:
        raise UsageError("--adapters names nothing")
    unknown = [n for n in names if n not in ADAPTERS]
    if unknown:
        raise UsageError(f"unknown adapter {unknown[0]!r}; known: {', '.join(ADAPTERS)}")
    targets = cost_targets(names)
    if not targets:
        raise UsageError(
            f"{', '.join(names)}: no adapter that makes tokens (the limit has no cost)"
        )
    return targets


def _python(text: str | None) -> str:
    if not text:
        return sys.executable
    found = shutil.which(text)
    if found is None or not os.access(found, os.X_OK):
        raise UsageError(f"--python {text}: no such executable")
    return found


def cmd_cost(args: argparse.Namespace) -> int:
    """Measure the cost of the selected adapters; print, write or add the ``cost`` object."""
    names, python = _adapters(args.adapters), _python(args.python)
    if args.output and args.add_to:
        raise UsageError("give --output or --add-to, not both")
    output = Path(args.output) if args.output else None
    if output is not None and (output.is_dir() or not output.parent.is_dir()):
        raise UsageError(f"--output {output}: give a file path in an existing folder")
    target = Path(args.add_to) if args.add_to else None
    if target is not None:
        load_results(target)  # a file jwtbench cannot read is refused before measuring
    echo = (lambda line: print(line, file=sys.stderr, flush=True)) if args.verbose else None
    with interruptible() as stop:
        cost = measure_cost(
            names, python=python, settings=SETTINGS[args.profile], echo=echo, interrupts=stop
        )
    if target is not None:
        add_to_results(target, cost)
        print(f"cost added to {target}")
    elif output is not None:
        write_atomic(output, cost)
        print(f"cost: {output}")
    else:
        print(json.dumps(cost, indent=1))
    if not cost["interrupted"]:
        return 0
    return 128 + (stop.signum or signal.SIGINT)  # 143 for SIGTERM, 130 for Ctrl-C


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench cost``."""
    cost = verbs.add_parser(
        "cost",
        help="measure import time, cold-key first call, key preparation, memory, size",
        description="Measure each library's cost beyond the hot path, one child interpreter "
        "per library: import time (fresh interpreters, median, heaviest modules from -X "
        "importtime), the first call with a cold key against a warm one, key preparation "
        "from PEM and JWK, tracemalloc's peak per sign/verify and the installed size. "
        "Prints the JSON (or --output FILE, or --add-to a results file).",
    )
    cost.add_argument("--adapters", help=f"comma-separated, from: {', '.join(ADAPTERS)}")
    cost.add_argument(
        "--profile",
        choices=sorted(SETTINGS),
        default="quick",
        help="; ".join(
            f"{name}: {s.samples} import samples, {s.budget:g} s of warm calls per figure"
            for name, s in SETTINGS.items()
        )
        + " (default: quick)",
    )
    cost.add_argument(
        "--python", help="the interpreter to measure in (default: this one); it needs jwtbench"
    )
    cost.add_argument("--output", help="write the cost JSON to this file")
    cost.add_argument("--add-to", metavar="RESULTS", help="add it to this results file")
    cost.add_argument("-v", "--verbose", action="store_true", help="one line per library")
    cost.set_defaults(func=cmd_cost)
