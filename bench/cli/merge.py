"""``jwtbench merge``: join the shards of one series (``run --shard K/N``) into one file."""

from __future__ import annotations

import argparse
from pathlib import Path

from jwtbench.envs.shard import merge_shards, missing_shards
from jwtbench.model.errors import UsageError
from jwtbench.model.results import load_results, write_atomic


def cmd_merge(args: argparse.Namespace) -> int:
    """Check every shard first (one line, exit 2 on a refusal), then write the merged file."""
    output = Path(args.output)
    if output.resolve() in {Path(p).resolve() for p in args.results}:
        raise UsageError(f"--output {output} is one of the shards; give another path")
    if output.is_dir():
        raise UsageError(f"--output {output} is a folder; give a file path")
    runs = [load_results(p) for p in args.results]
    document = merge_shards(runs)
    write_atomic(output, document)
    load_results(output)  # never leave a file the loader would refuse
    missing = missing_shards(runs)
    if missing:
        print(f"note: shards {', '.join(missing)} are not among the files merged")
    print(f"merged {len(runs)} files ({len(document['jwtbench']['cells'])} cells): {output}")
    return 0


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench merge``."""
    parser = verbs.add_parser(
        "merge",
        help="join shard results (run --shard K/N) into one file",
        description=(
            "Join the results files of the shards of one series into one file. Refuses, "
            "naming the files and the field, shards from different machine types, Python "
            "versions, jwtbench versions, profiles or timers, or shards holding the same "
            "cell (the results of different machines are never mixed in one ranking)."
        ),
    )
    parser.add_argument("results", nargs="+", metavar="SHARD.json", help="shard results files")
    parser.add_argument("--output", "-o", required=True, help="the merged results file")
    parser.set_defaults(func=cmd_merge)
