"""Statistics core for comparing two benchmark runs, cell by cell.

Pure functions on per-round timings (seconds per operation); no I/O.

Why two tests:

* The Mann-Whitney U test (two-sided, ``scipy.stats.mannwhitneyu``) answers
  "do the two samples come from the same distribution?". It uses ranks only,
  so the occasional 2-5x round caused by a context switch moves it no more
  than any other slow round: it is robust where a t-test is not.
* A p-value says nothing about *how much* slower. The bootstrap confidence
  interval on the ratio of medians (head / base) gives the effect size with
  its uncertainty, also robust to outliers because medians are.

Why a threshold *and* significance: CI runners drift 10-25% between jobs on
a shared machine, so with enough rounds a test finds a "significant" 3%
difference that is only the machine. A verdict needs the change to be both
material (beyond ``threshold``) and statistically certain. No statistic can
tell machine drift from a code change, though: compare base and head rounds
measured in the same job (interleaved), or set ``threshold`` above the drift.

Verdict rule for one cell (``t`` = threshold, ``p`` = its p-value, adjusted
across cells by :func:`compare_many`):

* ``"too few rounds"`` if either side has fewer than ``min_rounds`` rounds;
* ``"regression"`` if ``ratio > 1 + t`` and ``p < alpha`` and
  ``ci_low > 1 + t/2``;
* ``"improvement"`` symmetric on the log scale: ``ratio < 1/(1 + t)`` and
  ``p < alpha`` and ``ci_high < 1/(1 + t/2)``;
* ``"no significant change"`` otherwise.

The margin ``1 + t/2`` (instead of plain ``ci_low > 1``) makes the rule
conservative: a flag needs ``1 - alpha/2`` confidence that the slowdown is
more than half the threshold, so a true shift of ``t/2`` or less is flagged
(nominally) at most ``alpha/2`` of the time per cell, whatever the point
estimate does with noisy samples. In simulation (lognormal sigma 0.05-0.15,
20-100 rounds, 5% of rounds 2-5x slower) a true 5% shift against a 10%
threshold was flagged in up to ~5% of comparisons with plain ``ci_low > 1``
and at most 0.6% with the margin. The price is power at high noise: a 20%
regression is caught about 99% of the time with sigma 0.05 and 20 rounds,
sigma 0.10 and 50 rounds or sigma 0.15 and 100 rounds, but only ~70% with
sigma 0.10 and 20 rounds and ~30% with sigma 0.15 and 20 rounds. Noisy cells
need more rounds, not a laxer rule.

Multiple comparisons: a report compares tens of cells at once, so
:func:`compare_many` adjusts the Mann-Whitney p-values across cells (Holm by
default, which controls the family-wise error rate). The confidence intervals
stay at level ``1 - alpha`` per cell: a flag needs the adjusted p-value *and*
the interval, so the family-wise rate of false flags is already bounded by
the adjusted test alone.

Samples that come in runs (:func:`compare_runs`, :func:`compare_many_runs`)
-------------------------------------------------------------------------

Rounds of one run are not independent samples of the code's speed: they share
that run's machine state. On a shared VM the speed swings between seconds, so
two runs of identical code differ by tens of percent (up to 2.9x measured),
while the rounds inside each run agree to a few percent. The rules above then
see a "significant" difference in 4 of 10 identical pairs. With each side
given as runs (``[[round, ...], ...]``):

* the point estimate stays the ratio of the pooled medians (all rounds of a
  side together);
* the CI is a two-level bootstrap of that ratio: each replicate draws the
  side's runs with replacement, then each drawn run's rounds with
  replacement, and takes the pooled median; run-to-run spread widens it;
* the p-value, when both sides have at least ``min_runs`` runs (default
  :data:`MIN_RUNS` = 2; mode :data:`MODE_RUNS`), is a Welch t-test on the logs
  of the per-run medians: each run is one observation, so run-level drift is
  what the difference is measured against. Welch rather than a permutation
  test over run labels because a permutation test cannot reach small
  p-values with few runs (2 vs 2 runs: p >= 1/3; it needs 5 vs 5 for
  p < 0.01 on one cell and 9 vs 9 once Holm spreads 0.01 over 75 cells),
  while Welch can, at the price of assuming roughly lognormal drift. The
  verdict rule is the one above (``ratio > 1 + t``, adjusted ``p < alpha``,
  ``ci_low > 1 + t/2``).
* with a side of fewer than ``min_runs`` runs (one run, typically; mode
  :data:`MODE_FEW_RUNS`) nothing shows how far runs drift. The p-value is
  Mann-Whitney on the pooled rounds and the rule is stricter: the CI must
  clear ``1 + t`` (not ``1 + t/2``). That stops a drift smaller than the
  threshold with tight rounds from being flagged, but *no statistic can
  protect a single-run comparison from drift larger than the threshold*: a
  run that happened to be 1.3x slow with tight rounds is a 1.3x "regression"
  by any rule that can still see a real 1.3x change. Callers should say so
  (``jwtbench.analysis.compare`` prints a note) and point at interleaved runs
  (``jwtbench ab``) or several runs per side.

How many runs. At alpha 0.01 the minimum for a run-level verdict is 2 runs per
side, but Welch then has ~2 degrees of freedom (critical t ~10): only runs
that agree within a few percent are flagged. Simulated, per cell (2000
trials without a change, 400 with; rounds within a run sigma 0.04-0.06):

=====================================  ====  =========  =====  =====  =====
drift between runs                     runs  identical  1.3x   1.5x   2x
=====================================  ====  =========  =====  =====  =====
lognormal, sigma 0.15                  1     26%        72%    90%    99%
lognormal, sigma 0.15                  2     0.2%       1%     3%     7%
lognormal, sigma 0.15                  3     0.2%       7%     20%    58%
lognormal, sigma 0.15                  6     0.05%      30%    76%    100%
lognormal, sigma 0.30                  6     0.1%       6%     22%    65%
two speeds 1.5-2x apart (35% slow)     1     27%        72%    69%    90%
two speeds 1.5-2x apart (35% slow)     3     1-1.5%     6%     5%     8%
two speeds 1.5-2x apart (35% slow)     6     0.05-0.4%  6%     16%    84%
=====================================  ====  =========  =====  =====  =====

"identical" is the rate of regressions flagged with no change (improvements
alike), the other columns the rate at which a true slowdown is flagged. One
run per side flags drift about as often as it flags a change. The two-speed
machine (what this VM looks like under load) also breaks Welch's assumption:
when every run of one side lands on the slow speed and every run of the
other on the fast one, the runs agree within each side and the difference
looks certain. With even odds that happens in ``2 * 2**(-2 * runs)`` of cells
(1/8 with 2 runs, 1/2048 with 6); more runs is the only cure. Hence
``jwtbench ab`` runs 6 rounds per side by default.

Since then, measured rather than simulated: a ``jwtbench run`` times every
cell in 5 passes (each pass is a run for the rules above), so even one results
file per side has a run-level verdict. 10 pairs of identical quick runs
flagged none of 2,600 cells (README, "Catching regressions"), but one file
per side only sees changes about as large as the machine's own flips: 2x was
caught in 10 of 10 trials with 3 runs a side, 1.5x in 5.

Lockstep pairs (:func:`compare_paired`, mode :data:`MODE_PAIRED`)
-----------------------------------------------------------------

What cancels the machine is measuring both sides at the same moment:
``jwtbench ab`` runs base and head in lockstep (``jwtbench.envs.lockstep``), bursts of
~5 ms alternating on one CPU. Each (base burst, head burst) pair ran at the
same machine speed, so its ratio carries the change and little of the
machine: pinned to one CPU, 80% of paired ratios of identical code fell
within 0.98-1.03 while whole runs differed by up to 1.8x. The point estimate
is the median pair ratio, the p-value a Wilcoxon signed-rank test on log
ratios (pairs are the unit: the machine's state is shared within a pair, not
between pairs), the CI a two-level bootstrap (lockstep rounds, then pairs) so
that a round whose two processes differed as a whole widens it; the verdict
rule is the run-level one above. Each pair being one ~5 ms slice of time,
the Wilcoxon test treats adjacent pairs as independent although the machine
state correlates over ~0.5 s; the threshold and the ``1 + t/2`` margin are
what keeps that from causing false alarms. Measured (``jwtbench calibrate``,
3 rounds): identical code flagged in 0 of 80 cells, 1.2x caught in 10 of 10
trials, 1.15x in 9, 1.1x in 8.

Everything is deterministic: the bootstrap uses ``numpy.random.default_rng``
seeded with ``seed`` (the same seed for every cell, so a cell's interval does
not depend on which other cells are compared).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats as sps  # type: ignore[import-untyped]

from jwtbench.analysis.moderated import (
    MIN_FAMILY,
    fit_prior,
    log_medians,
    moderated_t,
    pooled_variance,
)

__all__ = [
    "CORRECTIONS",
    "IMPROVEMENT",
    "MIN_PAIRS",
    "MIN_RUNS",
    "MODES",
    "MODE_FEW_RUNS",
    "MODE_PAIRED",
    "MODE_POOLED",
    "MODE_ROUNDS",
    "MODE_RUNS",
    "NO_CHANGE",
    "REGRESSION",
    "TOO_FEW",
    "VERDICTS",
    "CellComparison",
    "adjust_pvalues",
    "compare_many",
    "compare_many_runs",
    "compare_paired",
    "compare_runs",
    "compare_samples",
    "summarize",
]

from jwtbench.analysis.cells import (
    CORRECTIONS,
    IMPROVEMENT,
    MIN_PAIRS,
    MIN_RUNS,
    MODE_FEW_RUNS,
    MODE_PAIRED,
    MODE_POOLED,
    MODE_ROUNDS,
    MODE_RUNS,
    MODES,
    NO_CHANGE,
    REGRESSION,
    TOO_FEW,
    VERDICTS,
    CellComparison,
    K,
    PairedRound,
    _as_runs,
    _as_timings,
    _check_min_runs,
    _check_params,
    _decide,
    _measure,
    _measure_paired,
    _measure_runs,
)


def summarize(samples: Sequence[float]) -> dict[str, float | int]:
    """Median, quartiles, IQR and count of one sample, for reports.

    Quartiles use numpy's default (linear) interpolation; an empty sample
    gives ``nan`` statistics and ``n == 0``.
    """
    x = _as_timings(samples, "samples")
    if x.size == 0:
        nan = math.nan
        return {"median": nan, "q1": nan, "q3": nan, "iqr": nan, "n": 0}
    q1, median, q3 = (float(v) for v in np.quantile(x, [0.25, 0.5, 0.75]))
    return {"median": median, "q1": q1, "q3": q3, "iqr": q3 - q1, "n": int(x.size)}


def adjust_pvalues(pvalues: Sequence[float], method: str = "holm") -> list[float]:
    """Adjust p-values for multiple comparisons; returns them in input order.

    ``"holm"`` (Holm-Bonferroni step-down, controls the family-wise error
    rate with no assumption on dependence), ``"bh"`` (Benjamini-Hochberg,
    controls the false discovery rate), ``"bonferroni"`` or ``"none"``.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError("pvalues must be a flat sequence")
    if np.any(np.isnan(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    m = p.size
    if m == 0 or method == "none":
        return [float(v) for v in p]
    if method == "holm":
        order = np.argsort(p, kind="stable")
        # k-th smallest (0-based) times (m - k), made monotone, capped at 1.
        stepped = np.maximum.accumulate(p[order] * (m - np.arange(m)))
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(stepped, 1.0)
    elif method == "bh":
        adjusted = np.asarray(sps.false_discovery_control(p, method="bh"), dtype=np.float64)
    elif method == "bonferroni":
        adjusted = np.minimum(p * m, 1.0)
    else:
        raise ValueError(f"unknown correction {method!r}; expected one of {CORRECTIONS}")
    return [float(v) for v in adjusted]


def compare_samples(
    base: Sequence[float],
    head: Sequence[float],
    *,
    threshold: float = 0.10,
    alpha: float = 0.01,
    n_boot: int = 2000,
    seed: int = 0,
    min_rounds: int = 5,
) -> CellComparison:
    """Compare one cell's base and head rounds; see the module docstring for the rule."""
    _check_params(threshold, alpha, n_boot, min_rounds)
    partial = _measure(base, head, alpha=alpha, n_boot=n_boot, seed=seed, min_rounds=min_rounds)
    return _decide(partial, partial.p_value, threshold=threshold, alpha=alpha)


def compare_many(
    pairs: Mapping[K, tuple[Sequence[float], Sequence[float]]],
    *,
    threshold: float = 0.10,
    alpha: float = 0.01,
    correction: str = "holm",
    n_boot: int = 2000,
    seed: int = 0,
    min_rounds: int = 5,
) -> dict[K, CellComparison]:
    """Compare many cells ``{key: (base, head)}`` with p-values adjusted across them.

    Raw Mann-Whitney p-values of the cells that have enough rounds are
    adjusted together with ``correction`` (see :func:`adjust_pvalues`); each
    verdict and the returned ``p_value`` use the adjusted value. Cells with
    too few rounds are not part of the family.
    """
    _check_params(threshold, alpha, n_boot, min_rounds)
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r}; expected one of {CORRECTIONS}")
    measured = {
        key: _measure(base, head, alpha=alpha, n_boot=n_boot, seed=seed, min_rounds=min_rounds)
        for key, (base, head) in pairs.items()
    }
    return _adjust_and_decide(measured, threshold=threshold, alpha=alpha, correction=correction)


def compare_runs(
    base_runs: Sequence[Sequence[float]],
    head_runs: Sequence[Sequence[float]],
    *,
    threshold: float = 0.10,
    alpha: float = 0.01,
    n_boot: int = 2000,
    seed: int = 0,
    min_rounds: int = 5,
    min_runs: int = MIN_RUNS,
) -> CellComparison:
    """Compare one cell whose rounds come in runs: ``[[round, ...], ...]`` per side.

    See "Samples that come in runs" in the module docstring for the test, the
    interval and the rule. Empty runs are ignored; ``min_rounds`` applies to
    each side's rounds pooled over its runs.
    """
    _check_params(threshold, alpha, n_boot, min_rounds)
    _check_min_runs(min_runs)
    partial = _measure_runs(
        base_runs,
        head_runs,
        alpha=alpha,
        n_boot=n_boot,
        seed=seed,
        min_rounds=min_rounds,
        min_runs=min_runs,
    )
    return _decide(partial, partial.p_value, threshold=threshold, alpha=alpha)


def compare_many_runs(
    pairs: Mapping[K, tuple[Sequence[Sequence[float]], Sequence[Sequence[float]]]],
    *,
    threshold: float = 0.10,
    alpha: float = 0.01,
    correction: str = "holm",
    n_boot: int = 2000,
    seed: int = 0,
    min_rounds: int = 5,
    min_runs: int = MIN_RUNS,
    paired: Mapping[K, Sequence[PairedRound]] | None = None,
) -> dict[K, CellComparison]:
    """:func:`compare_runs` for many cells ``{key: (base_runs, head_runs)}``.

    As :func:`compare_many`: the raw p-values of every cell with enough rounds
    (Welch for cells with enough runs, Mann-Whitney for the others; each is a
    valid p-value for its cell) are adjusted together with ``correction``, and
    each verdict uses the adjusted value. Cells in ``paired`` (lockstep
    bursts, see :func:`compare_paired`) are judged pair by pair instead.
    """
    _check_params(threshold, alpha, n_boot, min_rounds)
    _check_min_runs(min_runs)
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r}; expected one of {CORRECTIONS}")
    paired = paired or {}
    measured = {
        key: _measure_paired(paired[key], alpha=alpha, n_boot=n_boot, seed=seed)
        if key in paired
        else _measure_runs(
            base,
            head,
            alpha=alpha,
            n_boot=n_boot,
            seed=seed,
            min_rounds=min_rounds,
            min_runs=min_runs,
        )
        for key, (base, head) in pairs.items()
    }
    measured = _pool_drift(measured, pairs, threshold=threshold, alpha=alpha, correction=correction)
    decided = _adjust_and_decide(measured, threshold=threshold, alpha=alpha, correction=correction)
    up = 1 + threshold
    return {
        key: cell
        if not cell.runs_needed or (cell.verdict == NO_CHANGE and not 1 / up <= cell.ratio <= up)
        else dataclasses.replace(cell, runs_needed=0)
        for key, cell in decided.items()
    }


