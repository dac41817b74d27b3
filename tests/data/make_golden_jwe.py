"""How ``golden_jwe.json`` was made: trim a real ``jwtbench run --quick`` results file to JWE.

    python tests/data/make_golden_jwe.py results/<machine-id>/<run>.json tests/data/golden_jwe.json

Keeps, with every adapter (pyjwt's cells too, all ``unsupported``: it has no JWE):

- the plain JWE cells of a few (alg, enc) pairs (``PAIRS``: RSA1_5 for the insecure
  mark, PBES2 for its footnote and for the libraries that lack it, one CBC enc);
- the nested (sign-then-encrypt) cells of ``SIG_ALGS`` x ``NESTED_ALGS``;
- the JWS sign/verify cells of ``SIG_ALGS`` in the prepared key mode: the baselines of
  the "cost of encrypting an access token" view;
- the interop entries of those pairs and signature algorithms, one of which is made to
  fail on purpose (``SYNTHETIC``, its error says so) so the report's failure list is
  exercised.

Each timed cell keeps its first ``ROUNDS`` raw rounds (6 significant digits) and the
stats pytest-benchmark's own ``Stats`` computes from them (``stats.median`` is the
median of ``stats.data``); pytest-benchmark's per-benchmark names and options, which
nothing here reads, are left out to keep the file small.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pytest_benchmark.stats import Stats

PAIRS = (
    ("RSA-OAEP", "A256GCM"),
    ("RSA1_5", "A256GCM"),
    ("A256KW", "A256GCM"),
    ("dir", "A256GCM"),
    ("ECDH-ES", "A256GCM"),
    ("PBES2-HS256+A128KW", "A256GCM"),
    ("dir", "A128CBC-HS256"),
)
SIG_ALGS = ("HS256", "ES256", "EdDSA")
NESTED_ALGS = ("dir", "RSA-OAEP", "ECDH-ES")
ROUNDS = 10
#: Stats a report or a reader uses; the rest pytest-benchmark can recompute from ``data``.
STATS = ("min", "max", "mean", "median", "ops", "rounds", "iterations", "data")
SYNTHETIC = {
    "family": "jwe",
    "alg": "RSA-OAEP",
    "enc": "A256GCM",
    "producer": "authlib",
    "consumer": "python-jose",
}


def kept(params: dict[str, Any]) -> bool:
    """Whether a cell (by its params) is part of the golden file."""
    alg, enc, sig_alg = params["alg"], params.get("enc"), params.get("sig_alg")
    if sig_alg is not None:
        return sig_alg in SIG_ALGS and alg in NESTED_ALGS and enc == "A256GCM"
    if enc is not None:
        return (alg, enc) in PAIRS
    return alg in SIG_ALGS and params["key_mode"] == "prepared"


def kept_interop(entry: dict[str, Any]) -> bool:
    if entry["family"] == "jwe":
        return (entry["alg"], entry["enc"]) in PAIRS
    return entry["alg"] in SIG_ALGS


def trimmed_stats(stats: dict[str, Any]) -> dict[str, Any]:
    data = [float(f"{value:.6g}") for value in stats["data"][:ROUNDS]]
    recomputed: Any = Stats()  # type: ignore[no-untyped-call]
    for value in data:
        recomputed.update(value)
    computed = recomputed.as_dict()
    out = {name: computed[name] for name in STATS if name in computed}
    out["iterations"] = stats.get("iterations", 1)
    out["data"] = data
    return out


def trim_interop(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for entry in entries:
        if not kept_interop(entry):
            continue
        if SYNTHETIC.items() <= entry.items():
            entry = {**entry, "ok": False, "error": "synthetic (golden file)"}
        out.append(entry)
    assert sum(not e["ok"] for e in out) >= 1, "the synthetic failure's entry is missing"
    return out


def trim(raw: dict[str, Any]) -> dict[str, Any]:
    benches = [
        {
            "params": bench["params"],
            "extra_info": bench["extra_info"],
            "stats": trimmed_stats(bench["stats"]),
        }
        for bench in raw["benchmarks"]
        if kept(bench["params"])
    ]
    meta = dict(raw["jwtbench"])
    algs = list(dict.fromkeys([*SIG_ALGS, *(a for a, _ in PAIRS), *NESTED_ALGS]))
    encs = list(dict.fromkeys(e for _, e in PAIRS))
    meta["selection"] = {**meta["selection"], "algs": algs, "encs": encs}
    meta["cells"] = [cell for cell in meta["cells"] if kept(cell["params"])]
    meta["interop"] = trim_interop(meta["interop"])
    top = {k: v for k, v in raw.items() if k in ("datetime", "version")}
    return {**top, "benchmarks": benches, "jwtbench": meta}


def dumps(results: dict[str, Any]) -> str:
    """Indented JSON, with each benchmark, cell and interop entry on one line."""
    inline: dict[str, str] = {}

    def mark(value: Any) -> str:
        key = f"@@{len(inline)}@@"
        inline[f'"{key}"'] = json.dumps(value, ensure_ascii=False)
        return key

    copy = json.loads(json.dumps(results))
    copy["benchmarks"] = [mark(bench) for bench in copy["benchmarks"]]
    meta = copy["jwtbench"]
    meta["cells"] = [mark(cell) for cell in meta["cells"]]
    meta["interop"] = [mark(entry) for entry in meta["interop"]]
    for info in meta["adapters"].values():
        for key, value in info.items():
            if isinstance(value, list):
                info[key] = mark(value)
    text = json.dumps(copy, indent=1, ensure_ascii=False)
    text = re.sub(r'"@@\d+@@"', lambda m: inline[m.group(0)], text)
    return text + "\n"


def main(source: str, target: str) -> None:
    raw = json.loads(Path(source).read_text(encoding="utf-8"))
    text = dumps(trim(raw))
    Path(target).write_text(text, encoding="utf-8")
    print(f"{target}: {len(text.encode()):,} bytes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
