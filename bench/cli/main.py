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
    "merge",
    "calibrate",
    "cost",
    "conformance",
)
AddParser = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def verb_registrar(verb: str) -> AddParser:
    """``add_parser`` of the verb's module ``jwtbench.cli.<verb>`` (the CLI finds verbs)."""
    registrar: AddParser = importlib.import_module(f"jwtbench.cli.{verb}").add_parser
    return registrar


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every verb, or of ``only`` (one known verb: the rest are not imported).

    A ``jwtbench run`` child of a grouped run starts many times per run; registering
    only its verb spares it every other verb's imports (scipy for compare, ~1 s here).
    """
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
    for verb in [only] if only in VERBS else VERBS:
        verb_registrar(verb)(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(given[0] if given else None)
    args = parser.parse_args(given)
    try:
        code: int = args.func(args)
    except UserError as exc:
        print(f"jwtbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jwtbench: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    return code


if __name__ == "__main__":
    sys.exit(main())