def _pool_drift(
    measured: dict[K, CellComparison],
    pairs: Mapping[K, tuple[Sequence[Sequence[float]], Sequence[Sequence[float]]]],
    *,
    threshold: float,
    alpha: float,
    correction: str,
) -> dict[K, CellComparison]:
    """Run-level cells re-judged by the moderated t (``jwtbench.analysis.moderated``).

    Only with at least ``MIN_FAMILY`` such cells; the interval is at level
    ``1 - alpha / m`` over the ``m`` tested cells, so it agrees with the
    adjusted p-value that decides.
    """
    keys = [k for k, c in measured.items() if c.mode == MODE_RUNS and c.verdict != TOO_FEW]
    if len(keys) < MIN_FAMILY:
        return measured
    logs = {
        k: (log_medians(_as_runs(pairs[k][0], "base")), log_medians(_as_runs(pairs[k][1], "head")))
        for k in keys
    }
    spreads = [pooled_variance(*logs[k]) for k in keys]
    prior = fit_prior([v for v, _ in spreads], [d for _, d in spreads])
    if math.isnan(prior.s0_sq):
        return measured
    tested = sum(c.verdict != TOO_FEW for c in measured.values())
    level = alpha if correction == "none" else alpha / tested
    out = dict(measured)
    for k in keys:
        mod = moderated_t(*logs[k], prior, level_alpha=level, margin=1 + threshold / 2)
        out[k] = dataclasses.replace(
            measured[k],
            ratio=mod.ratio,
            ci_low=mod.ci_low,
            ci_high=mod.ci_high,
            p_value=mod.p_value,
            mode=MODE_POOLED,
            runs_needed=mod.runs_needed,
        )
    return out


