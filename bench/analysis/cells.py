"""Per-cell verdict records and the measurements behind them (medians, raw p, intervals).

The constants and ``CellComparison`` every comparison returns, and the
internals of ``jwtbench.analysis.stats`` (which documents the rules and holds
the public functions): measuring one cell's rounds, runs or lockstep pairs,
and the final verdict from a (possibly adjusted) p-value.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from scipy import stats as sps  # type: ignore[import-untyped]

from jwtbench.analysis.bootstrap import bootstrap_medians, bootstrap_run_medians

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
#: a whole run's cells judged by their passes, drift pooled across cells
#: (``jwtbench.analysis.moderated``; :func:`compare_many_runs` with enough cells).
MODE_POOLED = "runs, pooled drift"
MODES = (MODE_PAIRED, MODE_POOLED, MODE_RUNS, MODE_FEW_RUNS, MODE_ROUNDS)
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
    #: Passes per side a verdict would need (:data:`MODE_POOLED` cells that moved
    #: beyond the threshold without reaching significance); 0 otherwise.
    runs_needed: int = 0


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
    head_boot = bootstrap_run_medians(h_runs, n_boot, rng)
    boot = head_boot / bootstrap_run_medians(b_runs, n_boot, rng)
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
    boot = bootstrap_run_medians(ratio_runs, n_boot, np.random.default_rng(seed))
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
    boot = bootstrap_medians(h, n_boot, rng) / bootstrap_medians(b, n_boot, rng)
    ci_low, ci_high = (float(v) for v in np.quantile(boot, [alpha / 2, 1 - alpha / 2]))
    return CellComparison(b_med, h_med, ratio, ci_low, ci_high, p_value, b.size, h.size, NO_CHANGE)


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
