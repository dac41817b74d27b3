"""The report's JWE part and its charts, against a trimmed real run (tests/data/golden_jwe.json).

The expected numbers are computed here from the golden file's raw rounds, not with the
report's own code.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

import pytest

from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS
from jwtbench.analysis.views import Pair, jwe_view
from jwtbench.model.results import Results, load_results
from jwtbench.present.charts import MAX_PAIRS, pair_chunks
from jwtbench.present.report import render_markdown, write_report

DATA = Path(__file__).parent / "data"
GOLDEN = DATA / "golden_jwe.json"
GOLDEN_JWS = DATA / "golden_quick.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LIBRARIES = ("pyjwt", "jwcrypto", "authlib", "python-jose")
PREPARED = {"key_mode": "prepared", "payload": "small"}
ISSUE = "### Issuing a token: sign alone → sign_encrypt, prepared key, small payload, enc A256GCM"
ACCEPT = (
    "### Accepting a token: verify alone → decrypt_verify, prepared key, small payload, enc A256GCM"
)
TOKEN_BYTES = "### Token bytes, prepared key, small payload, enc A256GCM"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def golden() -> Results:
    return load_results(GOLDEN)


@pytest.fixture(scope="module")
def markdown(golden: Results) -> str:
    return render_markdown(golden)


@pytest.fixture(scope="module")
def written(golden: Results, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(golden, tmp_path_factory.mktemp("report_jwe"))


def bench_for(raw: dict[str, Any], **params: str) -> dict[str, Any]:
    """The one benchmark whose params are exactly ``params`` (plus key mode and payload)."""
    wanted = {**PREPARED, **params}
    found: list[dict[str, Any]] = [b for b in raw["benchmarks"] if b["params"] == wanted]
    assert len(found) == 1, wanted
    return found[0]


def raw_median(raw: dict[str, Any], **params: str) -> float:
    data: list[float] = bench_for(raw, **params)["stats"]["data"]
    return statistics.median(data)


def table(markdown: str, heading: str) -> tuple[list[str], dict[str, list[str]]]:
    """The Markdown table right under ``heading``: (header, {first column: cells})."""
    lines = markdown.splitlines()
    rows = []
    for line in lines[lines.index(heading) + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, body = rows[0], rows[2:]
    return header, {row[0]: row for row in body}


def column(header: list[str], name: str) -> int:
    """The index of the column whose header starts with ``name`` (headers carry versions)."""
    found = [i for i, h in enumerate(header) if h == name or h.startswith(f"{name} ")]
    assert len(found) == 1, (name, header)
    return found[0]


def section(markdown: str, heading: str) -> str:
    return markdown.split(f"\n{heading}\n", 1)[1].split("\n## ", 1)[0]


def ratio_text(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


# -- the golden file ------------------------------------------------------------------
def test_golden_file_is_a_small_real_run(golden: Results, raw: dict[str, Any]) -> None:
    assert GOLDEN.stat().st_size < 150_000
    rows = list(golden.rows())
    families = {("sig_alg" in r.params, "enc" in r.params) for r in rows}
    assert families == {(False, False), (False, True), (True, True)}  # JWS, JWE, nested
    assert all(0 < len(r.data) <= 20 and r.rounds == len(r.data) for r in rows)
    for bench in raw["benchmarks"]:
        assert bench["stats"]["median"] == pytest.approx(statistics.median(bench["stats"]["data"]))
    jws_algs = {r.params["alg"] for r in rows if "enc" not in r.params}
    assert jws_algs == {r.params["sig_alg"] for r in rows if "sig_alg" in r.params}
    failed = [e for e in golden.meta["interop"] if not e["ok"]]
    assert [e["error"] for e in failed] == ["synthetic (golden file)"]


# -- sections -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "heading",
    [
        "## JWE throughput",
        "### encrypt, prepared key, small payload (ops/s)",
        "### decrypt, prepared key, small payload: x over floor",
        "## Cost of encrypting an access token",
        ISSUE,
        ACCEPT,
        TOKEN_BYTES,
        "## JWE token size",
        "### Signed vs encrypted vs both, small payload, enc A256GCM",
        "### Every pair, claims only, small payload",
        "## Cross-library interoperability",
        "### JWE",
        "### JWS",
        "## What to pick",
        "## Cells without numbers",
    ],
)
def test_markdown_has_section(markdown: str, heading: str) -> None:
    assert heading in markdown.splitlines()


def test_jwe_sections_come_after_jws_and_before_the_pick(markdown: str) -> None:
    order = [
        "## Throughput",
        "## x slower than the fastest library",
        "## JWE throughput",
        "## Cost of encrypting an access token",
        "## JWE token size",
        "## Cross-library interoperability",
        "## What to pick",
        "## Cells without numbers",
        "## How to read this",
    ]
    lines = markdown.splitlines()
    assert [lines.index(h) for h in order] == sorted(lines.index(h) for h in order)


def test_summary_counts_jwe_cells(markdown: str, raw: dict[str, Any]) -> None:
    params = [b["params"] for b in raw["benchmarks"]]
    nested = sum("sig_alg" in p for p in params)
    plain = sum("enc" in p for p in params) - nested
    assert f"- timed JWE cells: {plain} (and {nested} nested sign-then-encrypt cells)" in markdown


# -- JWE throughput ----------------------------------------------------------------------
def test_ops_per_second_of_a_known_jwe_cell(markdown: str, raw: dict[str, Any]) -> None:
    median = raw_median(raw, adapter="jwcrypto", alg="dir", enc="A256GCM", op="encrypt")
    header, rows = table(markdown, "### encrypt, prepared key, small payload (ops/s)")
    cell = rows["dir / A256GCM"][column(header, "jwcrypto")]
    assert cell.strip("*") == f"{1 / median:,.0f}"
    assert "pyjwt" not in " ".join(header)  # no JWE at all: not a column of dashes


def test_fastest_jwe_library_is_bold(markdown: str, raw: dict[str, Any]) -> None:
    header, rows = table(markdown, "### decrypt, prepared key, small payload (ops/s)")
    medians = {
        lib: raw_median(raw, adapter=lib, alg="A256KW", enc="A256GCM", op="decrypt")
        for lib in LIBRARIES[1:]
    }
    fastest = min(medians, key=lambda lib: medians[lib])
    row = rows["A256KW / A256GCM"]
    bold = [h.split(" ")[0] for h, cell in zip(header, row, strict=True) if cell.startswith("**")]
    assert bold == [fastest]


def test_jwe_x_over_floor(markdown: str, raw: dict[str, Any]) -> None:
    cell = {"alg": "RSA-OAEP", "enc": "A256GCM", "op": "decrypt"}
    ratio = raw_median(raw, adapter="authlib", **cell) / raw_median(raw, adapter="floor", **cell)
    header, rows = table(markdown, "### decrypt, prepared key, small payload: x over floor")
    assert rows["RSA-OAEP / A256GCM"][column(header, "authlib")] == ratio_text(ratio)


def test_unsupported_jwe_cells_show_a_dash(markdown: str) -> None:
    header, rows = table(markdown, "### encrypt, prepared key, small payload (ops/s)")
    assert rows["ECDH-ES / A256GCM"][column(header, "python-jose")] == "—"


# -- cost of encrypting an access token -----------------------------------------------
@pytest.mark.parametrize(
    ("heading", "base_op", "nested_op"),
    [(ISSUE, "sign", "sign_encrypt"), (ACCEPT, "verify", "decrypt_verify")],
)
def test_cost_of_encrypting(
    markdown: str, raw: dict[str, Any], heading: str, base_op: str, nested_op: str
) -> None:
    lib, sig_alg, alg = "jwcrypto", "ES256", "RSA-OAEP"
    base = raw_median(raw, adapter=lib, alg=sig_alg, op=base_op)
    nested = raw_median(raw, adapter=lib, alg=alg, enc="A256GCM", sig_alg=sig_alg, op=nested_op)
    header, rows = table(markdown, heading)
    cell = rows[f"{sig_alg} + {alg}"][column(header, lib)]
    assert cell.endswith(f" µs ({ratio_text(nested / base)})"), cell
    shown = [float(t.replace(",", "")) for t in re.findall(r"[\d,.]+(?= )", cell)[:2]]
    assert shown == pytest.approx([base * 1e6, nested * 1e6], rel=0.01)


def test_bytes_added_by_encryption(markdown: str, raw: dict[str, Any]) -> None:
    sig_alg, alg = "HS256", "ECDH-ES"
    signed = bench_for(raw, adapter="floor", alg=sig_alg, op="sign")["extra_info"]["token_bytes"]
    nested = bench_for(
        raw, adapter="jwcrypto", alg=alg, enc="A256GCM", sig_alg=sig_alg, op="sign_encrypt"
    )["extra_info"]["token_bytes"]
    header, rows = table(markdown, TOKEN_BYTES)
    row = rows[f"{sig_alg} + {alg}"]
    assert row[column(header, "signed")] == f"{signed:,}"
    assert row[column(header, "signed,")] == f"{nested:,}"
    assert row[column(header, "added")] == f"+{nested - signed:,}"
    _, matrix = table(markdown, "### Signed vs encrypted vs both, small payload, enc A256GCM")
    assert f"{nested:,} (+{nested - signed:,})" in matrix[f"signed with {sig_alg}"]


def test_claims_only_jwe_sizes(markdown: str, raw: dict[str, Any]) -> None:
    size = bench_for(raw, adapter="floor", alg="RSA1_5", enc="A256GCM", op="encrypt")
    direct = bench_for(raw, adapter="floor", alg="dir", enc="A256GCM", op="encrypt")
    _, rows = table(markdown, "### Every pair, claims only, small payload")
    row = rows["RSA1_5 ⚠ insecure[^rsa1_5] / A256GCM"]
    tokens = size["extra_info"]["token_bytes"], direct["extra_info"]["token_bytes"]
    assert row[1:] == [f"{tokens[0]:,}", f"+{tokens[0] - tokens[1]:,}"]


# -- insecure and costly algorithms -------------------------------------------------------
def test_rsa1_5_is_marked_insecure(markdown: str) -> None:
    mentions = [line for line in markdown.splitlines() if "RSA1_5" in line]
    rows = [line for line in mentions if line.startswith("|")]
    assert len(rows) >= 5  # encrypt, decrypt, both x over floor, token sizes
    assert all("RSA1_5 ⚠ insecure[^rsa1_5]" in line for line in rows)
    note = [line for line in mentions if line.startswith("[^rsa1_5]: ")]
    assert len(note) == 1
    assert "Bleichenbacher" in note[0] and "RFC 8725 §3.2" in note[0]


def test_pbes2_is_footnoted(markdown: str) -> None:
    note = [line for line in markdown.splitlines() if line.startswith("[^pbes2]: ")]
    assert len(note) == 1 and "`p2c` (8,192" in note[0]
    assert "| PBES2-HS256+A128KW[^pbes2] / A256GCM |" in markdown


def test_no_footnotes_without_jwe() -> None:
    text = render_markdown(load_results(GOLDEN_JWS))
    assert "[^" not in text and "## JWE throughput" not in text


# -- interoperability -------------------------------------------------------------------
def test_interop_grid_shows_the_synthetic_failure(markdown: str, raw: dict[str, Any]) -> None:
    part = section(markdown, "## Cross-library interoperability")
    jwe = part.split("\n### JWE\n", 1)[1].split("\n### JWS\n", 1)[0]
    entries = [
        e
        for e in raw["jwtbench"]["interop"]
        if e["family"] == "jwe" and (e["producer"], e["consumer"]) == ("authlib", "python-jose")
    ]
    ok = sum(e["ok"] for e in entries)
    header, rows = table(markdown, "### JWE")
    assert rows["authlib"][column(header, "python-jose")] == f"{ok}/{len(entries)} ✗"
    assert rows["floor"][column(header, "floor")] == "7/7"
    assert "- RSA-OAEP / A256GCM: authlib → python-jose: synthetic (golden file)" in jwe
    assert "Failures (1):" in jwe
    everything = [e for e in raw["jwtbench"]["interop"] if e["family"] == "jwe"]
    passed = sum(e["ok"] for e in everything)
    assert f"{passed}/{len(everything)} decryptions succeeded" in jwe
    assert "No failures." in part.split("\n### JWS\n", 1)[1]


def test_interop_not_recorded_in_older_files() -> None:
    text = render_markdown(load_results(GOLDEN_JWS))
    part = section(text, "## Cross-library interoperability")
    assert part.strip() == "Not recorded in this results file."


# -- cells without numbers, what to pick -------------------------------------------------
def test_jwe_failures_are_grouped(markdown: str, raw: dict[str, Any]) -> None:
    part = section(markdown, "## Cells without numbers")
    jwe = part.split("JWE and nested (sign-then-encrypt) cells:", 1)[1]
    failed = [c for c in raw["jwtbench"]["cells"] if "enc" in c["params"] and c["status"] != "ok"]
    pyjwt = sum(c["params"]["adapter"] == "pyjwt" for c in failed)
    assert f"- **unsupported** — pyjwt: every JWE and nested cell ({pyjwt} cells) — " in jwe
    counted = [int(n) for n in re.findall(r"\((\d+) cells\) — ", jwe)]
    assert sum(counted) == len(failed)
    assert "python-jose: nested EdDSA inside dir, RSA-OAEP (4 cells)" in jwe


def test_what_to_pick_has_jwe_lines(markdown: str) -> None:
    part = section(markdown, "## What to pick")
    for op in ("encrypt", "decrypt", "sign_encrypt", "decrypt_verify"):
        line = next(x for x in part.splitlines() if x.startswith(f"- {op}, prepared key"))
        winner = re.search(r": \*\*(.+?)\*\*", line)
        assert winner and winner.group(1) in LIBRARIES[1:], line


def test_jwe_view_orders_pairs_canonically(golden: Results) -> None:
    pairs = jwe_view(golden).pairs
    keys = [(JWE_ALGS.index(p.alg), JWE_ENCS.index(p.enc)) for p in pairs]
    assert keys == sorted(keys) and len(pairs) == 7


# -- charts ----------------------------------------------------------------------------------
def test_charts_exist_and_decode(written: Path) -> None:
    from matplotlib.image import imread

    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", written.read_text(encoding="utf-8"))
    assert {p.name for p in written.parent.glob("*.png")} == set(links)
    assert {link for link in links if link.startswith("jwe_")} == {
        "jwe_throughput_encrypt_prepared_small.png",
        "jwe_throughput_decrypt_prepared_small.png",
        "jwe_cost_sign_encrypt_A256GCM_prepared_small.png",
        "jwe_cost_decrypt_verify_A256GCM_prepared_small.png",
        "jwe_token_size_A256GCM_small.png",
    }
    for link in links:
        png = written.parent / link
        assert png.read_bytes()[:8] == PNG_MAGIC
        height, width, channels = imread(png).shape
        assert height >= 400 and width >= 700 and channels in (3, 4), (link, height, width)


def test_many_pairs_are_split_by_whole_encs() -> None:
    pairs = [Pair(alg, enc) for alg in JWE_ALGS for enc in JWE_ENCS]  # the full profile's
    chunks = pair_chunks(pairs)
    assert len(chunks) > 1 and all(len(chunk) <= MAX_PAIRS for chunk in chunks)
    assert sorted(p for chunk in chunks for p in chunk) == sorted(pairs)
    encs = [{p.enc for p in chunk} for chunk in chunks]
    assert all(not (a & b) for i, a in enumerate(encs) for b in encs[i + 1 :])
    assert pair_chunks(pairs[:MAX_PAIRS]) == [tuple(pairs[:MAX_PAIRS])]


def test_the_jwe_throughput_legend_fits_inside_the_chart() -> None:
    """Every JWE library of the reference run (8) named in a legend the PNG does not crop."""
    from jwtbench.present.charts.jwe import _jwe_throughput_figure

    view = jwe_view(load_results(Path(__file__).parents[1] / "results/reference/quick.json"))
    adapters = view.measured(nested=False)
    assert len(adapters) >= 8
    group = next(g for g in view.groups(nested=False) if g.payload == view.main_payload)
    fig = _jwe_throughput_figure(view, group, adapters, pair_chunks(view.pairs)[0])
    assert fig is not None
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)  # the layout engine places the legend as the PNG will have it
    box, page = fig.legends[0].get_window_extent(renderer), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1, (box, page)
    assert len(fig.legends[0].get_texts()) == len(adapters)
