"""Issue 9's "two plain runs" bar: does compare on paired ratios catch a 10% slowdown?

Each trial makes two ordinary grouped runs of the same selection, one after
the other (base, then head with ``--inject-slowdown pyjwt=FACTOR``), and
compares them on their paired x over floor (``jwtbench.analysis.paired``, as
``jwtbench compare`` does). A trial is a hit when every slowed pyjwt cell is
flagged as a regression; every other flag (another library, or an
improvement) is a false alarm. The machine drifts between the two runs; the
paired ratio inside each run is what is compared.

    python tools/slowdown_trials.py --trials 10 --factor 0.1 --threshold 0.05 \
        --adapters floor,pyjwt,jwcrypto,authlib,joserfc,oxyjwt,limit \
        --algs HS256,RS256,ES256,EdDSA --out /tmp/trials
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jwtbench.analysis.paired import compare_paired
from jwtbench.analysis.stats import IMPROVEMENT, REGRESSION
from jwtbench.model.results import load_results


def _run(out: Path, args: argparse.Namespace, slowdown: str | None) -> None:
    cmd = [
        sys.executable, "-m", "jwtbench.cli.main", "run", "--quick", "--no-report",
        "--no-interop", "--no-cost", "--key-modes", "prepared", "--ops", "sign,verify",
        "--adapters", args.adapters, "--algs", args.algs, "--output", str(out),
    ]  # fmt: skip
    if args.processes:
        cmd.append(f"--processes={args.processes}")
    if slowdown:
        cmd.append(f"--inject-slowdown={slowdown}")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _name(params: dict[str, str]) -> str:
    return f"{params['adapter']} {params['alg']} {params['op']}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--factor", type=float, default=0.1)
    parser.add_argument("--threshold", type=float, default=0.05)
    parser.add_argument("--adapters", default="floor,pyjwt,jwcrypto,authlib,joserfc,oxyjwt,limit")
    parser.add_argument("--algs", default="HS256,RS256,ES256,EdDSA")
    parser.add_argument("--processes", type=int, help="sets of processes per run (default: run's)")
    scratch = Path(tempfile.gettempdir()) / "jwtbench-trials"  # not into the checkout
    parser.add_argument("--out", type=Path, default=scratch, help=f"run files (default: {scratch})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    hits = alarms = 0
    for trial in range(1, args.trials + 1):
        started = time.perf_counter()
        base, head = args.out / f"base{trial}.json", args.out / f"head{trial}.json"
        _run(base, args, None)
        _run(head, args, f"pyjwt={args.factor}")
        result = compare_paired(load_results(base), load_results(head), threshold=args.threshold)
        slowed = [c for c in result.cells if c.params["adapter"] == "pyjwt"]
        missed = [c for c in slowed if c.verdict != REGRESSION]
        false = [
            c
            for c in result.cells
            if c.verdict == IMPROVEMENT or (c.verdict == REGRESSION and c not in slowed)
        ]
        hits += not missed
        alarms += len(false)
        changes = " ".join(f"{c.change.value:.3f}" for c in slowed)
        print(
            f"trial {trial}: {len(slowed) - len(missed)}/{len(slowed)} pyjwt cells flagged, "
            f"{len(false)} false alarm(s) of {len(result.cells) - len(slowed)}; pyjwt changes "
            f"{changes}; missed {[_name(c.params) for c in missed]}; "
            f"false {[_name(c.params) for c in false]} ({time.perf_counter() - started:.0f}s)",
            flush=True,
        )
    print(f"{hits}/{args.trials} trials flagged every slowed cell; {alarms} false alarms in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
