"""Run-level test for a whole results file: the machine's drift pooled across its cells.

Why. A ``jwtbench run`` times every cell in 5 passes; the run-level test
judges a cell by how much its passes disagree. Alone, a cell's 5 + 5 passes
estimate that drift with 8 degrees of freedom, and once Holm spreads alpha
over the 550 cells of a whole run a Welch t-test needs t ~ 9: a cell copied
with every round exactly 2x, 3x or 5x slower was not flagged (Holm p 1.000,
1.000, 0.171) while its bootstrap interval at the per-cell level excluded 1.
Verdict and interval came from two tests at two levels.

The drift is the machine's, shared by every cell of the run, so its size is
estimated from all of them (empirical Bayes, Smyth 2004, the ``limma``
moderated t): each cell's variance of log per-pass medians is shrunk towards
the prior fitted to all cells' variances, with ``d0`` prior degrees of
freedom that the spread of those variances decides (homogeneous drift: large
``d0``, the test approaches a z-test; cells that drift differently: small
``d0``, each keeps its own spread). A cell whose passes happen to agree
within each side (every base pass on the fast speed, every head pass on the
slow one) no longer looks certain: its variance is pulled up to the machine's.

One test gives the p-value *and* the interval: ``exp(diff +- t * se)`` at
level ``1 - alpha / m`` for a family of ``m`` cells (Bonferroni), so an
interval that clears 1 means the Holm-adjusted p-value is below alpha, and a
flag needs what the rule always asked (ratio beyond ``1 + t``, interval
beyond ``1 + t/2``). A cell that moved by more than the threshold but whose
interval cannot clear the margin gets ``runs_needed``: the passes per side at
which the same spread would make that ratio a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special as spc  # type: ignore[import-untyped]
from scipy import stats as sps

FloatArray = npt.NDArray[np.float64]

#: Cells judged at run level needed before their drift is pooled (a prior from
#: fewer variances is not worth its assumption).
MIN_FAMILY = 20


@dataclass(frozen=True)
class Prior:
    """The machine's drift: variance ``s0_sq`` of log per-pass medians, worth ``d0`` df."""

    s0_sq: float
    d0: float


@dataclass(frozen=True)
class Moderated:
    """One cell's moderated t: ratio, interval, raw p and the passes a verdict would need."""

    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    runs_needed: int


def log_medians(runs: Sequence[FloatArray]) -> FloatArray:
    """Logs of each run's median."""
    logs: FloatArray = np.log(np.array([float(np.median(r)) for r in runs]))
    return logs


def pooled_variance(base: FloatArray, head: FloatArray) -> tuple[float, int]:
    """Within-side variance of log run medians pooled over both sides, and its df."""
    df = base.size + head.size - 2
    ss = float(((base - base.mean()) ** 2).sum() + ((head - head.mean()) ** 2).sum())
    return ss / df, df


def _trigamma_inverse(x: float) -> float:
    """``y`` with ``trigamma(y) == x`` (Newton, as limma's ``trigammaInverse``)."""
    if x > 1e7:
        return 1 / math.sqrt(x)
    if x < 1e-6:
        return 1 / x
    y = 0.5 + 1 / x
    for _ in range(50):
        tri = float(spc.polygamma(1, y))
        step = tri * (1 - tri / x) / float(spc.polygamma(2, y))
        y += step
        if -step / y < 1e-8:
            break
    return y


def fit_prior(variances: Sequence[float], dfs: Sequence[int]) -> Prior:
    """The scaled-F prior of limma's ``fitFDist``: moments of the log variances.

    Zero variances (passes that agree exactly, e.g. a cell copied into both
    files) carry no information on the drift and are left out.
    """
    pairs = [(v, d) for v, d in zip(variances, dfs, strict=True) if v > 0]
    if len(pairs) < 2:
        return Prior(math.nan, 0.0)
    s2 = np.array([v for v, _ in pairs])
    half = np.array([d for _, d in pairs], dtype=np.float64) / 2
    e = np.log(s2) - spc.digamma(half) + np.log(half)
    mean = float(e.mean())
    spread = float(e.var(ddof=1)) - float(np.mean(spc.polygamma(1, half)))
    if spread <= 0:
        return Prior(math.exp(mean), math.inf)
    d0 = 2 * _trigamma_inverse(spread)
    return Prior(math.exp(mean + float(spc.digamma(d0 / 2)) - math.log(d0 / 2)), d0)


def moderated_t(
    base: FloatArray, head: FloatArray, prior: Prior, *, level_alpha: float, margin: float
) -> Moderated:
    """The cell's moderated t on log run medians; interval at ``1 - level_alpha``.

    ``margin`` is the bound the interval must clear for a verdict
    (``1 + threshold/2``); it sets ``runs_needed`` (0 when not applicable).
    """
    s2, df = pooled_variance(base, head)
    if prior.d0 == math.inf:
        s2_mod, df_total = prior.s0_sq, math.inf
    elif prior.d0 > 0:
        s2_mod = (prior.d0 * prior.s0_sq + df * s2) / (prior.d0 + df)
        df_total = prior.d0 + df
    else:
        s2_mod, df_total = s2, float(df)
    diff = float(head.mean() - base.mean())
    scale = math.sqrt(1 / base.size + 1 / head.size)
    se = math.sqrt(s2_mod) * scale
    dist = sps.norm if df_total == math.inf else sps.t(df_total)
    crit = float(dist.ppf(1 - level_alpha / 2))
    if se == 0:
        p_value = 1.0 if diff == 0 else 0.0
    else:
        p_value = float(min(1.0, 2 * dist.sf(abs(diff) / se)))
    ratio = math.exp(diff)
    low, high = math.exp(diff - crit * se), math.exp(diff + crit * se)
    gap = abs(diff) - math.log(margin)
    needed = 0
    if gap > 0 and se > 0 and not (low > margin or high < 1 / margin):
        # passes per side at which crit * s * sqrt(2 / n) fits inside the gap
        needed = math.ceil(2 * (crit * math.sqrt(s2_mod) / gap) ** 2)
    return Moderated(ratio, low, high, p_value, needed)
