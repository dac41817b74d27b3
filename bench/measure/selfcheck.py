"""Does the harness distort what it measures? Time it against a bare call, paired.

The cell is pyjwt HS256 sign with a prepared key: through the full harness
(matrix, gate, adapter, pytest-benchmark, ``jwtbench.measure.runner.run``)
and as a bare ``jwt.encode`` loop, in the same process. This VM's speed flips
~1.8x from one second to the next, so two medians taken seconds apart say
nothing (three ``selfcheck`` runs in a row gave 1.157, 0.756 and 1.057):
:class:`PairedTimer` interleaves the two in ~5 ms bursts, ABBA (harness,
bare, bare, harness, ...), so each harness burst has a bare burst of the same
number of calls at the same machine speed next to it. Each trial is one
``run`` of the harness (a round of ``bursts`` pairs); the verdict on the
paired ratios is ``jwtbench.analysis.overhead``'s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jwtbench.adapters.keys import jws_key, load_claims
from jwtbench.measure import timers
from jwtbench.measure.runner import run
from jwtbench.model.selection import Selection

#: Burst pairs per trial (even: the ABBA order needs pairs of pairs).
DEFAULT_BURSTS = 20
Pair = tuple[float, float]  # (harness, bare) seconds per call, one burst each


def bare_call() -> Callable[[], Any]:
    """The harness cell's work without the harness: ``jwt.encode`` with a prepared key."""
    import jwt

    claims = load_claims("small")
    key = jwt.get_algorithm_by_name("HS256").prepare_key(jws_key("HS256").secret)
    return lambda: jwt.encode(claims, key, algorithm="HS256")


class PairedTimer(timers.BurstTimer):
    """Harness bursts with bare bursts of the same size between them, ABBA."""

    name = "selfcheck"

    def __init__(self, bare: Callable[[], Any], bursts: int = DEFAULT_BURSTS) -> None:
        super().__init__(bursts + bursts % 2)
        self.bare = bare
        self.bare_times: list[float] = []
        self.pairs: list[Pair] = []

    def passes(self, requested: int) -> int:
        return 1  # one round of bursts per trial

    def _bare_burst(self) -> None:
        iterations, per_burst = self.shape
        calls = iterations * per_burst
        started = time.perf_counter()
        for _ in range(calls):
            self.bare()
        self.bare_times.append((time.perf_counter() - started) / calls)

    def between(self, cell: str, done: int) -> None:
        if done % 2:  # after harness burst 2k: bare bursts 2k and 2k+1, then harness 2k+1
            self._bare_burst()
            self._bare_burst()

    def annotate(self, benchmark: Any, per_burst: int) -> None:
        data = list(benchmark.stats.stats.data)  # seconds per call of each round
        harness = [
            statistics.fmean(data[i : i + per_burst]) for i in range(0, len(data), per_burst)
        ]
        self.pairs = list(zip(harness, self.bare_times, strict=True))
        benchmark.extra_info["selfcheck_bare"] = list(self.bare_times)


def trial(bursts: int = DEFAULT_BURSTS) -> list[Pair]:
    """One round: the harness run of the cell, bare bursts interleaved; its burst pairs."""
    timer = PairedTimer(bare_call(), bursts)
    with tempfile.TemporaryDirectory() as tmp, timers.using(timer):
        run(
            "quick",
            Selection(
                adapters=("pyjwt",),
                algs=("HS256",),
                ops=("sign",),
                key_modes=("prepared",),
                payloads=("small",),
            ),
            results_dir=Path(tmp),
            echo=lambda line: None,
            interop=False,
        )
    if not timer.pairs:
        raise RuntimeError("selfcheck: the harness timed nothing (was the cell skipped?)")
    return timer.pairs


def measure(
    trials: int = 9, bursts: int = DEFAULT_BURSTS, echo: Callable[[str], None] = print
) -> list[list[Pair]]:
    """``trials`` rounds of paired bursts, one progress line each."""
    rounds = []
    for index in range(trials):
        pairs = trial(bursts)
        rounds.append(pairs)
        ratio = statistics.median(h / b for h, b in pairs)
        harness = statistics.median(h for h, _ in pairs)
        bare = statistics.median(b for _, b in pairs)
        echo(
            f"trial {index + 1}/{trials}: harness {harness * 1e6:.2f} us, bare "
            f"{bare * 1e6:.2f} us, median paired ratio {ratio:.3f} ({len(pairs)} pairs)"
        )
    return rounds
