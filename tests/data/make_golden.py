"""How ``golden_quick.json`` was made: trim a real ``jwtbench run --quick`` results file.

    python tests/data/make_golden.py results/<machine-id>/<run>.json tests/data/golden_quick.json

Keeps a few algorithms (every adapter, op, key mode and payload of them), the
first ``ROUNDS`` raw rounds of each cell with its stats recomputed from them
(pytest-benchmark's own ``Stats``, so ``stats.median`` is the median of
``stats.data``; times are rounded to 0.1 ns, below the timer's resolution),
and the ``jwtbench`` cells of the kept algorithms. Two cells are then made to
fail on purpose, with reasons that say they are synthetic, so the report's
failure listing is exercised: one ``invalid`` (its timed row is dropped, as the
gate stops such a cell before timing) and one ``error`` (its timed row is kept,
as when the check *after* timing fails: the report must show ``error``, not the
number). Small objects and raw-round lists are written on one line each.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pytest_benchmark.stats import Stats

ALGS = ("HS256", "RS256", "ES256", "EdDSA")
ROUNDS = 20
#: Round times to 0.1 ns (below perf_counter's resolution): shorter text, same information.
DIGITS = 10
#: Stats kept exactly as computed: the median is what the report reads.
EXACT = frozenset({"median", "ops"})
INVALID = {
    "params": {
        "adapter": "jwcrypto",
        "alg": "ES256",
        "op": "verify",
        "key_mode": "raw",
        "payload": "small",
    },
    "status": "invalid",
    "reason": "GateFailure: synthetic (golden file): a token with a flipped signature byte "
    "was accepted",
}
ERROR = {
    "params": {
        "adapter": "authlib",
        "alg": "EdDSA",
        "op": "sign",
        "key_mode": "raw",
        "payload": "small",
    },
    "status": "error",
    "reason": "RuntimeError: synthetic (golden file): the library raised while signing",
}


def trimmed_stats(stats: dict[str, Any]) -> dict[str, Any]:
    data = [round(value, DIGITS) for value in stats["data"][:ROUNDS]]
    recomputed: Any = Stats()  # type: ignore[no-untyped-call]
    for value in data:
        recomputed.update(value)
    out: dict[str, Any] = {
        name: round(value, DIGITS) if isinstance(value, float) and name not in EXACT else value
        for name, value in recomputed.as_dict().items()
    }
    out["ops"] = round(out["ops"], 3)
    out["iterations"] = stats.get("iterations", 1)
    out["data"] = data
    return out


def trim(raw: dict[str, Any]) -> dict[str, Any]:
    benches = []
    for bench in raw["benchmarks"]:
        if bench["params"]["alg"] not in ALGS or bench["params"] == INVALID["params"]:
            continue
        benches.append({**bench, "stats": trimmed_stats(bench["stats"])})
    meta = dict(raw["jwtbench"])
    meta["selection"] = {**meta["selection"], "algs": list(ALGS)}
    cells = []
    for cell in meta["cells"]:
        if cell["params"]["alg"] not in ALGS:
            continue
        for failed in (INVALID, ERROR):
            if cell["params"] == failed["params"]:
                cell = dict(failed)
        cells.append(cell)
    meta["cells"] = cells
    machine = dict(raw.get("machine_info", {}))
    if "cpu" in machine:  # the CPU flag list is long and nothing reads it
        machine["cpu"] = {k: v for k, v in machine["cpu"].items() if k != "flags"}
    return {**raw, "machine_info": machine, "benchmarks": benches, "jwtbench": meta}


def dumps(results: dict[str, Any]) -> str:
    """Indented JSON, with small objects and each raw-rounds list on one line."""
    inline: dict[str, str] = {}

    def mark(value: Any) -> str:
        key = f"@@{len(inline)}@@"
        inline[f'"{key}"'] = json.dumps(value)
        return key

    copy = json.loads(json.dumps(results))
    for bench in copy["benchmarks"]:
        for key in ("params", "extra_info", "options", "stats"):
            bench[key] = mark(bench[key])
    meta = copy["jwtbench"]
    meta["cells"] = [mark(cell) for cell in meta["cells"]]
    for info in meta["adapters"].values():
        for key, value in info.items():
            if isinstance(value, list):
                info[key] = mark(value)
    text = json.dumps(copy, indent=1)
    text = re.sub(r'"@@\d+@@"', lambda m: inline[m.group(0)], text)
    return text + "\n"


def main(source: str, target: str) -> None:
    raw = json.loads(Path(source).read_text(encoding="utf-8"))
    text = dumps(trim(raw))
    Path(target).write_text(text, encoding="utf-8")
    print(f"{target}: {len(text):,} bytes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
