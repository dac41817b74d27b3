"""jwtbench.analysis.stats: verdicts on synthetic timings with known answers (all seeded)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from scipy import stats as sps  # type: ignore[import-untyped]

from jwtbench.analysis.bootstrap import bootstrap_medians as _bootstrap_medians
from jwtbench.analysis.bootstrap import bootstrap_run_medians as _bootstrap_run_medians
from jwtbench.analysis.cells import _decide, _welch_log_medians
from jwtbench.analysis.stats import (
    IMPROVEMENT,
    MODE_FEW_RUNS,
    MODE_POOLED,
    MODE_ROUNDS,
    MODE_RUNS,
    NO_CHANGE,
    REGRESSION,
    TOO_FEW,
    CellComparison,
    adjust_pvalues,
    compare_many,
    compare_many_runs,
    compare_runs,
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


def test_thousand_rounds_are_judged() -> None:
    rng = np.random.default_rng(112)
    base, head = timings(rng, 1000), timings(rng, 1000, scale=1.2)
    assert compare_samples(base, head, n_boot=2000).verdict == REGRESSION


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


# -- samples that come in runs ---------------------------------------------------


def runs_of(
    rng: np.random.Generator,
    n_runs: int,
    *,
    drift: float,
    scale: float = 1.0,
    rounds: int = 20,
    sigma: float = 0.04,
    outlier_rate: float = 0.05,
) -> list[list[float]]:
    """``n_runs`` runs: each a lognormal(0, ``drift``) machine factor times tight rounds."""
    return [
        [f * v for v in timings(rng, rounds, scale=scale, sigma=sigma, outlier_rate=outlier_rate)]
        for f in rng.lognormal(0.0, drift, n_runs)
    ]


def test_drift_between_runs_is_not_flagged_with_six_runs_a_side() -> None:
    # 60 trials x 6 cells, drift sigma 0.15-0.30 between runs, rounds within a
    # run tight (sigma 0.04). Nominally at most alpha/2 = 0.5% of cells per
    # direction before Holm; simulated, ~0.25% per direction.
    rng = np.random.default_rng(201)
    drifts = (0.15, 0.2, 0.3)
    flags, naive, naive_cells, cells = 0, 0, 0, 0
    for trial in range(60):
        pairs = {
            (drift, i): (runs_of(rng, 6, drift=drift), runs_of(rng, 6, drift=drift))
            for drift in drifts
            for i in range(2)
        }
        results = compare_many_runs(pairs, seed=trial, n_boot=200)
        assert {c.mode for c in results.values()} == {MODE_RUNS}
        assert {(c.base_runs, c.head_runs) for c in results.values()} == {(6, 6)}
        flags += len(flagged(results))
        cells += len(results)
        if trial < 20:  # the old rule, every round an independent sample
            pooled = {k: (_flat(b), _flat(h)) for k, (b, h) in pairs.items()}
            naive += len(flagged(compare_many(pooled, seed=trial, n_boot=200)))
            naive_cells += len(pooled)
    assert flags <= 0.005 * cells  # 360 cells: at most 1 flag, either way
    # ...where taking the 120 rounds of a side as independent flags many cells
    assert naive >= 0.15 * naive_cells


def _flat(runs: list[list[float]]) -> list[float]:
    return [v for run in runs for v in run]


def test_true_slowdown_on_top_of_drift_is_flagged_with_six_runs_a_side() -> None:
    # Power of the run-level test (6 runs a side, per cell, alpha 0.01): the
    # drift between runs, not the rounds, limits it. Simulated: 1.5x under
    # drift 0.10 ~99%, 2x under 0.15 ~100%, 1.5x under 0.15 ~75%.
    rng = np.random.default_rng(202)
    cases = [(1.5, 0.10, 0.95), (2.0, 0.15, 0.95), (1.5, 0.15, 0.6), (1.3, 0.10, 0.5)]
    for slowdown, drift, power in cases:
        hits = 0
        for trial in range(40):
            result = compare_runs(
                runs_of(rng, 6, drift=drift),
                runs_of(rng, 6, drift=drift, scale=slowdown),
                seed=trial,
                n_boot=200,
            )
            assert result.verdict != IMPROVEMENT
            if result.verdict == REGRESSION:
                hits += 1
                assert result.ci_low < slowdown * 1.15 and result.ci_high > slowdown / 1.15
        assert hits >= power * 40, (slowdown, drift, hits)


def test_run_level_test_tolerates_more_drift_but_sees_a_steady_change() -> None:
    # Identical means, runs 0.8x-1.25x apart: no flag; the same with head's runs
    # all 1.5x and agreeing within 2%: flagged even with 3 runs a side.
    base = [[1e-4 * f] * 10 for f in (0.8, 1.0, 1.25)]
    drifty = [[1e-4 * f] * 10 for f in (1.25, 0.8, 1.0)]
    assert compare_runs(base, drifty).verdict == NO_CHANGE
    steady_base = [[1e-4 * f] * 10 for f in (1.0, 1.02, 0.99)]
    steady_head = [[1.5e-4 * f] * 10 for f in (1.01, 0.98, 1.0)]
    result = compare_runs(steady_base, steady_head)
    assert (result.verdict, result.mode) == (REGRESSION, MODE_RUNS)
    assert result.ratio == pytest.approx(1.5, rel=0.03)
    # a run of head that did not slow down makes the difference uncertain
    lucky = [[1.5e-4 * f] * 10 for f in (1.01, 0.98)] + [[0.97e-4] * 10]
    assert compare_runs(steady_base, lucky).verdict == NO_CHANGE


def test_single_run_rule_is_stricter_but_cannot_see_drift() -> None:
    # One run a side, rounds tight (sigma 0.05), the head run caught the
    # machine slower by exactly the threshold, 10%: the rule for independent
    # rounds flags it whenever the sample ratio lands above 1.10 (43% of 200
    # simulated trials), the single-run rule (CI must clear 1 + t, not
    # 1 + t/2) in none of them.
    rng = np.random.default_rng(203)
    old_flags = 0
    for trial in range(40):
        base = timings(rng, 30, sigma=0.05, outlier_rate=0)
        head = timings(rng, 30, sigma=0.05, outlier_rate=0, scale=1.10)
        single = compare_runs([base], [head], seed=trial)
        assert single.mode == MODE_FEW_RUNS and single.verdict == NO_CHANGE
        old_flags += compare_samples(base, head, seed=trial).verdict == REGRESSION
    assert old_flags >= 8
    # The documented limitation: a 1.3x drift with tight rounds is, from one
    # run a side, indistinguishable from a 1.3x slowdown, so any rule that can
    # flag a real 1.3x change flags it. Only a threshold above the machine's
    # drift (or several runs) protects a single-run comparison.
    base = timings(rng, 30, sigma=0.02, outlier_rate=0)
    head = timings(rng, 30, sigma=0.02, outlier_rate=0, scale=1.3)
    assert compare_runs([base], [head]).verdict == REGRESSION
    assert compare_runs([base], [head], threshold=0.3).verdict == NO_CHANGE
    # Several runs a side, drifting 1.3x apart around the same speed: no flag.
    slow_fast = [[f * v for v in timings(rng, 30, sigma=0.02, outlier_rate=0)] for f in
                 (1.0, 1.3, 1.0, 1.3, 1.0, 1.3)]  # fmt: skip
    fast_slow = [[f * v for v in timings(rng, 30, sigma=0.02, outlier_rate=0)] for f in
                 (1.3, 1.0, 1.3, 1.3, 1.0, 1.0)]  # fmt: skip
    assert compare_runs(slow_fast, fast_slow).verdict == NO_CHANGE


def test_one_run_a_side_is_the_plain_bootstrap() -> None:
    rng = np.random.default_rng(204)
    base, head = timings(rng, 40), timings(rng, 40, scale=1.3)
    single = compare_runs([base], [head], seed=3)
    rounds = compare_samples(base, head, seed=3)
    assert (single.ci_low, single.ci_high, single.p_value) == (
        rounds.ci_low,
        rounds.ci_high,
        rounds.p_value,
    )
    assert (single.base_runs, single.head_runs, single.mode) == (1, 1, MODE_FEW_RUNS)
    assert rounds.mode == MODE_ROUNDS


def test_mode_follows_the_run_counts() -> None:
    rng = np.random.default_rng(205)
    two, one = runs_of(rng, 2, drift=0.1), runs_of(rng, 1, drift=0.1)
    assert compare_runs(two, two).mode == MODE_RUNS
    assert compare_runs(two, one).mode == MODE_FEW_RUNS
    assert compare_runs(two, [*two, []]).head_runs == 2  # empty runs are dropped
    three = runs_of(rng, 3, drift=0.1)
    assert compare_runs(two, three, min_runs=3).mode == MODE_FEW_RUNS
    assert compare_runs(three, three, min_runs=3).mode == MODE_RUNS
    few = compare_runs([[1e-4, 1e-4]] * 2, three)
    assert few.verdict == TOO_FEW and few.base_rounds == 4 and math.isnan(few.p_value)
    assert compare_runs([[1e-4, 1e-4]] * 2, three, min_rounds=4).verdict != TOO_FEW


def test_welch_on_log_run_medians_matches_scipy() -> None:
    rng = np.random.default_rng(206)
    for _ in range(10):
        b, h = rng.lognormal(0, 0.2, 4), rng.lognormal(0.1, 0.3, 6)
        expected = sps.ttest_ind(np.log(b), np.log(h), equal_var=False).pvalue
        assert _welch_log_medians(b, h) == pytest.approx(expected, rel=1e-9)
    same = np.array([1.0, 1.0, 1.0])
    assert _welch_log_medians(same, same) == 1.0
    assert _welch_log_medians(same, 2 * same) == 0.0
    runs = [[1e-4 * f] * 5 for f in (1.0, 1.1, 0.9)]
    assert compare_runs(runs, runs).p_value == 1.0  # the exact same runs


@pytest.mark.parametrize("sizes", [(3, 2, 4), (2, 2), (1, 5, 2, 3)])
def test_two_level_bootstrap_matches_brute_force_resampling(sizes: tuple[int, ...]) -> None:
    # Draw runs with replacement, then each drawn run's rounds, pool, median:
    # the same law as the fast bisection (ties included: 5.0 twice).
    values = [1.0, 5.0, 2.0, 5.0, 3.0, 11.0, 4.0, 7.5, 6.0, 8.0, 9.0, 10.0, 0.5, 12.0, 13.0]
    runs, start = [], 0
    for size in sizes:
        runs.append(np.array(values[start : start + size]))
        start += size
    rng = np.random.default_rng(0)
    n_brute, n_runs, longest = 40_000, len(runs), max(sizes)
    picks = rng.integers(0, n_runs, (n_brute, n_runs))  # the runs drawn
    size = np.array(sizes)[picks][:, :, None]
    index = np.floor(rng.random((n_brute, n_runs, longest)) * size).astype(int)
    padded = np.full((n_runs, longest), np.nan)
    for r, run in enumerate(runs):
        padded[r, : run.size] = run
    draws = padded[picks[:, :, None], index]  # each drawn run's rounds, resampled
    draws[np.arange(longest) >= size] = np.nan  # only n_r draws from a run of n_r rounds
    brute = np.nanmedian(draws.reshape(n_brute, -1), axis=1)
    fast = _bootstrap_run_medians(runs, 200_000, np.random.default_rng(1))
    grid = np.unique(np.concatenate([brute, fast]))
    brute_cdf = np.searchsorted(np.sort(brute), grid, side="right") / brute.size
    fast_cdf = np.searchsorted(np.sort(fast), grid, side="right") / fast.size
    # 40000 brute-force draws: the 99.9% Kolmogorov-Smirnov bound is ~0.011
    assert np.max(np.abs(brute_cdf - fast_cdf)) < 0.012


def test_runs_improvement_is_symmetric_and_holm_applies() -> None:
    rng = np.random.default_rng(207)
    base = runs_of(rng, 6, drift=0.03)
    head = [[v / 1.5 for v in run] for run in runs_of(rng, 6, drift=0.03)]
    forward, backward = compare_runs(base, head), compare_runs(head, base)
    assert (forward.verdict, backward.verdict) == (IMPROVEMENT, REGRESSION)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.ratio == pytest.approx(1 / backward.ratio)
    crowd = {i: (runs_of(rng, 6, drift=0.2), runs_of(rng, 6, drift=0.2)) for i in range(9)}
    results = compare_many_runs({**crowd, "x": (base, head)})
    assert flagged(results) == {"x": IMPROVEMENT}
    assert results["x"].p_value == pytest.approx(min(1.0, forward.p_value * 10))
    assert compare_many_runs({"x": (base, head)})["x"] == forward


def test_runs_are_deterministic() -> None:
    """Seeded: same inputs, same comparison (speed is for benchmarks, not tests)."""
    rng = np.random.default_rng(208)
    base, head = runs_of(rng, 6, drift=0.1, rounds=200), runs_of(rng, 6, drift=0.1, rounds=200)
    assert compare_runs(base, head, seed=4) == compare_runs(base, head, seed=4)
    assert compare_runs(base, head, n_boot=2000) == compare_runs(base, head)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ([1e-4, 2e-4], "sequence of runs"),
        ([[1e-4], [-1e-4]], "finite, positive"),
    ],
)
def test_runs_reject_bad_input(base: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compare_runs(base, [[1e-4] * 5])
    with pytest.raises(ValueError, match="min_runs"):
        compare_runs([[1e-4] * 5], [[1e-4] * 5], min_runs=1)


# -- defect 9: a whole run (550 cells, 5 passes a side) must see a 2x cell ------------


def whole_run(rng: np.random.Generator, cells: int = 550) -> dict[int, list[list[float]]]:
    """``cells`` cells of 5 passes x 4 rounds; each cell drifts 0.05-0.25 between passes."""
    drifts = rng.uniform(0.05, 0.25, cells)
    return {
        i: runs_of(rng, 5, drift=float(drifts[i]), rounds=4, outlier_rate=0) for i in range(cells)
    }


@pytest.mark.parametrize("factor", [2.0, 3.0, 5.0])
def test_whole_run_sees_one_slowed_cell_and_nothing_else(factor: float) -> None:
    rng = np.random.default_rng(300)
    base = whole_run(rng)
    target = 7
    slowed = {k: (runs, [[v * factor for v in r] for r in runs]) for k, runs in base.items()}
    same = {k: (runs, runs) for k, runs in base.items()}
    slowed = {k: (pair if k == target else same[k]) for k, pair in slowed.items()}
    result = compare_many_runs(slowed, n_boot=100)
    assert flagged(result) == {target: REGRESSION}
    cell = result[target]
    assert cell.mode == MODE_POOLED and cell.ci_low > 1.05
    assert cell.ratio == pytest.approx(factor)
    # the verdict and the interval agree: the family-level interval clears 1 iff p < alpha
    assert (cell.ci_low > 1) == (cell.p_value < 0.01)
    assert flagged(compare_many_runs(same, n_boot=100)) == {}
    # the old run-level rule (Welch per cell, Holm over 550 cells) could not see it
    alone = compare_runs(*slowed[target], n_boot=100)
    if factor == 2.0:
        assert min(1.0, alone.p_value * 550) >= 0.01


def test_whole_runs_of_identical_code_are_not_flagged() -> None:
    # Independent runs (fresh drift draws), 3 pairs x 550 cells: measured 0 flags.
    rng = np.random.default_rng(301)
    for _ in range(3):
        drifts = rng.uniform(0.05, 0.25, 550)
        pairs = {
            i: (
                runs_of(rng, 5, drift=float(drifts[i]), rounds=4, outlier_rate=0),
                runs_of(rng, 5, drift=float(drifts[i]), rounds=4, outlier_rate=0),
            )
            for i in range(550)
        }
        assert flagged(compare_many_runs(pairs, n_boot=100)) == {}


def test_a_cell_that_moved_but_cannot_be_significant_says_how_many_passes() -> None:
    # One cell drifts far more than the others (sigma 0.45): its 2x is beyond the
    # threshold but not a verdict with 5 passes; it reports the passes it needs.
    rng = np.random.default_rng(302)
    base = whole_run(rng, cells=100)
    base[0] = runs_of(rng, 5, drift=0.45, rounds=4, outlier_rate=0)
    pairs = {k: (runs, runs) for k, runs in base.items()}
    pairs[0] = (base[0], [[v * 2 for v in r] for r in runs_of(rng, 5, drift=0.45, rounds=4)])
    cell = compare_many_runs(pairs, n_boot=100)[0]
    if cell.verdict == NO_CHANGE and cell.ratio > 1.1:
        assert cell.runs_needed > 5
    assert all(c.runs_needed == 0 for k, c in compare_many_runs(pairs, n_boot=100).items() if k)