def compare_paired(
    rounds: Sequence[PairedRound],
    *,
    threshold: float = 0.10,
    alpha: float = 0.01,
    n_boot: int = 2000,
    seed: int = 0,
) -> CellComparison:
    """Compare one cell timed in lockstep: per round, (base burst, head burst) pairs.

    Each pair's ratio (head burst median / base burst median) was measured
    within milliseconds, on the same CPU, at the same machine speed
    (``jwtbench.envs.lockstep``). The point estimate is the median ratio; the p-value
    a Wilcoxon signed-rank test on the log ratios (two-sided, robust to the
    occasional burst that a context switch spoiled); the CI a two-level
    bootstrap (rounds, then pairs) of the median ratio, so a round whose two
    processes differed as a whole widens it. The verdict rule is the
    run-level one (``ratio > 1 + t``, ``p < alpha``, ``ci_low > 1 + t/2``);
    the margin also absorbs a small fixed difference between two processes
    running the same code.
    """
    _check_params(threshold, alpha, n_boot, 2)
    partial = _measure_paired(rounds, alpha=alpha, n_boot=n_boot, seed=seed)
    return _decide(partial, partial.p_value, threshold=threshold, alpha=alpha)


# -- internals ---------------------------------------------------------------


def _adjust_and_decide(
    measured: Mapping[K, CellComparison], *, threshold: float, alpha: float, correction: str
) -> dict[K, CellComparison]:
    """Adjust the raw p-values of the tested cells together, then decide every cell."""
    tested = [key for key, cell in measured.items() if cell.verdict != TOO_FEW]
    adjusted = dict(
        zip(tested, adjust_pvalues([measured[k].p_value for k in tested], correction), strict=True)
    )
    return {
        key: _decide(cell, adjusted.get(key, math.nan), threshold=threshold, alpha=alpha)
        for key, cell in measured.items()
    }
