"""bench.stats: verdicts on synthetic timings with known answers (all seeded)."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from bench.stats import (
    IMPROVEMENT,
    NO_CHANGE,
    REGRESSION,
    TOO_FEW,
    CellComparison,
    _bootstrap_medians,
    _decide,
    adjust_pvalues,
    compare_many,
    compare_samples,
    summarize,
)

BASE_TIME = 2e-4  # seconds per operation


def timings(
    rng: np.random.Generator,
    n: int,
    *,
    scale: float = 1.0,
    sigma: float = 0.10,
    outlier_rate: float = 0.05,
) -> list[float]:
    """Lognormal rounds around ``BASE_TIME * scale``; some rounds 2-5x (context switches)."""
    x = BASE_TIME * scale * rng.lognormal(0.0, sigma, n)
    hit = rng.random(n) < outlier_rate
    x[hit] *= rng.uniform(2.0, 5.0, int(hit.sum()))
    return [float(v) for v in x]


def flagged(results: Mapping[Any, CellComparison]) -> dict[Any, str]:
    """Cells whose verdict is a regression or an improvement."""
    return {k: c.verdict for k, c in results.items() if c.verdict in (REGRESSION, IMPROVEMENT)}


# -- false positives -----------------------------------------------------------


def test_identical_distributions_never_flagged() -> None:
    rng = np.random.default_rng(101)
    sigmas = (0.05, 0.10, 0.15)
    rounds = (20, 35, 60)
    for trial in range(50):
        pairs = {
            cell: (timings(rng, n, sigma=s), timings(rng, n, sigma=s))
            for cell, (s, n) in enumerate(itertools.product(sigmas, rounds))
        }
        results = compare_many(pairs, seed=trial)
        assert flagged(results) == {}, f"trial {trial}"
        assert all(c.verdict == NO_CHANGE for c in results.values())


def test_identical_distributions_not_flagged_even_without_correction() -> None:
    rng = np.random.default_rng(102)
    for trial in range(50):
        base, head = timings(rng, 30, sigma=0.15), timings(rng, 30, sigma=0.15)
        assert compare_samples(base, head, seed=trial).verdict == NO_CHANGE


def test_five_percent_shift_is_never_a_regression_at_ten_percent_threshold() -> None:
    # Per cell, no multiple-comparison help: the ratio and CI-margin conditions do it.
    rng = np.random.default_rng(103)
    for trial in range(50):
        n = (30, 50, 100)[trial % 3]
        base = timings(rng, n, sigma=0.05)
        head = timings(rng, n, sigma=0.05, scale=1.05)
        result = compare_samples(base, head, threshold=0.10, seed=trial)
        assert result.verdict != REGRESSION, f"trial {trial}: {result}"


def test_five_percent_shift_on_noisy_rounds_is_rarely_a_regression() -> None:
    # At exactly threshold/2 the margin bounds the rate by alpha/2 = 0.5% per cell
    # (plain ci_low > 1 gives 3-5% here); allow 2% of 200 for sampling noise.
    rng = np.random.default_rng(113)
    regressions = 0
    for trial in range(200):
        sigma = (0.10, 0.15)[trial % 2]
        base = timings(rng, 30, sigma=sigma)
        head = timings(rng, 30, sigma=sigma, scale=1.05)
        regressions += compare_samples(base, head, seed=trial).verdict == REGRESSION
    assert regressions <= 4


def test_heavy_outliers_on_one_side_do_not_flag() -> None:
    rng = np.random.default_rng(104)
    for trial in range(20):
        base = timings(rng, 30, sigma=0.05, outlier_rate=0.0)
        head = timings(rng, 30, sigma=0.05, outlier_rate=0.0)
        head_spiky = [5 * v for v in head[:3]] + head[3:]  # three 5x rounds
        base_spiky = [5 * v for v in base[:3]] + base[3:]
        slower = compare_samples(base, head_spiky, seed=trial)
        faster = compare_samples(base_spiky, head, seed=trial)
        assert slower.verdict == NO_CHANGE, slower
        assert faster.verdict == NO_CHANGE, faster
        assert slower.ratio < 1.1  # the median barely moves...
        assert np.mean(head_spiky) / np.mean(base) > 1.25  # ...where the mean would flag


def test_verdict_rule_boundaries() -> None:
    # ratio, ci_low, ci_high, p -> verdict, with threshold 0.10 and alpha 0.01
    cases = [
        ((1.20, 1.06, 1.40, 1e-6), REGRESSION),
        ((1.20, 1.04, 1.40, 1e-6), NO_CHANGE),  # CI above 1 but not above 1 + t/2
        ((1.09, 1.06, 1.12, 1e-6), NO_CHANGE),  # certain, but below the threshold
        ((1.20, 1.06, 1.40, 0.02), NO_CHANGE),  # p not below alpha
        ((1 / 1.2, 1 / 1.4, 1 / 1.06, 1e-6), IMPROVEMENT),
        ((1 / 1.2, 1 / 1.4, 1 / 1.04, 1e-6), NO_CHANGE),
        ((1 / 1.09, 1 / 1.12, 1 / 1.06, 1e-6), NO_CHANGE),
    ]
    for (ratio, low, high, p), expected in cases:
        cell = CellComparison(1.0, ratio, ratio, low, high, p, 30, 30, NO_CHANGE)
        assert _decide(cell, p, threshold=0.10, alpha=0.01).verdict == expected, (ratio, low)
    few = CellComparison(1.0, 2.0, 2.0, math.nan, math.nan, math.nan, 3, 30, TOO_FEW)
    assert _decide(few, 0.0, threshold=0.10, alpha=0.01) == few


# -- detection ----------------------------------------------------------------------


def test_twenty_percent_shift_in_one_of_thirty_cells_is_exactly_that_cell() -> None:
    rng = np.random.default_rng(105)
    for trial, culprit in enumerate((0, 17, 29)):
        pairs = {
            cell: (
                timings(rng, 60),
                timings(rng, 60, scale=1.2 if cell == culprit else 1.0),
            )
            for cell in range(30)
        }
        results = compare_many(pairs, seed=trial)
        assert flagged(results) == {culprit: REGRESSION}, f"trial {trial}"
        hit = results[culprit]
        assert 1.05 < hit.ci_low < hit.ratio < hit.ci_high
        assert 1.1 < hit.ratio < 1.3
        assert hit.p_value < 0.01


def test_twenty_percent_shift_on_quiet_rounds_is_flagged() -> None:
    rng = np.random.default_rng(106)
    for trial in range(20):
        base = timings(rng, 30, sigma=0.05)
        head = timings(rng, 30, sigma=0.05, scale=1.2)
        assert compare_samples(base, head, seed=trial).verdict == REGRESSION


def test_improvement_is_detected_symmetrically() -> None:
    rng = np.random.default_rng(107)
    pairs = {
        cell: (timings(rng, 60), timings(rng, 60, scale=1 / 1.2 if cell == 4 else 1.0))
        for cell in range(30)
    }
    assert flagged(compare_many(pairs)) == {4: IMPROVEMENT}

    base, head = pairs[4]
    forward = compare_samples(base, head)
    backward = compare_samples(head, base)
    assert (forward.verdict, backward.verdict) == (IMPROVEMENT, REGRESSION)
    assert forward.ratio == pytest.approx(1 / backward.ratio)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.ci_low == pytest.approx(1 / backward.ci_high, rel=0.03)
    assert forward.ci_high == pytest.approx(1 / backward.ci_low, rel=0.03)


def test_shift_beyond_threshold_needs_significance() -> None:
    # Head's median is 14% higher, but only because half its rounds moved.
    base = [1e-4 * (1 + i / 10) for i in range(10)]
    head = base[:5] + [v + 0.4e-4 for v in base[5:]]
    result = compare_samples(base, head)
    assert result.ratio == pytest.approx(1.65 / 1.45)
    assert result.p_value > 0.01
    assert result.ci_low < 1 < result.ci_high
    assert result.verdict == NO_CHANGE


# -- too few rounds -----------------------------------------------------------


def test_too_few_rounds_is_never_a_regression() -> None:
    base = [1e-4] * 4
    head = [9e-4] * 30
    result = compare_samples(base, head)
    assert result.verdict == TOO_FEW
    assert (result.base_rounds, result.head_rounds) == (4, 30)
    assert result.ratio == pytest.approx(9.0)
    assert math.isnan(result.p_value) and math.isnan(result.ci_low)
    assert compare_samples(head, []).verdict == TOO_FEW
    assert compare_samples(base, head, min_rounds=4).verdict == REGRESSION


def test_too_few_rounds_cells_are_left_out_of_the_family() -> None:
    rng = np.random.default_rng(109)
    base, head = timings(rng, 30), timings(rng, 30, scale=1.2)
    results = compare_many({"short": ([1e-4] * 3, [2e-4] * 3), "ok": (base, head)})
    alone = compare_samples(base, head)
    assert results["short"].verdict == TOO_FEW
    assert math.isnan(results["short"].p_value)
    assert results["ok"] == alone  # a family of one: Holm leaves p unchanged


# -- p-value adjustment ------------------------------------------------------------


def test_holm_matches_hand_computation() -> None:
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> max(0.06, 0.04)
    assert adjust_pvalues([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert adjust_pvalues([0.5, 0.6, 0.001], "holm") == pytest.approx([1.0, 1.0, 0.003])
    assert adjust_pvalues([]) == []


def test_other_corrections() -> None:
    # BH: 0.01*4/1=0.04, 0.03*4/2=0.06, 0.04*4/3=0.0533, 0.2 -> step-up minimum
    assert adjust_pvalues([0.01, 0.04, 0.03, 0.2], "bh") == pytest.approx(
        [0.04, 0.16 / 3, 0.16 / 3, 0.2]
    )
    assert adjust_pvalues([0.01, 0.3], "bonferroni") == pytest.approx([0.02, 0.6])
    assert adjust_pvalues([0.01, 0.3], "none") == [0.01, 0.3]
    with pytest.raises(ValueError, match="unknown correction"):
        adjust_pvalues([0.01], "sidak")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_pvalues([0.01, 1.5])


def test_correction_can_turn_a_flag_off() -> None:
    # Six clean rounds a side, 20% slower: a regression on its own (exact p =
    # 2/924), but not among 30 cells once Holm multiplies that p by 30.
    rng = np.random.default_rng(110)
    base, head = (
        timings(rng, 6, sigma=0.02, outlier_rate=0),
        timings(rng, 6, sigma=0.02, scale=1.2, outlier_rate=0),
    )
    alone = compare_samples(base, head)
    assert alone.verdict == REGRESSION and alone.p_value > 0.01 / 30
    crowd = {
        i: (timings(rng, 6, outlier_rate=0), timings(rng, 6, outlier_rate=0)) for i in range(29)
    }
    results = compare_many({**crowd, "x": (base, head)})
    assert results["x"].verdict == NO_CHANGE
    assert results["x"].p_value == pytest.approx(min(1.0, alone.p_value * 30))
    assert compare_many({**crowd, "x": (base, head)}, correction="none")["x"].verdict == REGRESSION


# -- bootstrap, summary, validation --------------------------------------------------


@pytest.mark.parametrize("n", [4, 5])
def test_bootstrap_medians_match_exhaustive_resampling(n: int) -> None:
    # Every one of the n**n resamples, equally likely: the exact bootstrap law.
    x = np.array([1.0, 2.0, 3.5, 7.0, 11.0][:n])
    idx = np.array(list(itertools.product(range(n), repeat=n)))
    exact = np.median(x[idx], axis=1)
    drawn = _bootstrap_medians(x[::-1].copy(), 200_000, np.random.default_rng(0))
    grid = np.unique(exact)
    exact_cdf = np.searchsorted(np.sort(exact), grid, side="right") / exact.size
    drawn_cdf = np.searchsorted(np.sort(drawn), grid, side="right") / drawn.size
    assert set(np.unique(drawn)) <= set(grid)
    assert np.max(np.abs(exact_cdf - drawn_cdf)) < 0.006


def test_results_are_deterministic() -> None:
    rng = np.random.default_rng(111)
    base, head = timings(rng, 40), timings(rng, 40, scale=1.15)
    assert compare_samples(base, head, seed=7) == compare_samples(base, head, seed=7)
    assert compare_samples(base, head, seed=7) != compare_samples(base, head, seed=8)


def test_thousand_rounds_is_fast() -> None:
    rng = np.random.default_rng(112)
    base, head = timings(rng, 1000), timings(rng, 1000, scale=1.2)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        result = compare_samples(base, head, n_boot=2000)
        best = min(best, time.perf_counter() - start)
    assert result.verdict == REGRESSION
    assert best < 0.1


def test_summarize() -> None:
    assert summarize([5.0, 1.0, 4.0, 2.0, 3.0]) == {
        "median": 3.0,
        "q1": 2.0,
        "q3": 4.0,
        "iqr": 2.0,
        "n": 5,
    }
    empty = summarize([])
    assert empty["n"] == 0 and math.isnan(empty["median"])


@pytest.mark.parametrize("bad", [[1e-4, -1e-4, 2e-4], [1e-4, math.nan], [0.0, 1e-4]])
def test_rejects_impossible_timings(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="finite, positive"):
        compare_samples(bad * 5, [1e-4] * 10)


@pytest.mark.parametrize(
    "kwargs",
    [{"threshold": 0.0}, {"alpha": 1.0}, {"n_boot": 10}, {"min_rounds": 1}],
)
def test_rejects_meaningless_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        compare_samples([1e-4] * 10, [1e-4] * 10, **kwargs)  # type: ignore[arg-type]


def test_rejects_unknown_correction() -> None:
    with pytest.raises(ValueError, match="unknown correction"):
        compare_many({}, correction="sidak")
