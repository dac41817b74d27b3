"""Truth: a results file's x over floor against a direct, interleaved timing outside the harness.

Issue 9's "Truth" bar. For HS256, RS256, PS256, ES256 and EdDSA, sign and
verify, prepared keys, the small claims, every library installed here:

* **The calls** are written directly (``tools/truth_calls.py``), not taken from
  the harness's adapters: each library is imported and called the way its
  documentation (and jwtbench's adapter for it) calls it, with keys built once from
  ``adapters/data/keys/*`` (PEM files, the HMAC secret) and the claims of
  ``adapters/data/claims/small.json``; ``verify`` checks the signature, the
  header alg (only the requested one is allowed) and exp/aud/iss as the adapters
  do. The floor's calls are the floor's own work (``jwtbench.adapters.floor``),
  the reference the results file's ``over_floor`` divides by.
* **Before timing**, once per (library, alg): the library's token must name the
  alg and verify with the floor to the same claims; the library must verify the
  floor's token (the token a harness verify cell times) to the same claims and
  refuse it with one signature bit flipped. A library failing that is reported
  with the reason and not timed. After timing, the last results are checked again.
* **Timing**: the library's call (A) and the floor's (B) are interleaved in
  short batches (``--batch-ms``, each side's calls calibrated to it), in rounds
  ABBA then BAAB, so neither side always runs first; gc is off and the process
  is pinned to one CPU where the OS allows it. A batch's time per call is its
  fastest of ``PIECES`` pieces, as the harness takes a burst's fastest round
  (``jwtbench.measure.paired.burst_time``: slow spells are shorter than a
  batch). ``--clock cpu`` times this thread's CPU time instead of wall time
  (the harness's clock): on a loaded machine a long call is preempted more
  often than a short one. A cell's rounds are spread over ``--sweeps`` passes
  over every cell (10 by default, ~5 s apart for the full table): a library's
  ratio to the floor moves with the machine's state over seconds, and forty
  rounds in a row (0.4 s) sample one state -- measured, oxyjwt HS256 verify
  read 1.00x, 0.83x and 0.80x in three such runs. Per round, the
  ratio of the two sides' time per call; the table shows the **median of the
  per-round ratios** with a distribution-free 95% interval (order statistics of
  the median, binomial), then the file's paired ``over_floor`` ratio and
  interval, their difference (file / direct - 1) and whether it is within 10%.
  A library (or ``cryptography``, the floor's) installed here in another version
  than the file timed is named in the row and left out of the count.

Usage::

    python tools/truth.py RESULTS.json [--libs pyjwt,authlib] [--algs HS256,ES256]
                          [--ops sign,verify] [--rounds 40] [--batch-ms 2] [--cpu N]
                          [--clock wall|cpu] [--sweeps 10]

Exit 2 with one line on bad input (no such file, not a results file, unknown
library or alg). It takes about ``rounds x 4 x batch-ms`` per cell (0.4 s at
the defaults): ~30 s for the ten libraries of a full install.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from jwtbench.adapters.floor import FloorAdapter
from jwtbench.adapters.jose import b64url, b64url_decode
from jwtbench.adapters.keys import KeyMaterial, jws_key, load_claims
from jwtbench.analysis.intervals import OVER_FLOOR, paired_ratio
from jwtbench.model.errors import UserError
from jwtbench.model.results import Results, Row, load_results

ALGS = ("HS256", "RS256", "PS256", "ES256", "EdDSA")
OPS = ("sign", "verify")
PAYLOAD = "small"
#: Agreement the issue asks of the run's x over floor and the direct timing.
WITHIN = 0.10

# The libraries' calls live beside this script (loaded by path in the tests, too).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from truth_calls import EXPECT, LIBRARIES, Refused, Sign, Verify  # noqa: E402


# -- the check before timing -------------------------------------------------------
def _flip(token: str) -> str:
    head, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[0] ^= 0x01
    return f"{head}.{payload}.{b64url(bytes(raw))}"


@dataclass(frozen=True)
class Floor:
    """The floor's prepared keys and calls for one alg, and its token."""

    sign: Sign
    verify: Verify
    token: str


