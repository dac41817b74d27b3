"""Paired "x slower than the fastest", intervals on the cost charts, the share in crypto.

The paired readings come burst by burst from a group's aligned raw rounds
(``extra_info.lockstep``); synthetic rows here make the machine's speed flip
between bursts, which a ratio of medians would carry and a paired one cancels.
golden_paired.json (tests/data/make_golden_paired.py) is the paired fixture,
golden_quick.json the unpaired one.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

import pytest
from matplotlib.container import BarContainer

from jwtbench.analysis.decide import below_floor
from jwtbench.analysis.pairing import NOISY_SCATTER, burst_ratios, paired_between, scatter
from jwtbench.analysis.views import Group, JwsView, jwe_view, jws_view
from jwtbench.model.results import Results, Row, load_results
from jwtbench.present.charts.jwe import COST_NOTE, _cost_figure
from jwtbench.present.markdown import _noise
from jwtbench.present.md_crypto import share_text
from jwtbench.present.md_jws import over_fastest_text
from jwtbench.present.report import render_markdown

DATA = Path(__file__).parent / "data"
PAIRED = DATA / "golden_paired.json"
QUICK = DATA / "golden_quick.json"
SIGN_RAW = Group("sign", "raw", "small")
VERIFY = Group("verify", "prepared", "small")


@pytest.fixture(scope="module")
def golden() -> Results:
    return load_results(PAIRED)


@pytest.fixture(scope="module")
def view(golden: Results) -> JwsView:
    return jws_view(golden)


@pytest.fixture(scope="module")
def markdown(golden: Results) -> str:
    return render_markdown(golden)


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"\n{heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end > 0 else None]


def table_row(text: str, title: str, alg: str) -> list[str]:
    block = text[text.index(f"### {title}") :]
    line = next(ln for ln in block.splitlines() if ln.startswith(f"| {alg} |"))
    return [c.strip() for c in line.strip("|").split("|")][1:]


def lockstep_row(adapter: str, seconds: list[list[float]]) -> Row:
    """A row of one lockstep round ``"p"`` whose bursts hold ``seconds``."""
    data = tuple(v for burst in seconds for v in burst)
    extra: dict[str, Any] = {"lockstep": [["p", [len(b) for b in seconds]]]}
    median = statistics.median(data)
    return Row({"adapter": adapter}, median, 1 / median, len(data), data, extra)


# -- pairing burst by burst ------------------------------------------------------
def test_paired_ratio_cancels_the_machines_speed_flips() -> None:
    speeds = [1.0, 1.8, 1.0, 1.8, 1.8, 1.8, 1.0]  # the machine, burst by burst
    fast = lockstep_row("a", [[10e-6 * s] * 3 for s in speeds])
    # b is exactly 2x a in every burst, but more of its bursts landed on slow moments:
    slow = lockstep_row("b", [[20e-6 * s] * 3 for s in speeds])
    assert burst_ratios(slow, fast) == pytest.approx([2.0] * len(speeds))
    found = paired_between(slow, fast)
    assert found is not None and found.value == pytest.approx(2.0)
    assert found.low == pytest.approx(2.0) and found.high == pytest.approx(2.0)
    assert found.rounds == len(speeds)


def test_unaligned_rows_are_not_paired() -> None:
    one = lockstep_row("a", [[1e-6, 1e-6]])
    other = Row({"adapter": "b"}, 1e-6, 1e6, 2, (1e-6, 1e-6), {})  # no lockstep
    assert paired_between(one, other) is None


def test_over_fastest_is_the_median_of_per_burst_ratios(golden: Results, view: JwsView) -> None:
    cell = VERIFY.cell("pyjwt", "HS256")
    best = view.fastest(cell)
    assert best is not None and best[0] == "authlib"
    raw = {b["params"]["adapter"]: b for b in golden.raw["benchmarks"]
           if b["params"].items() >= {"alg": "HS256", "op": "verify", "key_mode": "prepared",
                                      "payload": "small"}.items()}  # fmt: skip

    def medians(bench: dict[str, Any]) -> list[float]:
        data, out, at = bench["stats"]["data"], [], 0
        for _, sizes in bench["extra_info"]["lockstep"]:
            for size in sizes:
                out.append(statistics.median(data[at : at + size]))
                at += size
        return out

    expected = statistics.median(
        m / f for m, f in zip(medians(raw["pyjwt"]), medians(raw["authlib"]), strict=True)
    )
    found = view.over_fastest_interval(cell)
    assert found is not None and found.value == pytest.approx(expected, rel=1e-4)
    assert found.low < found.value < found.high
    fastest = view.over_fastest_interval(VERIFY.cell("authlib", "HS256"))
    assert fastest is not None and fastest.value == fastest.low == fastest.high == 1.0


def test_over_fastest_table_shows_intervals_and_ties(markdown: str) -> None:
    text = section(markdown, "## x slower than the fastest library")
    assert "**paired**" in text and "burst by burst" in text
    title = "sign, raw key, small payload: x slower than the fastest library"
    row = table_row(text, title, "HS256")  # pyjwt, jwcrypto, authlib, python-jose
    assert row[0] == "1.0x"  # the fastest
    assert row[1] == "5.86x [5.27, 7.47]"  # beyond its interval: no tie
    assert row[2] == "1.01x [0.91, 1.18] ≈"  # includes 1.0x: a tie with the fastest


def test_unpaired_files_keep_the_ratio_of_medians(view: JwsView) -> None:
    old = jws_view(load_results(QUICK))
    assert not old.paired
    cell = SIGN_RAW.cell("jwcrypto", "HS256")
    assert old.over_fastest_interval(cell) is None
    text = over_fastest_text(old, cell)
    assert "[" not in text and text.endswith("x")
    intro = section(render_markdown(load_results(QUICK)), "## x slower than the fastest library")
    assert "Median time of the library / median time of the fastest" in intro
    assert "**paired**" not in intro and "see the caveat under *x over floor*" in intro


# -- the nested cost charts ----------------------------------------------------------
def test_cost_chart_bars_carry_whiskers_and_say_what_is_not_paired() -> None:
    results = load_results(DATA / "golden_jwe.json")
    jws, jwe = jws_view(results), jwe_view(results)
    [group, *_] = jwe.nested_groups
    fig = _cost_figure(jws, jwe, group, "sign_encrypt")
    assert fig is not None
    bars = [c for ax in fig.axes for c in ax.containers if isinstance(c, BarContainer) and len(c)]
    assert bars and all(c.errorbar is not None for c in bars)
    # the whiskers are drawn around each bar's median (a real interval, not zero-width everywhere)
    segments = [s for c in bars for s in c.errorbar.lines[2][0].get_segments()]
    assert any(seg[1][1] > seg[0][1] for seg in segments)
    legend_title = fig.legends[0].get_title().get_text().replace("\n", " ")
    assert legend_title == COST_NOTE and "not paired" in COST_NOTE
    markdown = render_markdown(results)
    text = section(markdown, "## Cost of encrypting an access token")
    assert "this ratio is **not paired**" in text


# -- the share of time in crypto ---------------------------------------------------------
def test_share_in_crypto_table_with_intervals(markdown: str) -> None:
    text = section(markdown, "## Share of time in crypto")
    assert "1 / x over limit" in text and "own Python" in text
    title = "prepared key, small payload: share in crypto"
    # floor, pyjwt, jwcrypto, authlib, python-jose; the floor's HS256 sign is 3.34x [3.32, 3.37]
    hs = table_row(text, title, "HS256 sign")
    assert hs[0] == "30% [30, 30]"
    assert hs[2] == "3% [3, 4]"  # jwcrypto 33.7x [26.9, 35.7]: the interval flips with 1/x
    rs = table_row(text, title, "RS256 sign")
    assert rs[3] == "⚠ below the limit"  # authlib 0.77x [0.72, 0.91]: no share over 100%
    assert rs[4] == "≈ 100% [100, 100]"  # python-jose 1.00x [0.95, 1.00]: within the interval
    assert table_row(text, title, "ES256 verify")[0] == "90% [89, 91]"
    assert "| EdDSA" not in text  # no limit rows for EdDSA: no row


def test_share_of_an_unpaired_file_has_no_interval(view: JwsView) -> None:
    cell = Group("sign", "prepared", "small").cell("jwcrypto", "HS256")
    paired = share_text(view, cell)
    assert paired.startswith("3% [")
    # the same cell without its stored ratios: a share of medians, no interval
    doc = json.loads(PAIRED.read_text(encoding="utf-8"))
    for bench in doc["benchmarks"]:
        for key in ("over_floor", "over_limit", "lockstep"):
            bench["extra_info"].pop(key, None)
    unpaired = jws_view(Results(None, doc))
    assert not unpaired.paired
    text = share_text(unpaired, cell)
    assert "[" not in text and text.endswith("%")


def test_compiled_libraries_are_no_pure_python_finding() -> None:
    doc = json.loads(PAIRED.read_text(encoding="utf-8"))
    doc["jwtbench"]["adapters"]["authlib"]["backend"] = "rust (authlib._native)"
    results = Results(None, doc)
    view = jws_view(results)
    assert not view.pure_python("authlib") and view.pure_python("pyjwt")
    before = {b.cell.adapter for b in below_floor(jws_view(load_results(PAIRED)))}
    after = {b.cell.adapter for b in below_floor(view)}
    assert "authlib" in before and after == before - {"authlib"}
    text = section(render_markdown(results), "## x over floor")
    assert "- authlib RS256 verify" not in text  # a compiled library may beat the floor
    over_limit = section(render_markdown(results), "## x over limit")
    row = table_row(over_limit, "sign, prepared key, small payload: x over limit", "RS256")
    assert row[3] == "0.77x [0.72, 0.91] · below the limit (own crypto)"


# -- how noisy the machine was --------------------------------------------------
def test_scatter_is_the_median_robust_sd_of_the_log_burst_ratios() -> None:
    """Calm: ratios 2.0 +- 1%; noisy: +- 6%. Speed flips that pairing cancels do not count."""
    speeds = [1.0, 1.8, 1.0, 1.8, 1.8, 1.0, 1.0, 1.8, 1.0, 1.0]
    floor = lockstep_row("floor", [[10e-6 * s] for s in speeds])
    wobble = [1, -1, 1, -1, 1, -1, 1, -1, 1, -1]

    def lib(spread: float) -> Row:
        return lockstep_row(
            "lib", [[20e-6 * s * math.exp(w * spread)] for s, w in zip(speeds, wobble, strict=True)]
        )

    found = scatter([(lib(0.01), floor), (lib(0.01), floor), (lib(0.06), floor)])
    assert found is not None and found[1] == 3 and found[0] == pytest.approx(1.4826 * 0.01)
    assert scatter([(lib(0.01), lockstep_row("floor", [[1e-5]] * 4))]) is None  # too few bursts
    assert scatter([]) is None


def test_the_report_says_whether_the_machine_was_calm_or_noisy() -> None:
    calm = _noise(0.015, 600)
    assert "1.5%" in calm and "600 library cells" in calm and "calm" in calm
    noisy = _noise(0.045, 600)
    assert "**noisy**" in noisy and "calmer time" in noisy
    assert _noise(NOISY_SCATTER, 1).endswith("cells)")  # the boundary is still calm


def test_a_noisy_run_ends_with_a_note_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    from jwtbench.cli.run import _warn_if_noisy

    _warn_if_noisy(PAIRED)  # synthetic bursts, scattered far more than a calm run's
    assert "the machine was noisy during this run" in capsys.readouterr().err
    _warn_if_noisy(DATA / "golden_quick.json")  # unpaired: nothing to judge by
    assert capsys.readouterr().err == ""
