"""One member of a grouped run: ``python -m jwtbench.measure.member``.

``jwtbench.measure.groups`` starts one of these per adapter under the
lockstep coordinator. It is ``jwtbench.measure.runner.run`` with the options
``groups.child_command`` gives (no report, no interop grid) and the CLI's
exit codes (0, 2 for a usage error, 128 + signal when interrupted).

Why not ``jwtbench run``: the CLI builds its whole parser, importing every
verb (``compare`` brings scipy), ~3 s of CPU per child; a quick run starts a
dozen children one after the other on one CPU, so that was ~35 s of a
3-minute budget spent importing code a member never calls.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jwtbench.measure.matrix import PROFILES
from jwtbench.measure.runner import LineProgress, run
from jwtbench.model.errors import UserError
from jwtbench.model.selection import FIELDS, Selection


def parser() -> argparse.ArgumentParser:
    """The options ``groups.child_command`` passes (a subset of ``jwtbench run``'s)."""
    parse = argparse.ArgumentParser(prog="python -m jwtbench.measure.member")
    parse.add_argument("--output", required=True)
    parse.add_argument("--profile", choices=sorted(PROFILES), required=True)
    parse.add_argument("--label", required=True)
    parse.add_argument("--inject-slowdown", metavar="ADAPTER=FACTOR")
    parse.add_argument("--machine-info", help="pytest-benchmark's machine info (JSON file)")
    for name in FIELDS:
        parse.add_argument(f"--{name.replace('_', '-')}")
    parse.add_argument("--shard", help="K/N: the parent's slice of the matrix")
    return parse


def main(argv: Sequence[str] | None = None) -> int:
    """Run this member's cells; the exit code ``jwtbench run`` would give."""
    args = parser().parse_args(argv)
    try:
        selection = Selection.parse({name: getattr(args, name) for name in [*FIELDS, "shard"]})
        slowdown = None
        if args.inject_slowdown:
            name, _, factor = args.inject_slowdown.partition("=")
            slowdown = (name, float(factor))  # checked by the parent's CLI already
        outcome = run(
            args.profile,
            selection,
            label=args.label,
            output=Path(args.output),
            progress=LineProgress(lambda line: print(line, flush=True)),
            interop=False,
            slowdown=slowdown,
            machine_info=_machine_info(args.machine_info),
        )
    except UserError as exc:
        print(f"jwtbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside the runner's armed region: nothing to keep
        print("jwtbench: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    if outcome.interrupted:
        return 128 + (outcome.signum or signal.SIGINT)
    return 0


def _machine_info(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    info: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return info


if __name__ == "__main__":  # pragma: no cover - run as a child process
    sys.exit(main())
