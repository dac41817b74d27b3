"""``jwtbench selfcheck`` (defect 10): a paired measurement and a verdict that does not flake.

The decision is tested on synthetic burst pairs (no timing asserts): the
machine's speed flips ~1.8x between bursts but is shared by the two bursts of
a pair, as the interleaved measurement makes it.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
import pytest

from jwtbench.analysis.overhead import INCONCLUSIVE, OUTSIDE, WITHIN, judge_overhead
from jwtbench.cli import main as cli
from jwtbench.cli import selfcheck as verb
from jwtbench.measure.selfcheck import PairedTimer

Rounds = list[list[tuple[float, float]]]


def synthetic(
    rng: np.random.Generator,
    overhead: float,
    trials: int = 9,
    bursts: int = 20,
    noise: float = 0.02,
) -> Rounds:
    """Harness bursts ``1 + overhead`` times the bare ones, through a flipping machine."""
    rounds = []
    for _ in range(trials):
        pairs = []
        for _ in range(bursts):
            speed = rng.choice([1.0, 1.8]) * 5e-5
            bare = speed * rng.lognormal(0, noise)
            pairs.append((speed * (1 + overhead) * rng.lognormal(0, noise), bare))
        rounds.append(pairs)
    return rounds


def test_no_overhead_through_a_flipping_machine_is_within_every_time() -> None:
    rng = np.random.default_rng(10)
    verdicts = [judge_overhead(synthetic(rng, 0.0)) for _ in range(20)]
    assert {v.outcome for v in verdicts} == {WITHIN}
    assert {v.exit_code for v in verdicts} == {0}
    assert all(v.low <= 1.0 <= v.high and v.pairs == 180 and v.rounds == 9 for v in verdicts)


def test_a_real_overhead_beyond_the_tolerance_fails_every_time() -> None:
    rng = np.random.default_rng(11)
    verdicts = [judge_overhead(synthetic(rng, 0.20)) for _ in range(20)]
    assert {v.outcome for v in verdicts} == {OUTSIDE}
    assert {v.exit_code for v in verdicts} == {1}
    assert all(1.15 < v.ratio < 1.25 and v.low > 1.05 for v in verdicts)


def test_the_three_noisy_medians_of_the_defect_are_not_a_failure() -> None:
    """Trials whose ratios scatter like 1.157, 0.756, 1.057: wide interval, no exit 1."""
    rng = np.random.default_rng(12)
    rounds = [
        [(level * rng.lognormal(0, 0.15), 1.0) for _ in range(20)]
        for level in (1.157, 0.756, 1.057)
    ]
    verdict = judge_overhead(rounds)
    assert verdict.outcome == INCONCLUSIVE and verdict.exit_code == 0
    assert verdict.low < 0.95 and verdict.high > 1.05


def test_an_overhead_at_the_bound_is_inconclusive_not_flaky() -> None:
    rng = np.random.default_rng(13)
    outcomes = {judge_overhead(synthetic(rng, 0.05, noise=0.05)).outcome for _ in range(20)}
    assert OUTSIDE not in outcomes and INCONCLUSIVE in outcomes


def test_the_verdict_is_deterministic_and_needs_pairs() -> None:
    rounds = synthetic(np.random.default_rng(14), 0.03)
    assert judge_overhead(rounds) == judge_overhead(rounds)
    few = judge_overhead([[(1.0, 1.0)] * 3])
    assert few.outcome == INCONCLUSIVE and few.exit_code == 0
    assert judge_overhead([]).outcome == INCONCLUSIVE
    with pytest.raises(ValueError, match="confidence"):
        judge_overhead(rounds, confidence=1.5)


class FakeBenchmark:
    """pytest-benchmark's ``pedantic`` without timing: records calls and rounds."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.extra_info: dict[str, Any] = {}
        self.stats = argparse.Namespace(stats=argparse.Namespace(data=[]))

    def pedantic(self, func: Any, args: tuple[Any, ...], iterations: int, rounds: int,
                 teardown: Any) -> Any:  # fmt: skip
        for index in range(rounds):
            self.log.append("H")
            func(*args)
            self.stats.stats.data.append(float(index + 1))
            teardown()
        teardown()  # pytest-benchmark calls it once more
        return None


def test_the_paired_timer_interleaves_harness_and_bare_bursts_abba(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log: list[str] = []
    monkeypatch.setattr("jwtbench.measure.timers.estimate", lambda func, args: 0.01)
    timer = PairedTimer(lambda: log.append("B"), bursts=4)
    timer.time(FakeBenchmark(log), lambda: None, (), "pyjwt-HS256-sign-prepared-small")
    # the fewest rounds per burst (3), one call per round (a 10 ms op): H B B H H B B H
    assert "".join(log) == "".join(side * 3 for side in "HBBHHBBH")
    assert len(timer.pairs) == 4 and [h for h, _ in timer.pairs] == [2.0, 5.0, 8.0, 11.0]


@pytest.mark.parametrize(("overhead", "code", "word"), [(0.0, 0, "within"), (0.3, 1, "outside")])
def test_the_verb_exits_on_the_interval(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    overhead: float,
    code: int,
    word: str,
) -> None:
    rounds = synthetic(np.random.default_rng(15), overhead)
    monkeypatch.setattr(verb, "measure", lambda trials, bursts: rounds)
    assert cli.main(["selfcheck", "--trials", "9"]) == code
    out = capsys.readouterr().out
    assert "95% interval" in out and f"{word} tolerance" in out


def test_the_verb_refuses_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["selfcheck", "--trials", "0"]) == 2
    assert "--trials must be at least 1" in capsys.readouterr().err


def test_the_verb_documents_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["selfcheck", "--help"])
    text = capsys.readouterr().out
    for option in ("--trials", "--bursts", "--tolerance", "--confidence"):
        assert option in text
    assert "interleaved" in text