def floor_for(alg: str, material: KeyMaterial, claims: dict[str, Any]) -> Floor:
    floor = FloorAdapter()
    sk, vk = floor.prepare_key(alg, material, "sign"), floor.prepare_key(alg, material, "verify")

    def sign(c: dict[str, Any]) -> str:
        return str(floor.sign(c, sk, alg))

    def verify(token: str) -> dict[str, Any]:
        return dict(floor.verify(token, vk, alg, EXPECT))

    token = sign(claims)
    if verify(token) != claims:
        raise Refused("the floor does not verify its own token")
    return Floor(sign, verify, token)


def check(sign: Sign, verify: Verify, floor: Floor, alg: str, claims: dict[str, Any]) -> str:
    """The library's token verified by the floor; the floor's by the library; a flip refused."""
    token = sign(claims)
    if not isinstance(token, str) or token.count(".") != 2:
        raise Refused(f"not a compact JWS: {token!r:.60}")
    header = json.loads(b64url_decode(token.split(".", 1)[0]))
    if header.get("alg") != alg:
        raise Refused(f"its token's header alg is {header.get('alg')!r}")
    if floor.verify(token) != claims:
        raise Refused("the floor decodes other claims from its token")
    if verify(floor.token) != claims:
        raise Refused("it decodes other claims from the floor's token")
    try:
        verify(_flip(floor.token))
    except Exception:
        return token
    raise Refused("it accepted a token with a flipped signature bit")


# -- interleaved timing ---------------------------------------------------------------
#: Timed pieces per batch: a batch's time per call is the median of its pieces', so a
#: preemption (a shared 2-core VM hands the CPU away for milliseconds) hits one piece,
#: not the round's ratio.
PIECES = 5


#: The clock the pieces are timed with (``--clock``): wall time, as the harness times, or
#: this thread's CPU time, which a preemption does not inflate (on a loaded machine a long
#: call spans more scheduler slices than a short one, so wall time biases the ratio).
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}
_clock = time.perf_counter


def _piece(func: Callable[[Any], Any], arg: Any, n: int) -> float:
    start = _clock()
    for _ in repeat(None, n):
        func(arg)
    return _clock() - start


def _batch(func: Callable[[Any], Any], arg: Any, n: int) -> float:
    """Seconds per call over one batch: the fastest of its ``PIECES`` pieces of ``n`` calls."""
    return min(_piece(func, arg, n) for _ in range(PIECES)) / n


def _calls_per_piece(func: Callable[[Any], Any], arg: Any, batch_s: float) -> int:
    n = 1
    while _piece(func, arg, n) < batch_s / PIECES and n < 1 << 20:
        n *= 2
    return n


def median(values: Sequence[float]) -> float:
    s, m = sorted(values), len(values) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def _binomial_quantile(q: float, n: int) -> int:
    """The smallest k with P(Binomial(n, 1/2) <= k) >= q (scipy's ``binom.ppf``)."""
    total = 0
    for k in range(n + 1):
        total += math.comb(n, k)
        if total / 2**n >= q:
            return k
    return n


