"""``jwtbench`` command line: the parser, ``--version``, dispatch and error handling.

Every verb lives in its own module ``jwtbench.cli.<verb>`` exposing
``add_parser(verbs)``, which registers the sub-command and sets
``func=cmd_<verb>``; ``cmd_<verb>(args) -> int`` is a plain function tests call.
Errors the user can fix (an unknown algorithm, an unreadable results file) are
``UserError``\\ s, printed here as one line, exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Callable, Sequence

import jwtbench
from jwtbench.model.errors import UserError

#: Every verb, in the order ``jwtbench --help`` lists them.
VERBS: tuple[str, ...] = (
    "run",
    "report",
    "list",
    "selfcheck",
    "compare",
    "ab",
    "history",
    "export",
    "calibrate",
)
#: Verbs whose ``jwtbench.cli.<verb>`` module is not written yet: the module
#: that registers them today. Drop an entry once its ``cli`` module exists.
LEGACY: dict[str, str] = {
    "compare": "jwtbench.analysis.compare",
    "history": "jwtbench.analysis.history",
    "export": "jwtbench.present.export",
}

AddParser = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def verb_registrar(verb: str) -> AddParser:
    """``add_parser`` of ``jwtbench.cli.<verb>`` (or of the verb's legacy home)."""
    name = f"jwtbench.cli.{verb}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise  # the verb's module exists but one of its imports is missing
        if verb == "selfcheck":
            return _add_selfcheck_parser
        module = importlib.import_module(LEGACY[verb])
    registrar: AddParser = module.add_parser
    return registrar


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jwtbench",
        description="Benchmark and conformance harness for Python JOSE/JWT libraries.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"jwtbench {jwtbench.__version__}",
        help="print jwtbench's version and exit",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb in VERBS:
        verb_registrar(verb)(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UserError as exc:
        print(f"jwtbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jwtbench: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    return code


# -- selfcheck: engineer C moves it to jwtbench/cli/selfcheck.py --------------------


def cmd_selfcheck(args: argparse.Namespace) -> int:
    """Harness overhead: pyjwt HS256 sign through jwtbench vs a bare timeit."""
    from jwtbench.measure.selfcheck import measure

    result = measure(trials=args.trials, seconds=args.seconds)
    print(
        f"harness median {result.harness_median * 1e6:.2f} us, direct timeit "
        f"{result.direct_median * 1e6:.2f} us; median paired harness/direct = {result.ratio:.3f}"
    )
    within = abs(result.ratio - 1) <= args.tolerance
    print("within tolerance" if within else f"outside +/-{args.tolerance:.0%}")
    return 0 if within else 1


def _add_selfcheck_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = verbs.add_parser("selfcheck", help="measure the harness's own overhead")
    check.add_argument("--trials", type=int, default=9)
    check.add_argument("--seconds", type=float, default=0.5, help="timing per trial and side")
    check.add_argument("--tolerance", type=float, default=0.05)
    check.set_defaults(func=cmd_selfcheck)


if __name__ == "__main__":
    sys.exit(main())
