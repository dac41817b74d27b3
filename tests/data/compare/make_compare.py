"""How ``base.json`` and ``head.json`` were made from ``../golden_quick.json``.

    python tests/data/compare/make_compare.py

``base.json`` is the golden quick run (75 timed cells, <= 20 raw rounds each).
``head.json`` is the same run with exactly three differences, which
``tests/test_compare.py`` expects ``jwtbench compare`` to find:

* ``SLOWER``: every raw round multiplied by 1.3 (stats recomputed), a cell
  with little noise (CV ~5%), so the regression is clear after Holm's
  adjustment over every cell;
* ``BIGGER``: ``token_bytes`` grown by 16 (timings untouched);
* ``REMOVED``: the timed row and the matrix cell dropped (only in base).

Its label and timestamps are moved on by an hour; provenance is unchanged.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from jwtbench.measure.merge import stats_from_rounds

HERE = Path(__file__).parent
GOLDEN = HERE.parent / "golden_quick.json"


def jws(adapter: str, alg: str, op: str, key_mode: str) -> dict[str, str]:
    return {"adapter": adapter, "alg": alg, "op": op, "key_mode": key_mode, "payload": "small"}


SLOWER = jws("pyjwt", "RS256", "sign", "prepared")
BIGGER = jws("jwcrypto", "HS256", "sign", "prepared")
REMOVED = jws("python-jose", "ES256", "verify", "raw")
FACTOR = 1.3
GROWTH = 16
#: Round times to 0.1 ns, as the golden file does.
DIGITS = 10


def _dumps(raw: dict[str, Any]) -> str:
    """The golden file's layout (small objects and raw rounds on one line each)."""
    spec = importlib.util.spec_from_file_location("make_golden", HERE.parent / "make_golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.dumps(raw)
    return text


def make_head(base: dict[str, Any]) -> dict[str, Any]:
    head: dict[str, Any] = json.loads(json.dumps(base))
    benches = []
    for bench in head["benchmarks"]:
        if bench["params"] == REMOVED:
            continue
        if bench["params"] == SLOWER:
            data = [round(v * FACTOR, DIGITS) for v in bench["stats"]["data"]]
            bench["stats"] = stats_from_rounds(data, bench["stats"].get("iterations", 1))
        if bench["params"] == BIGGER:
            bench["extra_info"]["token_bytes"] += GROWTH
        benches.append(bench)
    head["benchmarks"] = benches
    meta = head["jwtbench"]
    meta["cells"] = [c for c in meta["cells"] if c["params"] != REMOVED]
    meta["label"] = "head"
    meta["started"] = meta["started"].replace("T03:", "T04:")
    meta["finished"] = meta["finished"].replace("T03:", "T04:")
    return head


def main() -> None:
    base = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for name, raw in (("base.json", base), ("head.json", make_head(base))):
        text = _dumps(raw)
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"{HERE / name}: {len(text):,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
