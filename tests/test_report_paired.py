"""Uncertainty shown: the report and charts of a run with paired ratios (golden_paired.json).

golden_paired.json is golden_quick.json plus the paired fields a ``jwtbench
run`` that times each group interleaved writes, and ``limit`` rows (made by
tests/data/make_golden_paired.py: synthetic, from golden_quick's own numbers).
golden_quick.json, without them, must render with unpaired ratios, and say so.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from matplotlib.container import BarContainer
from matplotlib.patches import Rectangle

from jwtbench.analysis.decide import TIE, decide
from jwtbench.analysis.intervals import ops_interval, time_interval
from jwtbench.analysis.views import LIMIT, Group, JwsView, jwe_view, jws_view
from jwtbench.model.results import Results, load_results
from jwtbench.present.charts.jws import _over_floor_figure, _throughput_figure
from jwtbench.present.md_jws import UNPAIRED_NOTE
from jwtbench.present.report import render_markdown

DATA = Path(__file__).parent / "data"
PAIRED = DATA / "golden_paired.json"
QUICK = DATA / "golden_quick.json"
SIGN = Group("sign", "prepared", "small")
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


@pytest.fixture(scope="module")
def old_markdown() -> str:
    return render_markdown(load_results(QUICK))


def section(markdown: str, heading: str) -> str:
    start = markdown.index(f"\n{heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end > 0 else None]


def table_row(text: str, title: str, alg: str) -> list[str]:
    """The cells of ``alg``'s row in the table under ``### title``."""
    block = text[text.index(f"### {title}") :]
    line = next(ln for ln in block.splitlines() if ln.startswith(f"| {alg} |"))
    return [c.strip() for c in line.strip("|").split("|")][1:]


def bench(name: str, **params: str) -> dict[str, Any]:
    raw = json.loads((DATA / name).read_text(encoding="utf-8"))
    [found] = [b for b in raw["benchmarks"] if params.items() <= b["params"].items()]
    return dict(found)


# -- the view model ---------------------------------------------------------------
def test_paired_view_uses_the_stored_ratio_not_a_ratio_of_medians(view: JwsView) -> None:
    cell = SIGN.cell("jwcrypto", "HS256")
    stored = bench("golden_paired.json", adapter="jwcrypto", alg="HS256", op="sign",
                   key_mode="prepared")["extra_info"]["over_floor"]  # fmt: skip
    assert view.paired
    assert view.over_floor(cell) == pytest.approx(stored["ratio"])
    unpaired = view.rows[cell].median / view.rows[SIGN.cell("floor", "HS256")].median
    assert view.over_floor(cell) != pytest.approx(unpaired, rel=1e-3)
    interval = view.over_floor_interval(cell)
    assert interval is not None and (interval.low, interval.high) == tuple(stored["ci95"])


def test_the_limit_is_no_library(view: JwsView) -> None:
    assert LIMIT in view.adapters and LIMIT not in view.libraries
    # The limit is the fastest adapter of HS256 sign by far, but never "the fastest library".
    best = view.fastest(SIGN.cell("floor", "HS256"))
    assert best is not None and best[0] != LIMIT
    decisions = decide(view, jwe_view(load_results(PAIRED)))
    assert all(s.library != LIMIT for row in decisions.rows for p in row.families for s in p.scores)


def test_ties_are_called_on_overlapping_intervals(view: JwsView) -> None:
    tied = view.tied_fastest(SIGN.cell("floor", "HS256"))
    assert set(tied) == {"pyjwt", "authlib", "python-jose"}
    assert view.tied_fastest(SIGN.cell("floor", "EdDSA")) == ("pyjwt",)  # faster beyond
    assert jws_view(load_results(QUICK)).tied_fastest(SIGN.cell("floor", "HS256")) == ()