def median_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of the median: order statistics at binomial quantiles."""
    s, n = sorted(values), len(values)
    lo = max(_binomial_quantile((1 - level) / 2, n) - 1, 0)
    return s[lo], s[min(n - lo - 1, n - 1)]


def interleaved(
    a: tuple[Callable[[Any], Any], Any],
    b: tuple[Callable[[Any], Any], Any],
    rounds: int,
    calls: tuple[int, int],
) -> list[float]:
    """``rounds`` per-round ratios (a's time per call / b's), ABBA then BAAB."""
    na, nb = calls
    ratios = []
    for i in range(rounds):
        if i % 2:
            x1, y1, y2, x2 = _batch(*a, na), _batch(*b, nb), _batch(*b, nb), _batch(*a, na)
        else:
            y1, x1, x2, y2 = _batch(*b, nb), _batch(*a, na), _batch(*a, na), _batch(*b, nb)
        ratios.append((x1 + x2) / (y1 + y2))
    return ratios


# -- the table -------------------------------------------------------------------------
def file_ratio(results: Results, adapter: str, alg: str, op: str) -> tuple[str, float | None]:
    """The results file's x over floor of the cell: ``"2.75 [2.70, 2.84]"`` and its value."""
    rows: dict[str, Row] = {}
    for row in results.rows():
        p = row.params
        if (p.get("alg"), p.get("op"), p.get("key_mode"), p.get("payload")) == (
            alg, op, "prepared", PAYLOAD,
        ) and "enc" not in p:  # fmt: skip
            rows[p.get("adapter", "")] = row
    row, floor = rows.get(adapter), rows.get("floor")
    if row is None:
        return "not in file", None
    found = paired_ratio(row.extra_info, OVER_FLOOR)
    if found is not None:
        return f"{found.value:.2f} [{found.low:.2f}, {found.high:.2f}]", found.value
    if floor is None or floor.median <= 0:
        return "no floor", None
    value = row.median / floor.median
    return f"{value:.2f} (unpaired)", value


def version_mismatch(results: Results, adapter: str) -> str:
    """``"file 1.5.8, here 1.6.1"`` when the file timed another version of the library."""
    entry = results.meta.get("adapters", {}).get(adapter, {})
    dist, recorded = entry.get("library"), entry.get("version")
    if not dist or not recorded:
        return ""
    try:
        here = importlib.metadata.version(str(dist))
    except importlib.metadata.PackageNotFoundError:
        return ""
    return "" if here == recorded else f"{dist}: file {recorded}, here {here}"


def _pin(cpu: int | None) -> str:
    """Pin to ``cpu`` (default: the last one allowed) where the OS allows it."""
    if cpu == -1 or not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    chosen = cpu if cpu is not None else sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {chosen})
    return f"pinned to CPU {chosen}"


def md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


@dataclass
class Timed:
    """One (library, alg, op) cell being timed: its calls, checked, and its ratios so far."""

    name: str
    alg: str
    op: str
    mine: tuple[Callable[[Any], Any], Any]
    theirs: tuple[Callable[[Any], Any], Any]
    recheck: Callable[[], bool]
    calls: tuple[int, int] = (1, 1)
    ratios: list[float] = field(default_factory=list)


def _prepare(name: str, alg: str, op: str, batch_ms: float) -> Timed | list[str]:
    """The cell's checked calls, or its table row saying why it is not timed."""
    claims = load_claims(PAYLOAD)
    material = jws_key(alg)
    try:
        floor = floor_for(alg, material, claims)
        sign, verify = LIBRARIES[name](alg, material)
        check(sign, verify, floor, alg, claims)
    except ImportError as exc:
        return [name, alg, op, f"not installed ({exc.name})"]
    except Exception as exc:  # the library's own failure: reported, never timed
        return [name, alg, op, f"not timed: {exc!s:.70}"]
    mine, theirs = (
        ((sign, claims), (floor.sign, claims))
        if op == "sign"
        else ((verify, floor.token), (floor.verify, floor.token))
    )

    def recheck() -> bool:
        return floor.verify(sign(claims)) == claims and verify(floor.token) == claims

    calls = (_calls_per_piece(*mine, batch_ms / 1000), _calls_per_piece(*theirs, batch_ms / 1000))
    return Timed(name, alg, op, mine, theirs, recheck, calls)


