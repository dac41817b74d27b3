"""``jwtbench selfcheck``'s verdict: is the harness/bare ratio within tolerance?

Input: rounds of (harness, bare) burst pairs timed interleaved
(``jwtbench.measure.selfcheck``). The estimate is the median paired ratio; its
interval a seeded two-level bootstrap (rounds, then pairs within each round),
because bursts of one round share more than bursts of different rounds. The
exit code follows the interval, never the point estimate alone:

- ``within``: the whole interval lies inside ``1 +/- tolerance``;
- ``outside``: the whole interval lies outside it (the harness distorts);
- ``inconclusive``: it straddles a bound, or too few pairs; more trials decide.

Only ``outside`` fails, so identical code on a flipping machine does not fail
at random (a wide interval is inconclusive, not a failure), and a real
overhead well beyond the tolerance fails every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WITHIN, OUTSIDE, INCONCLUSIVE = "within", "outside", "inconclusive"
#: Fewer pairs than this in all: no verdict.
MIN_PAIRS = 10


@dataclass(frozen=True)
class Overhead:
    ratio: float  # median paired harness/bare ratio
    low: float  # confidence interval of that median
    high: float
    pairs: int
    rounds: int
    tolerance: float
    confidence: float
    outcome: str

    @property
    def exit_code(self) -> int:
        return 1 if self.outcome == OUTSIDE else 0


def judge_overhead(
    rounds: Sequence[Sequence[tuple[float, float]]],
    *,
    tolerance: float = 0.05,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> Overhead:
    """The median paired ratio, its bootstrap interval, and the outcome (module docstring)."""
    if not 0 < confidence < 1 or tolerance < 0:
        raise ValueError(
            f"need 0 < confidence < 1 and tolerance >= 0, got {confidence}, {tolerance}"
        )
    ratios = [np.array([h / b for h, b in pairs], dtype=float) for pairs in rounds if pairs]
    total = sum(r.size for r in ratios)
    if total == 0:
        nan = float("nan")
        return Overhead(nan, nan, nan, 0, 0, tolerance, confidence, INCONCLUSIVE)
    ratio = float(np.median(np.concatenate(ratios)))
    boot = _two_level_medians(ratios, n_boot, np.random.default_rng(seed))
    alpha = 1 - confidence
    low, high = (float(v) for v in np.quantile(boot, [alpha / 2, 1 - alpha / 2]))
    lo_bound, hi_bound = 1 - tolerance, 1 + tolerance
    if total < MIN_PAIRS:
        outcome = INCONCLUSIVE
    elif lo_bound <= low and high <= hi_bound:
        outcome = WITHIN
    elif low > hi_bound or high < lo_bound:
        outcome = OUTSIDE
    else:
        outcome = INCONCLUSIVE
    return Overhead(ratio, low, high, total, len(ratios), tolerance, confidence, outcome)


def _two_level_medians(
    ratios: Sequence[np.ndarray], n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Medians of ``n_boot`` resamples: rounds with replacement, then pairs within each.

    Vectorized: each picked round contributes as many pairs as the longest
    round, drawn from its own (the trials of one selfcheck have equal sizes).
    """
    sizes = np.array([r.size for r in ratios])
    width = int(sizes.max())
    padded = np.stack([np.resize(r, width) for r in ratios])  # row j: round j, cycled
    picked = rng.integers(0, len(ratios), (n_boot, len(ratios)))
    within = (rng.random((n_boot, len(ratios), width)) * sizes[picked][:, :, None]).astype(np.intp)
    sample = padded[picked[:, :, None], within]
    medians: np.ndarray = np.median(sample.reshape(n_boot, -1), axis=1)
    return medians