def test_picks_use_the_interval_rule(golden: Results, view: JwsView) -> None:
    decisions = decide(view, jwe_view(golden))
    assert decisions.paired
    picks = [p for row in decisions.rows for p in (*row.families, row.common) if p.gap]
    for pick in picks:
        first, second = pick.scores[0].over_floor, pick.scores[1].over_floor
        assert pick.paired and first is not None and second is not None
        assert pick.tie == first.overlaps(second)
    # HMAC sign, prepared: a 1.11x gap, a win by the old 10% rule; the intervals overlap.
    hmac = decisions.rows[0].families[0]
    assert hmac.group == SIGN and hmac.gap is not None and hmac.gap > TIE and hmac.tie


def test_time_intervals_come_from_bursts_else_rounds(view: JwsView) -> None:
    row = view.rows[SIGN.cell("pyjwt", "HS256")]
    found = time_interval(row)
    assert found is not None and found[1] == "bursts"
    ops = ops_interval(row)
    assert ops is not None and ops.low < row.ops < ops.high
    old = jws_view(load_results(QUICK)).rows[SIGN.cell("pyjwt", "HS256")]
    found = time_interval(old)
    assert found is not None and found[1] == "rounds"  # one pass: said in the chart


def test_a_time_interval_is_remembered_only_for_the_same_rounds(view: JwsView) -> None:
    row = view.rows[SIGN.cell("pyjwt", "HS256")]
    first = time_interval(row)
    assert first is not None and time_interval(row) is first  # asked again: not recomputed
    slower = dataclasses.replace(row, data=tuple(2 * v for v in row.data), median=2 * row.median)
    again = time_interval(slower)
    assert again is not None and again[0].low == pytest.approx(2 * first[0].low)


# -- the Markdown ------------------------------------------------------------------
def test_summary_says_whether_ratios_are_paired(markdown: str, old_markdown: str) -> None:
    assert "- ratios: **paired**" in markdown
    assert "- ratios: **unpaired**" in old_markdown
    assert UNPAIRED_NOTE in old_markdown and UNPAIRED_NOTE not in markdown


def test_over_floor_tables_show_intervals_and_mark_one(markdown: str) -> None:
    text = section(markdown, "## x over floor")
    row = table_row(text, "sign, prepared key, small payload: x over floor", "ES256")
    assert row[0] == "0.89x [0.85, 0.98]"  # pyjwt: interval below 1.0x, no mark
    assert row[3] == "1.00x [0.92, 1.04] ≈"  # python-jose: includes 1.0x
    assert all(re.search(r"\[\d", cell) for cell in row)


def test_old_files_keep_unpaired_ratios(old_markdown: str) -> None:
    text = section(old_markdown, "## x over floor")
    row = table_row(text, "sign, prepared key, small payload: x over floor", "HS256")
    assert row and not any("[" in cell for cell in row)
    assert "## x over limit" not in old_markdown
    assert "Finding:" not in old_markdown  # no interval: nothing can be called beyond it


def test_throughput_bolds_only_beyond_the_interval(markdown: str) -> None:
    text = section(markdown, "## Throughput")
    hs = table_row(text, "sign, prepared key, small payload (ops/s)", "HS256")
    assert not any(cell.startswith("**") for cell in hs)  # a three-way tie: no bold
    assert sum(cell.startswith("≈ ") for cell in hs) == 3
    eddsa = table_row(text, "sign, prepared key, small payload (ops/s)", "EdDSA")
    assert eddsa[1].startswith("**") and not any(c.startswith("≈") for c in eddsa)


def test_below_floor_is_a_stated_finding(markdown: str) -> None:
    text = section(markdown, "## x over floor")
    assert "**Finding: 6 pure-Python library cell(s) measured faster than the floor" in text
    assert "- authlib RS256 verify, prepared key, small: 0.73x [0.66, 0.78]" in text
    # A cell whose interval reaches 1.0x is not a finding (pyjwt EdDSA sign: [0.64, 1.01]).
    assert "pyjwt EdDSA sign" not in text


