"""How ``golden_paired.json`` was made: ``golden_quick.json`` plus the paired fields. SYNTHETIC.

    cd tests/data && python make_golden_paired.py golden_quick.json golden_paired.json

The paired fields are the contract of a ``jwtbench run`` that times a group's
members (cells differing only by adapter) interleaved in bursts; this file was
NOT made by such a run, it is built from a run that timed each cell alone:

* every row's raw rounds (mostly 20) are cut into lockstep rounds of two
  bursts of one round each (ABC CBA; an odd count's last round has three),
  recorded as ``extra_info.lockstep`` ``[[pair id, [1, 1]], ...]``, pair ids
  shared by the group's members;
* ``extra_info.over_floor`` / ``over_limit`` = ``{"ratio", "ci95", "rounds"}``
  are computed honestly from those numbers: per lockstep round, the member's
  median / the floor's (limit's) median of that round; the ratio is the median
  of those, the interval a percentile bootstrap of that median (fixed seed);
* ``limit`` rows (the bare primitive, prepared keys, sign and verify) are added
  for ``LIMIT_ALGS``: their rounds are the floor's rounds times a plausible
  crypto share (``CRYPTO_SHARE``) with a little seeded jitter, so x over limit
  reads as it would on this machine. They are invented numbers, not measured.

Rows and stats of ``golden_quick.json`` are otherwise unchanged.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from make_golden import dumps, trimmed_stats

LIMIT = "limit"
FLOOR = "floor"
LIMIT_ALGS = ("HS256", "RS256", "ES256")
#: Share of the floor's time that is the bare primitive (synthetic, plausible for this VM).
CRYPTO_SHARE = {
    ("HS256", "sign"): 0.30,
    ("HS256", "verify"): 0.26,
    ("RS256", "sign"): 0.97,
    ("RS256", "verify"): 0.58,
    ("ES256", "sign"): 0.83,
    ("ES256", "verify"): 0.90,
}
LIMIT_INFO = {
    "name": LIMIT,
    "library": "cryptography",
    "version": "50.0.2",
    "backend": "cryptography",
    "label": "limit (bare primitive)",
    "colour": "#444444",
    "notes": "no JOSE library: the bare primitive on the signing input (not a choice)",
    "available": True,
}
SEED = 9
N_BOOT = 2000


def group_of(params: dict[str, str]) -> tuple[str, ...]:
    return tuple(v for k, v in sorted(params.items()) if k != "adapter")


def bursts(count: int) -> list[list[int]]:
    """Burst sizes per lockstep round: two bursts of one raw round (an odd last round: three)."""
    rounds = [[1, 1] for _ in range(max(1, count // 2))]
    rounds[-1] += [1] * (count - 2 * len(rounds))
    return rounds


def round_medians(data: list[float]) -> list[float]:
    """The median of each lockstep round's raw rounds."""
    out, start = [], 0
    for sizes in bursts(len(data)):
        out.append(statistics.median(data[start : start + sum(sizes)]))
        start += sum(sizes)
    return out


def paired(mine: list[float], ref: list[float], rng: random.Random) -> dict[str, Any]:
    """Median per-round ratio over the rounds both took part in, its 95% bootstrap interval."""
    ratios = [a / b for a, b in zip(round_medians(mine), round_medians(ref), strict=False)]
    boot = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(N_BOOT))
    low, high = boot[int(0.025 * N_BOOT)], boot[int(0.975 * N_BOOT) - 1]
    ratio = round(statistics.median(ratios), 4)
    return {"ratio": ratio, "ci95": [round(low, 4), round(high, 4)], "rounds": len(ratios)}


def limit_bench(floor: dict[str, Any], share: float, rng: random.Random) -> dict[str, Any]:
    params = {**floor["params"], "adapter": LIMIT}
    data = [v * share * rng.uniform(0.97, 1.03) for v in floor["stats"]["data"]]
    param = "-".join(params[k] for k in ("adapter", "alg", "op", "key_mode", "payload"))
    extra = {"library": "cryptography", "library_version": "50.0.2", "backend": "cryptography"}
    stats = trimmed_stats({"data": data, "iterations": floor["stats"].get("iterations", 1)})
    return {
        **floor,
        "name": f"test_jws[{param}]",
        "fullname": f"bench/benchmarks/bench_jws.py::test_jws[{param}]",
        "params": params,
        "param": param,
        "extra_info": extra,
        "stats": stats,
    }


def add_paired(raw: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(SEED)
    benches = [json.loads(json.dumps(b)) for b in raw["benchmarks"]]
    floors = {group_of(b["params"]): b for b in benches if b["params"]["adapter"] == FLOOR}
    for b in list(floors.values()):
        p = b["params"]
        share = CRYPTO_SHARE.get((p["alg"], p["op"]))
        if share and p["alg"] in LIMIT_ALGS and p["key_mode"] == "prepared":
            benches.append(limit_bench(b, share, rng))
    limits = {group_of(b["params"]): b for b in benches if b["params"]["adapter"] == LIMIT}
    for b in benches:
        group, info = group_of(b["params"]), b["extra_info"]
        pair = "-".join(group)
        data = b["stats"]["data"]
        info["lockstep"] = [[f"{pair}#{k + 1}", sizes] for k, sizes in enumerate(bursts(len(data)))]
        if b["params"]["adapter"] not in (FLOOR, LIMIT) and group in floors:
            info["over_floor"] = paired(data, floors[group]["stats"]["data"], rng)
        if b["params"]["adapter"] != LIMIT and group in limits:
            info["over_limit"] = paired(data, limits[group]["stats"]["data"], rng)
    meta = json.loads(json.dumps(raw["jwtbench"]))
    meta["adapters"][LIMIT] = LIMIT_INFO
    meta["cells"] += [
        {"params": b["params"], "status": "ok", "reason": ""}
        for b in benches
        if b["params"]["adapter"] == LIMIT
    ]
    meta["label"] = "quick, paired (synthetic)"
    return {**raw, "benchmarks": benches, "jwtbench": meta}


def main(source: str, target: str) -> None:
    raw = json.loads(Path(source).read_text(encoding="utf-8"))
    text = dumps(add_paired(raw))
    Path(target).write_text(text, encoding="utf-8")
    print(f"{target}: {len(text):,} bytes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