def _row(results: Results, cell: Timed) -> tuple[list[str], bool | None]:
    """The table row of a timed cell and whether it is within 10% (None: not compared)."""
    name, alg, op = cell.name, cell.alg, cell.op
    if not cell.recheck():  # after timing
        return [name, alg, op, "not timed: results changed while timed"], None
    ratio, (low, high) = median(cell.ratios), median_ci(cell.ratios)
    text, value = file_ratio(results, name, alg, op)
    direct = f"{ratio:.2f} [{low:.2f}, {high:.2f}]"
    if value is None:
        return [name, alg, op, direct, text, "", ""], None
    diff = value / ratio - 1
    within = abs(diff) <= WITHIN
    verdict = "yes" if within else "NO"
    other = version_mismatch(results, name)
    if other:  # a different version was timed: the comparison is not like for like
        return [name, alg, op, direct, text, f"{diff:+.1%}", f"{verdict} ({other})"], None
    return [name, alg, op, direct, text, f"{diff:+.1%}", verdict], within


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a jwtbench results file (jwtbench run)")
    parser.add_argument("--libs", default=",".join(LIBRARIES))
    parser.add_argument("--algs", default=",".join(ALGS))
    parser.add_argument("--ops", default=",".join(OPS))
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--batch-ms", type=float, default=2.0)
    parser.add_argument(
        "--sweeps", type=int, default=10, help="passes over the cells the rounds are spread over"
    )
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (-1: none)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    opts = parser.parse_args(argv)
    for what, known in (("libs", LIBRARIES), ("algs", ALGS), ("ops", OPS)):
        unknown = [v for v in getattr(opts, what).split(",") if v not in known]
        if unknown:
            parser.exit(
                2, f"truth: unknown --{what} {','.join(unknown)}; choose from {','.join(known)}\n"
            )
    if opts.rounds < 5 or opts.batch_ms <= 0 or not 1 <= opts.sweeps <= opts.rounds:
        parser.exit(
            2, "truth: --rounds must be at least 5, --batch-ms positive, --sweeps 1..rounds\n"
        )
    return opts


def main(argv: Sequence[str] | None = None) -> int:
    global _clock
    opts = _parse(argv)
    _clock = CLOCKS[opts.clock]
    try:
        results = load_results(opts.results)
    except (UserError, OSError, ValueError) as exc:
        print(f"truth: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    print(
        f"direct x over floor: {opts.rounds} rounds ABBA/BAAB of ~{opts.batch_ms} ms batches "
        f"({opts.clock} clock), "
        f"{_pin(opts.cpu)}, gc off, prepared keys, {PAYLOAD} claims; file: {opts.results}"
    )
    floor = version_mismatch(results, "floor")
    if floor:
        print(f"WARNING: the floor's {floor}: every ratio here divides by another floor")
    header = ["library", "alg", "op", "direct [95%]", "file over_floor [95%]", "diff", "within 10%"]
    print(md_row(header))
    print(md_row([":--"] * 3 + ["--:"] * 3 + [":-:"]))
    cells = [
        _prepare(name, alg, op, opts.batch_ms)
        for name in opts.libs.split(",")
        for alg in opts.algs.split(",")
        for op in opts.ops.split(",")
    ]
    timed = [c for c in cells if isinstance(c, Timed)]
    per_sweep = math.ceil(opts.rounds / opts.sweeps)
    for sweep in range(opts.sweeps):  # each cell's rounds spread over the whole run
        print(f"sweep {sweep + 1}/{opts.sweeps} over {len(timed)} cells", file=sys.stderr)
        for cell in timed:
            gc.collect()
            gc.disable()
            try:
                cell.ratios += interleaved(cell.mine, cell.theirs, per_sweep, cell.calls)
            finally:
                gc.enable()
    verdicts = []
    for cell in cells:
        row, within = _row(results, cell) if isinstance(cell, Timed) else (cell, None)
        print(md_row(row + [""] * (len(header) - len(row))), flush=True)
        if within is not None:
            verdicts.append(within)
    if verdicts:
        print(
            f"\n{sum(verdicts)} of {len(verdicts)} compared cells within {WITHIN:.0%} "
            "(cells whose library version differs from the file's are not counted)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