def test_over_limit_section_with_crypto_share(markdown: str) -> None:
    text = section(markdown, "## x over limit")
    assert "not a library anyone would pick" in text
    row = table_row(text, "sign, prepared key, small payload: x over limit", "HS256")
    assert row[0] == "3.34x [3.32, 3.37]"  # the floor (its share in crypto: its own section)
    rs = table_row(text, "sign, prepared key, small payload: x over limit", "RS256")
    assert rs[3].endswith("⚠ below the limit")  # authlib 0.77x: no share over 100%
    assert "| EdDSA |" not in text  # no limit rows for EdDSA: no row


def test_what_to_pick_explains_the_interval_rule(markdown: str, old_markdown: str) -> None:
    assert "runner-up's 95% interval" in section(markdown, "## What to pick")
    assert "within 10%, a tie; the ratios are unpaired" in section(old_markdown, "## What to pick")


# -- the charts --------------------------------------------------------------------
def test_throughput_bars_carry_whiskers(view: JwsView) -> None:
    fig = _throughput_figure(view, SIGN)
    assert fig is not None
    bars = [c for c in fig.axes[0].containers if isinstance(c, BarContainer)]
    assert bars and all(c.errorbar is not None for c in bars if len(c))
    assert "whiskers: 95% interval of the median, from its bursts" in fig.axes[0].get_title()


def test_heatmap_prints_intervals_and_frames_cells_including_one(view: JwsView) -> None:
    fig = _over_floor_figure(view, [SIGN, VERIFY])
    assert fig is not None
    ax = fig.axes[0]  # the sign panel
    texts = [t.get_text() for t in ax.texts]
    assert "0.89x\n[0.85, 0.98]" in texts
    frames = [p for p in ax.patches if isinstance(p, Rectangle) and not p.get_fill()]
    including = [
        lib
        for lib in view.libraries
        for alg in view.algs
        if (i := view.over_floor_interval(SIGN.cell(lib, alg))) and i.includes(1.0)
    ]
    assert len(frames) == len(including) == 2  # pyjwt EdDSA, python-jose ES256
    assert "paired" in (fig.get_suptitle() or "")
    old = _over_floor_figure(jws_view(load_results(QUICK)), [SIGN])
    assert old is not None and "UNPAIRED" in old.get_suptitle()


def test_a_library_with_no_number_is_left_out_of_the_charts_and_named(view: JwsView) -> None:
    """An unavailable library (jwt beside pyjwt, ryjwt on 3.11) has no bar or row, only a note."""
    gone = view.libraries[-1]
    rows = {cell: row for cell, row in view.rows.items() if cell.adapter != gone}
    without = dataclasses.replace(view, rows=rows)
    assert gone in without.adapters and gone not in without.drawn
    note = f"not drawn (no usable number): {gone}"
    assert without.not_drawn() == note and view.not_drawn() == ""
    bars = _throughput_figure(without, SIGN)
    assert bars is not None
    labels = [t.get_text() for t in bars.axes[0].get_legend().get_texts()]
    assert len(labels) == len(view.drawn) - 1 and not any(gone in label for label in labels)
    assert note in bars.axes[0].get_title()
    heat = _over_floor_figure(without, [SIGN])
    assert heat is not None
    rows_shown = [t.get_text() for t in heat.axes[0].get_yticklabels()]
    assert len(rows_shown) == len(view.libraries) - 1 and note in heat.get_suptitle()


def test_a_library_unavailable_everywhere_is_one_line_not_a_list_of_algorithms() -> None:
    """jwt (beside pyjwt) and ryjwt (Python 3.11) in the reference run: no alg lists."""
    reference = Path(__file__).parents[1] / "results/reference/quick.json"
    text = render_markdown(load_results(reference))
    assert "- jwt: no usable number at all (see *Cells without numbers*)" in text
    assert re.search(r"\*\*unavailable\*\* — jwt: every JWS cell \(\d+ cells\) — module jwt", text)
    assert "jwt has no usable number for" not in text
