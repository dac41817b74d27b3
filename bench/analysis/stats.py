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
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from scipy import stats as sps  # type: ignore[import-untyped]

__all__ = [
    "CORRECTIONS",
    "IMPROVEMENT",
    "MIN_PAIRS",
    "MIN_RUNS",
    "MODES",
    "MODE_FEW_RUNS",
    "MODE_PAIRED",
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

K = TypeVar("K", bound=Hashable)
FloatArray = npt.NDArray[np.float64]

REGRESSION = "regression"
IMPROVEMENT = "improvement"
NO_CHANGE = "no significant change"
TOO_FEW = "too few rounds"
#: Every verdict, in the order a report would list them.
VERDICTS = (REGRESSION, IMPROVEMENT, NO_CHANGE, TOO_FEW)
#: Accepted ``method`` / ``correction`` names for :func:`adjust_pvalues`.
CORRECTIONS = ("holm", "bh", "bonferroni", "none")

#: How a cell was compared (``CellComparison.mode``):
#: rounds taken as independent samples (:func:`compare_samples`);
MODE_ROUNDS = "rounds"
#: several runs per side, judged by their run-to-run spread (:func:`compare_runs`);
MODE_RUNS = "runs"
#: too few runs on a side for that (one run, typically): pooled rounds, stricter rule.
MODE_FEW_RUNS = "few runs"
#: base and head timed in lockstep bursts, compared burst pair by pair (:func:`compare_paired`).
MODE_PAIRED = "paired"
MODES = (MODE_PAIRED, MODE_RUNS, MODE_FEW_RUNS, MODE_ROUNDS)
#: Burst pairs needed for a paired verdict.
MIN_PAIRS = 6
#: One lockstep round of a cell: (base burst, head burst) pairs, in order.
PairedRound = Sequence[tuple[Sequence[float], Sequence[float]]]
#: Runs needed on *each* side for the run-level test (:func:`compare_runs`).
MIN_RUNS = 2


@dataclass(frozen=True)
class CellComparison:
    """Outcome of comparing one cell's base and head rounds.

    ``ratio`` is ``head_median / base_median`` (> 1 means head is slower);
    ``ci_low``/``ci_high`` bound it at level ``1 - alpha`` (bootstrap
    percentile interval). ``p_value`` is the two-sided p-value (see ``mode``),
    adjusted across cells when produced by :func:`compare_many` or
    :func:`compare_many_runs`. Fields that cannot be computed (too few rounds)
    are ``nan``.

    ``base_runs``/``head_runs`` count the non-empty runs each side's rounds
    came from, and ``mode`` says how the cell was judged: :data:`MODE_ROUNDS`
    (:func:`compare_samples`: Mann-Whitney on rounds), :data:`MODE_RUNS`
    (Welch t-test on log per-run medians, two-level bootstrap) or
    :data:`MODE_FEW_RUNS` (Mann-Whitney on pooled rounds, two-level bootstrap,
    stricter margin). With runs, the medians are of the rounds pooled over runs.
    """

    base_median: float
    head_median: float
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    base_rounds: int
    head_rounds: int
    verdict: str
    base_runs: int = 1
    head_runs: int = 1
    mode: str = MODE_ROUNDS


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
    return _adjust_and_decide(measured, threshold=threshold, alpha=alpha, correction=correction)


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


def _check_min_runs(min_runs: int) -> None:
    if min_runs < 2:
        raise ValueError(f"min_runs must be >= 2, got {min_runs!r}")


def _as_runs(runs: Sequence[Sequence[float]], name: str) -> list[FloatArray]:
    """Each run's timings as an array (validated); empty runs dropped."""
    if isinstance(runs, np.ndarray) and runs.ndim == 1:
        raise ValueError(f"{name} must be a sequence of runs, each a sequence of timings")
    out = []
    for index, run in enumerate(runs):
        if isinstance(run, (int, float)):
            raise ValueError(f"{name} must be a sequence of runs, each a sequence of timings")
        x = _as_timings(run, f"{name} run {index + 1}")
        if x.size:
            out.append(x)
    return out


def _measure_runs(
    base_runs: Sequence[Sequence[float]],
    head_runs: Sequence[Sequence[float]],
    *,
    alpha: float,
    n_boot: int,
    seed: int,
    min_rounds: int,
    min_runs: int,
) -> CellComparison:
    """Pooled medians, raw p-value (Welch or Mann-Whitney) and the two-level bootstrap CI."""
    b_runs, h_runs = _as_runs(base_runs, "base"), _as_runs(head_runs, "head")
    b = np.concatenate(b_runs) if b_runs else np.empty(0)
    h = np.concatenate(h_runs) if h_runs else np.empty(0)
    b_med = float(np.median(b)) if b.size else math.nan
    h_med = float(np.median(h)) if h.size else math.nan
    ratio = h_med / b_med if b.size and h.size else math.nan
    enough_runs = len(b_runs) >= min_runs and len(h_runs) >= min_runs
    mode = MODE_RUNS if enough_runs else MODE_FEW_RUNS
    counts = (b.size, h.size, len(b_runs), len(h_runs))
    if b.size < min_rounds or h.size < min_rounds:
        nan = math.nan
        return _cell(b_med, h_med, ratio, nan, nan, nan, counts, TOO_FEW, mode)
    if enough_runs:
        p_value = _welch_log_medians(
            np.array([np.median(r) for r in b_runs]), np.array([np.median(r) for r in h_runs])
        )
    else:
        p_value = float(sps.mannwhitneyu(b, h, alternative="two-sided").pvalue)
    if math.isnan(p_value):  # cannot happen with positive finite data; be safe
        p_value = 1.0
    rng = np.random.default_rng(seed)
    head_boot = _bootstrap_run_medians(h_runs, n_boot, rng)
    boot = head_boot / _bootstrap_run_medians(b_runs, n_boot, rng)
    ci_low, ci_high = (float(v) for v in np.quantile(boot, [alpha / 2, 1 - alpha / 2]))
    return _cell(b_med, h_med, ratio, ci_low, ci_high, p_value, counts, NO_CHANGE, mode)


def _measure_paired(
    rounds: Sequence[PairedRound], *, alpha: float, n_boot: int, seed: int
) -> CellComparison:
    """Median pair ratio, Wilcoxon signed-rank p-value and the two-level bootstrap CI."""
    ratio_runs: list[FloatArray] = []
    b_parts: list[FloatArray] = []
    h_parts: list[FloatArray] = []
    for index, round_ in enumerate(rounds):
        ratios = []
        for base, head in round_:
            b = _as_timings(base, f"base burst of round {index + 1}")
            h = _as_timings(head, f"head burst of round {index + 1}")
            if b.size and h.size:
                ratios.append(float(np.median(h) / np.median(b)))
                b_parts.append(b)
                h_parts.append(h)
        if ratios:
            ratio_runs.append(np.array(ratios))
    b_all = np.concatenate(b_parts) if b_parts else np.empty(0)
    h_all = np.concatenate(h_parts) if h_parts else np.empty(0)
    b_med = float(np.median(b_all)) if b_all.size else math.nan
    h_med = float(np.median(h_all)) if h_all.size else math.nan
    counts = (b_all.size, h_all.size, len(ratio_runs), len(ratio_runs))
    ratios_all = np.concatenate(ratio_runs) if ratio_runs else np.empty(0)
    if ratios_all.size < MIN_PAIRS:
        nan = math.nan
        ratio = h_med / b_med if b_all.size else nan
        return _cell(b_med, h_med, ratio, nan, nan, nan, counts, TOO_FEW, MODE_PAIRED)
    logs = np.log(ratios_all)
    p_value = 1.0 if not np.any(logs) else float(sps.wilcoxon(logs).pvalue)
    if math.isnan(p_value):
        p_value = 1.0
    boot = _bootstrap_run_medians(ratio_runs, n_boot, np.random.default_rng(seed))
    ci_low, ci_high = (float(v) for v in np.quantile(boot, [alpha / 2, 1 - alpha / 2]))
    ratio = float(np.median(ratios_all))
    return _cell(b_med, h_med, ratio, ci_low, ci_high, p_value, counts, NO_CHANGE, MODE_PAIRED)


def _cell(
    b_med: float,
    h_med: float,
    ratio: float,
    ci_low: float,
    ci_high: float,
    p_value: float,
    counts: tuple[int, int, int, int],
    verdict: str,
    mode: str,
) -> CellComparison:
    b_rounds, h_rounds, b_runs, h_runs = counts
    return CellComparison(
        b_med, h_med, ratio, ci_low, ci_high, p_value, b_rounds, h_rounds, verdict,
        base_runs=b_runs, head_runs=h_runs, mode=mode,
    )  # fmt: skip


def _welch_log_medians(base: FloatArray, head: FloatArray) -> float:
    """Two-sided Welch t-test p-value on the logs of per-run medians (>= 2 runs a side).

    Computed by hand for the degenerate cases: runs that agree exactly on
    both sides (identical files) give ``1.0`` if the means agree, else ``0.0``.
    """
    lb, lh = np.log(base), np.log(head)
    diff = float(lh.mean() - lb.mean())
    vb, vh = float(lb.var(ddof=1)) / lb.size, float(lh.var(ddof=1)) / lh.size
    se2 = vb + vh
    if se2 <= 0.0:
        return 1.0 if diff == 0.0 else 0.0
    df = se2**2 / (vb**2 / (lb.size - 1) + vh**2 / (lh.size - 1))
    t = abs(diff) / math.sqrt(se2)
    return float(min(1.0, 2.0 * sps.t.sf(t, df)))


def _bootstrap_run_medians(
    runs: Sequence[FloatArray], n_boot: int, rng: np.random.Generator
) -> FloatArray:
    """Pooled medians of ``n_boot`` two-level bootstrap resamples of ``runs``.

    A resample draws ``len(runs)`` runs with replacement, then resamples each
    drawn run's rounds with replacement (its own size), pools them and takes
    the median (``np.median`` semantics). One run: the plain bootstrap,
    :func:`_bootstrap_medians`.

    Drawn exactly without materializing resamples: run ``r`` drawn ``c``
    times contributes ``c * n_r`` draws spread uniformly over its rounds, so
    the draws that fall among any set of its rounds, given those falling in a
    larger set, are binomial. A bisection over the pooled rounds in sorted
    order (for every replicate at once) finds the position holding the
    middle draw in ``log2(total rounds)`` binomial steps; for an even total,
    the next draw's position comes from a second bisection over the draws
    left above it. Same law as resampling round indices and calling
    ``np.median`` (the tests check it), in O(n_boot * runs * log rounds)
    instead of O(n_boot * rounds): ~15-20 ms for 2000 replicates of 6 runs
    of 20-200 rounds.
    """
    if len(runs) == 1:
        return _bootstrap_medians(runs[0], n_boot, rng)
    n_runs = len(runs)
    sizes = np.array([r.size for r in runs], dtype=np.int64)
    values = np.concatenate(runs)
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    owner = np.repeat(np.arange(n_runs), sizes)[order]  # run of each sorted position
    # below[r, j]: rounds of run r among the sorted positions < j
    below = np.zeros((n_runs, values.size + 1), dtype=np.int64)
    below[:, 1:] = np.cumsum(owner[None, :] == np.arange(n_runs)[:, None], axis=1)

    picks = rng.integers(0, n_runs, size=(n_boot, n_runs))
    chosen = (picks[:, :, None] == np.arange(n_runs)).sum(axis=1)  # times each run drawn
    draws = chosen * sizes  # (n_boot, n_runs) draws per run
    total = draws.sum(axis=1)
    k = (total - 1) // 2  # 0-based rank of the lower middle draw
    start = np.zeros(n_boot, dtype=np.int64)
    pos, left, here = _bisect_rank(below, start, np.zeros_like(draws), draws, k, rng)
    lower = sorted_values[pos]
    # even total: the upper middle draw is the next one, at pos or above it
    through = (left + here).sum(axis=1)  # draws at positions <= pos
    rows = np.flatnonzero((total % 2 == 0) & (through <= k + 1))
    upper = lower.copy()
    if rows.size:  # the lowest draw above pos, in the rows that need it
        rest = (draws - left - here)[rows]
        nxt, _, _ = _bisect_rank(
            below, pos[rows] + 1, np.zeros_like(rest), rest, np.zeros(rows.size, np.int64), rng
        )
        upper[rows] = sorted_values[nxt]
    out: FloatArray = 0.5 * (lower + upper)
    return out


def _bisect_rank(
    below: npt.NDArray[np.int64],
    start: npt.NDArray[np.int64],
    left: npt.NDArray[np.int64],
    inside: npt.NDArray[np.int64],
    k: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per replicate, the sorted position holding the draw of rank ``k`` (0-based).

    ``inside[b, r]`` draws of run ``r`` lie (uniformly over its rounds) at
    positions ``>= start[b]``; ``left`` counts draws known to lie before the
    current interval. Returns the position and the final ``left``/``inside``
    (draws before it, draws at it).
    """
    n_pos = below.shape[1] - 1
    lo, hi = start.copy(), np.full_like(start, n_pos)
    left, inside = left.copy(), inside.copy()
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        part = (below[:, mid] - below[:, lo]).T  # (n_boot, n_runs) rounds in [lo, mid)
        whole = (below[:, hi] - below[:, lo]).T
        p = np.divide(part, whole, out=np.zeros(part.shape), where=whole > 0)
        x = rng.binomial(inside, p)
        go_low = (left.sum(axis=1) + x.sum(axis=1)) > k
        lo = np.where(go_low, lo, mid)
        hi = np.where(go_low, mid, hi)
        left = np.where(go_low[:, None], left, left + x)
        inside = np.where(go_low[:, None], x, inside - x)
    return lo, left, inside


def _check_params(threshold: float, alpha: float, n_boot: int, min_rounds: int) -> None:
    """Reject parameters that would make the verdict meaningless."""
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if n_boot < 100:
        raise ValueError(f"n_boot must be >= 100, got {n_boot!r}")
    if min_rounds < 2:
        raise ValueError(f"min_rounds must be >= 2, got {min_rounds!r}")


def _as_timings(samples: Sequence[float], name: str) -> FloatArray:
    """Timings as a 1-D float array; they must be finite and positive."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of timings")
    if x.size and not (np.all(np.isfinite(x)) and np.all(x > 0)):
        raise ValueError(f"{name} must contain finite, positive timings")
    return x


def _measure(
    base: Sequence[float],
    head: Sequence[float],
    *,
    alpha: float,
    n_boot: int,
    seed: int,
    min_rounds: int,
) -> CellComparison:
    """Medians, raw p-value and bootstrap CI; verdict is only TOO_FEW or provisional."""
    b = _as_timings(base, "base")
    h = _as_timings(head, "head")
    b_med = float(np.median(b)) if b.size else math.nan
    h_med = float(np.median(h)) if h.size else math.nan
    ratio = h_med / b_med if b.size and h.size else math.nan
    if b.size < min_rounds or h.size < min_rounds:
        nan = math.nan
        return CellComparison(b_med, h_med, ratio, nan, nan, nan, b.size, h.size, TOO_FEW)
    p_value = float(sps.mannwhitneyu(b, h, alternative="two-sided").pvalue)
    if math.isnan(p_value):  # cannot happen with positive finite data; be safe
        p_value = 1.0
    rng = np.random.default_rng(seed)
    boot = _bootstrap_medians(h, n_boot, rng) / _bootstrap_medians(b, n_boot, rng)
    ci_low, ci_high = (float(v) for v in np.quantile(boot, [alpha / 2, 1 - alpha / 2]))
    return CellComparison(b_med, h_med, ratio, ci_low, ci_high, p_value, b.size, h.size, NO_CHANGE)


def _bootstrap_medians(x: FloatArray, n_boot: int, rng: np.random.Generator) -> FloatArray:
    """Medians of ``n_boot`` bootstrap resamples of ``x``, drawn exactly in O(n_boot).

    A resample is ``n`` indices ``floor(n * U_i)`` with ``U_i`` iid uniform,
    so on sorted ``x`` its median is ``x`` at ``floor(n * U_(k))`` (and at
    ``floor(n * U_(k+1))`` for even ``n``). Those order statistics are drawn
    directly: ``U_(k) ~ Beta(k, n - k + 1)`` and, given ``U_(k) = u``,
    ``U_(k+1) = u + (1 - u) * Beta(1, n - k)``. This is the same distribution
    as ``np.median(x[rng.integers(0, n, (n_boot, n))], axis=1)`` (the tests
    check it) without the ``n_boot x n`` index matrix: microseconds instead
    of ~40 ms per side for 2000 resamples of 1000 rounds.
    """
    xs = np.sort(x)
    n = xs.size
    k = (n + 1) // 2  # 1-based rank of the (lower) middle order statistic
    u_lo = rng.beta(k, n - k + 1, size=n_boot)
    lo = np.minimum((u_lo * n).astype(np.intp), n - 1)
    if n % 2:
        return xs[lo]
    u_hi = u_lo + (1 - u_lo) * rng.beta(1, n - k, size=n_boot)
    hi = np.minimum((u_hi * n).astype(np.intp), n - 1)
    return 0.5 * (xs[lo] + xs[hi])


def _decide(
    cell: CellComparison, p_value: float, *, threshold: float, alpha: float
) -> CellComparison:
    """Final verdict from ``cell``'s ratio and CI and the (possibly adjusted) p-value.

    The CI must clear ``1 + t/2`` (``1 + t`` in :data:`MODE_FEW_RUNS`).
    """
    if cell.verdict == TOO_FEW:
        return cell
    significant = p_value < alpha
    up = 1 + threshold
    margin = up if cell.mode == MODE_FEW_RUNS else 1 + threshold / 2
    if significant and cell.ratio > up and cell.ci_low > margin:
        verdict = REGRESSION
    elif significant and cell.ratio < 1 / up and cell.ci_high < 1 / margin:
        verdict = IMPROVEMENT
    else:
        verdict = NO_CHANGE
    return dataclasses.replace(cell, p_value=p_value, verdict=verdict)
