"""Does the harness distort what it measures? Compare it with a bare ``timeit``.

Times pyjwt HS256 sign (prepared key) twice in the same process: through the
full harness (matrix, gate, adapter, pytest-benchmark) and as a direct
``timeit`` of the same ``jwt.encode`` call. The two medians should agree
within a few percent. This VM's speed drifts by tens of percent from one
second to the next, so the two are measured in alternation and the verdict is
the median of the *paired* ratios (harness / direct of adjacent trials), not a
ratio of two medians taken minutes apart.
"""

from __future__ import annotations

import statistics
import tempfile
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jwtbench.adapters.keys import jws_key, load_claims
from jwtbench.measure.runner import run
from jwtbench.model.results import load_results
from jwtbench.model.selection import Selection


@dataclass(frozen=True)
class Overhead:
    harness: tuple[float, ...]  # seconds per call, one median per trial
    direct: tuple[float, ...]

    @property
    def ratios(self) -> list[float]:
        return [h / d for h, d in zip(self.harness, self.direct, strict=True)]

    @property
    def ratio(self) -> float:
        """Median paired harness/direct ratio: 1.00 means the harness adds nothing."""
        return statistics.median(self.ratios)

    @property
    def harness_median(self) -> float:
        return statistics.median(self.harness)

    @property
    def direct_median(self) -> float:
        return statistics.median(self.direct)


def direct_median(seconds: float = 1.0) -> float:
    """Median seconds per ``jwt.encode`` call, by ``timeit`` with rounds like the harness's."""
    import jwt

    claims = load_claims("small")
    key = jwt.get_algorithm_by_name("HS256").prepare_key(jws_key("HS256").secret)
    timer = timeit.Timer(lambda: jwt.encode(claims, key, algorithm="HS256"))
    number, _ = timer.autorange()  # calls per round: >= 0.2 s, like a calibrated round
    number = max(1, number // 40)  # ~5 ms rounds, many of them
    per_round = timer.timeit(number) / number
    repeat = max(5, int(seconds / (per_round * number)))
    return statistics.median(t / number for t in timer.repeat(repeat=repeat, number=number))


def harness_median(seconds: float = 1.0) -> float:
    """Median seconds per call of the same cell measured by ``jwtbench run``."""
    with tempfile.TemporaryDirectory() as tmp:
        outcome = run(
            "quick",
            Selection(adapters=("pyjwt",), algs=("HS256",), ops=("sign",), key_modes=("prepared",)),
            results_dir=Path(tmp),
            echo=lambda line: None,
            passes=1,  # one block of rounds, like the timeit block it is compared with
            extra_pytest_args=[f"--benchmark-max-time={seconds}", "--benchmark-min-time=0.005"],
        )
        (row,) = load_results(outcome.path).rows()
        return row.median


def measure(trials: int = 9, seconds: float = 0.5, echo: Callable[[str], None] = print) -> Overhead:
    harness: list[float] = []
    direct: list[float] = []
    for trial in range(trials):
        # alternate which side goes first, so a drift within a trial cancels out
        if trial % 2:
            harness.append(harness_median(seconds))
            direct.append(direct_median(seconds))
        else:
            direct.append(direct_median(seconds))
            harness.append(harness_median(seconds))
        echo(
            f"trial {trial + 1}/{trials}: harness {harness[-1] * 1e6:.2f} us, "
            f"direct timeit {direct[-1] * 1e6:.2f} us, ratio {harness[-1] / direct[-1]:.3f}"
        )
    return Overhead(tuple(harness), tuple(direct))
