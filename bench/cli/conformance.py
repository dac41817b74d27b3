"""``jwtbench conformance``: the attack matrix and the RFC examples, every case sandboxed.

Writes the versioned JSON (``--output``, default ``results/conformance.json``),
a Markdown report beside it (same stem, ``.md``) and one heatmap per decode
call (``<stem>-<call>.png``). Names are checked before anything runs; an
interrupt keeps (and writes) what was measured.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable
from pathlib import Path

from jwtbench.adapters import ADAPTERS
from jwtbench.measure.conformance import catalogue, vectors
from jwtbench.measure.conformance.cases import Case
from jwtbench.measure.conformance.results import write
from jwtbench.measure.conformance.run import run_conformance
from jwtbench.measure.conformance.sandbox import Limits
from jwtbench.model.errors import UsageError
from jwtbench.present.charts.conformance import conformance_charts
from jwtbench.present.md_conformance import render

DEFAULT_OUTPUT = Path("results/conformance.json")


def default_adapters() -> list[str]:
    """Every registered adapter that makes tokens (not the limit): unavailable ones are reported."""
    return [name for name, cls in ADAPTERS.items() if cls.makes_tokens]


def _check(args: argparse.Namespace) -> tuple[list[str], list[Case]]:
    adapters = args.adapters or default_adapters()
    unknown = [n for n in adapters if n not in ADAPTERS]
    if unknown:
        raise UsageError(f"unknown adapter {', '.join(unknown)}; known: {', '.join(ADAPTERS)}")
    known = catalogue.known_names()
    bad = [n for n in args.cases or [] if n not in known]
    if bad:
        raise UsageError(f"unknown case {', '.join(bad)}; known: {', '.join(known)}")
    if args.timeout <= 0 or args.memory_mb <= 0:
        raise UsageError("--timeout and --memory-mb must be positive")
    return adapters, catalogue.select(args.cases)


def own_envs(adapters: list[str], echo: Callable[[str], None]) -> dict[str, str]:
    """An interpreter for each library whose module another distribution owns here.

    PyPI ``jwt`` and PyJWT both install module ``jwt``: such a library gets the
    cached env ``jwtbench run --isolate`` builds for it (jwtbench ``--no-deps``,
    its measuring requirements, that one library), and its cases run there.
    """
    from jwtbench.adapters.owners import foreign_owner, owners
    from jwtbench.envs.env import default_env_root, harness, pick_installer
    from jwtbench.measure.isolate import build_env, isolated_harness
    from jwtbench.measure.members import Member, default_spec

    needs = [
        name
        for name in adapters
        if ADAPTERS[name].decode_calls
        and owners(ADAPTERS[name].module)
        and foreign_owner(ADAPTERS[name].module, ADAPTERS[name].library)
    ]
    if not needs:
        return {}
    installer, source = pick_installer("auto"), isolated_harness(harness())
    found: dict[str, str] = {}
    for name in needs:
        env, record = build_env(
            Member(name, default_spec(name)), default_env_root(), installer, source, echo
        )
        if env is None:
            echo(f"{name}: its own env could not be built: {str(record.get('error'))[:300]}")
        else:
            found[name] = str(env.python)
            echo(f"{name}: in its own env ({record['seconds']} s): {env.python}")
    return found


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_conformance(args: argparse.Namespace) -> int:
    """Run the matrix, write JSON + Markdown + heatmaps; 130 when interrupted."""
    adapters, cases = _check(args)
    examples = [] if args.no_examples else vectors.select(None)
    limits = Limits(timeout=args.timeout, memory=args.memory_mb << 20)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM keeps what ran, as SIGINT
    try:
        run = run_conformance(
            adapters,
            cases,
            examples,
            python=args.python,
            pythons={} if args.python else own_envs(adapters, print),
            limits=limits,
            progress=lambda line: print(line, flush=True),
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    output: Path = args.output
    write(output, run)
    charts = conformance_charts(run, output.parent, output.stem)
    report = output.with_suffix(".md")
    report.write_text(render(run, charts, output.parent), encoding="utf-8")
    print(f"wrote {output}, {report} and {len(charts)} heatmaps in {run.wall_seconds:.1f} s")
    return 128 + signal.SIGINT if run.interrupted else 0


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench conformance``."""
    parser = verbs.add_parser(
        "conformance",
        help="attack matrix and RFC examples per library (sandboxed)",
        description="Run every attack case through every library's default, validate and "
        "hardened decode calls, each case in a forked sandbox with time and address-space "
        "limits and the network blocked, plus the RFC 7515/7516/7520/8037 examples; write "
        "a versioned JSON file, a Markdown report and heatmaps.",
    )
    parser.add_argument("--adapters", nargs="+", metavar="NAME", help="default: all")
    parser.add_argument("--cases", nargs="+", metavar="CASE", help="ids or id/variant; default all")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON file to write")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per case (wall)")
    parser.add_argument("--memory-mb", type=int, default=768, help="address space per case, MiB")
    parser.add_argument("--python", help="interpreter for the sandbox (jwtbench installed)")
    parser.add_argument("--no-examples", action="store_true", help="skip the RFC examples")
    parser.set_defaults(func=cmd_conformance)
