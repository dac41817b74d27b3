"""The Markdown report and its charts, against a trimmed real run (tests/data/golden_quick.json)."""

from __future__ import annotations

import copy
import json
import re
import statistics
from pathlib import Path
from typing import Any

import pytest

from jwtbench.analysis.views import jws_view
from jwtbench.model.results import Results, load_results
from jwtbench.present.charts import SPARE_COLOURS, adapter_colour
from jwtbench.present.fmt import fmt_ops, fmt_ratio
from jwtbench.present.report import render_markdown, write_report

GOLDEN = Path(__file__).parent / "data" / "golden_quick.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ADAPTERS = ("floor", "pyjwt", "jwcrypto", "authlib", "python-jose")


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
    return write_report(golden, tmp_path_factory.mktemp("report"))


def bench_for(raw: dict[str, Any], **params: str) -> dict[str, Any]:
    """The one benchmark of the golden file whose params include ``params``."""
    found: list[dict[str, Any]] = [
        b for b in raw["benchmarks"] if params.items() <= b["params"].items()
    ]
    assert len(found) == 1, params
    return found[0]


def raw_median(raw: dict[str, Any], **params: str) -> float:
    data: list[float] = bench_for(raw, **params)["stats"]["data"]
    return statistics.median(data)


def table(markdown: str, heading: str) -> dict[str, dict[str, str]]:
    """The Markdown table right under ``heading``: {first column: {header: cell}}."""
    lines = markdown.splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    header, body = rows[0], rows[2:]
    # headers carry versions ("pyjwt 2.15.1"): index by the adapter name alone
    names = [h.split(" ")[0] for h in header]
    return {row[0]: dict(zip(names, row, strict=True)) for row in body}


def unbold(text: str) -> str:
    return text.strip("*")


# -- the golden file ------------------------------------------------------------
def test_golden_file_is_a_small_real_run(golden: Results, raw: dict[str, Any]) -> None:
    assert GOLDEN.stat().st_size < 120_000
    rows = list(golden.rows())
    assert {r.params["adapter"] for r in rows} == set(ADAPTERS)
    assert {r.params["alg"] for r in rows} == {"HS256", "RS256", "ES256", "EdDSA"}
    assert {(r.params["op"], r.params["key_mode"]) for r in rows} == {
        (op, mode) for op in ("sign", "verify") for mode in ("prepared", "raw")
    }
    assert all(0 < len(r.data) <= 20 and r.rounds == len(r.data) for r in rows)
    for bench in raw["benchmarks"]:  # stats were recomputed from the kept rounds
        assert bench["stats"]["median"] == pytest.approx(statistics.median(bench["stats"]["data"]))
    assert golden.status_counts() == {"ok": 74, "unsupported": 4, "invalid": 1, "error": 1}
    assert all(r.token_bytes for r in rows)


# -- render_markdown -------------------------------------------------------------
@pytest.mark.parametrize(
    "heading",
    [
        "## Run summary",
        "## Provenance",
        "## Throughput",
        "### sign, prepared key, small payload (ops/s)",
        "### verify, raw key, small payload (ops/s)",
        "## Token size",
        "## x over floor",
        "### sign, prepared key, small payload: x over floor",
        "## x slower than the fastest library",
        "### verify, prepared key, small payload: x slower than the fastest library",
        "## What to pick",
        "## Cells without numbers",
        "## How to read this",
    ],
)
def test_markdown_has_section(markdown: str, heading: str) -> None:
    assert heading in markdown.splitlines()


def test_markdown_table_headers(markdown: str) -> None:
    lines = markdown.splitlines()
    assert (
        "| alg | floor | pyjwt 2.15.1 | jwcrypto 1.6.1 | authlib 1.9.10 | python-jose 3.5.0 |"
        in lines
    )
    assert "| alg | pyjwt 2.15.1 | jwcrypto 1.6.1 | authlib 1.9.10 | python-jose 3.5.0 |" in lines
    assert "| alg | token (bytes) |" in lines


def test_summary_and_provenance(markdown: str) -> None:
    assert "- profile: **quick**" in markdown
    assert "- interrupted: no" in markdown
    assert "- cells by status: 1 error, 1 invalid, 74 ok, 4 unsupported (80 cells)" in markdown
    for fact in ("| cryptography | 50.0.2 |", "| OpenSSL | OpenSSL 4.0.3 29 Sep 2026 |"):
        assert fact in markdown
    assert "| python-jose | python-jose | 3.5.0 |" in markdown


def test_ops_per_second_of_a_known_cell(markdown: str, raw: dict[str, Any]) -> None:
    median = raw_median(raw, adapter="floor", alg="HS256", op="sign", key_mode="prepared")
    expected = f"{1 / median:,.0f}"
    ops = table(markdown, "### sign, prepared key, small payload (ops/s)")
    assert ops["HS256"]["floor"] == expected
    assert expected == "34,833"  # the number a reader sees, pinned


def test_fastest_library_is_bold(markdown: str, raw: dict[str, Any]) -> None:
    ops = table(markdown, "### verify, prepared key, small payload (ops/s)")
    medians = {
        a: raw_median(raw, adapter=a, alg="RS256", op="verify", key_mode="prepared")
        for a in ADAPTERS[1:]
    }
    fastest = min(medians, key=lambda a: medians[a])
    bold = [a for a, cell in ops["RS256"].items() if cell.startswith("**")]
    assert bold == [fastest]


def test_x_over_floor_of_a_known_cell(markdown: str, raw: dict[str, Any]) -> None:
    cell = {"alg": "RS256", "op": "verify", "key_mode": "prepared"}
    ratio = raw_median(raw, adapter="pyjwt", **cell) / raw_median(raw, adapter="floor", **cell)
    ratios = table(markdown, "### verify, prepared key, small payload: x over floor")
    assert ratios["RS256"]["pyjwt"] == f"{ratio:.1f}x"
    assert "floor" not in ratios["RS256"]


def test_x_slower_than_fastest_library(markdown: str) -> None:
    heading = "### sign, prepared key, small payload: x slower than the fastest library"
    for alg, cells in table(markdown, heading).items():
        values = [float(v.rstrip("x")) for v in cells.values() if v.endswith("x")]
        assert min(values) == 1.0, alg  # the fastest library is 1.0x of itself


def test_cells_without_numbers_show_their_status(markdown: str, raw: dict[str, Any]) -> None:
    raw_ops = table(markdown, "### sign, raw key, small payload (ops/s)")
    assert raw_ops["EdDSA"]["python-jose"] == "—"  # unsupported
    # the error cell has a timed row (the check after timing failed): no number shown
    assert bench_for(raw, adapter="authlib", alg="EdDSA", op="sign", key_mode="raw")
    assert raw_ops["EdDSA"]["authlib"] == "error"
    verify = table(markdown, "### verify, raw key, small payload (ops/s)")
    assert verify["ES256"]["jwcrypto"] == "invalid"
    over = table(markdown, "### verify, raw key, small payload: x over floor")
    assert over["ES256"]["jwcrypto"] == "invalid"


def test_failure_reasons_are_listed(markdown: str, golden: Results) -> None:
    section = markdown.split("## Cells without numbers", 1)[1].split("\n## ", 1)[0]
    failed = [c for c in golden.cells if c["status"] != "ok"]
    assert {c["status"] for c in failed} == {"unsupported", "invalid", "error"}
    for cell in failed:
        assert cell["reason"] in section
    assert (
        "- **unsupported** — python-jose: EdDSA — python-jose 3.5.0 does not implement EdDSA"
        in section
    )
    assert "- **invalid** — jwcrypto: ES256 (verify/raw) — GateFailure: synthetic" in section
    assert "- **error** — authlib: EdDSA (sign/raw) — RuntimeError: synthetic" in section


def test_what_to_pick_names_libraries_only(markdown: str) -> None:
    picks = table(markdown, "## What to pick")
    assert set(picks) == {
        f"{op}, {mode}" for op in ("sign", "verify") for mode in ("prepared", "raw")
    }
    for row in picks.values():
        assert list(row)[1:] == ["HMAC", "RSA", "ECDSA", "EdDSA", "common"]  # JWS order
        for cell in list(row.values())[1:]:
            winner = re.match(r"\*\*(.+?)\*\*", cell)
            assert winner and winner.group(1) in ADAPTERS[1:], cell


def test_token_sizes(markdown: str, raw: dict[str, Any]) -> None:
    sizes = table(markdown, "## Token size")
    size = bench_for(raw, adapter="floor", alg="RS256", op="sign", key_mode="prepared")
    assert sizes["RS256"]["token"] == f"{size['extra_info']['token_bytes']:,}"


def test_render_markdown_is_pure(golden: Results, markdown: str) -> None:
    assert render_markdown(golden) == markdown
    assert "![" not in markdown  # no charts given, none referenced


def test_number_formats() -> None:
    assert fmt_ops(12_345.6) == "12,346"
    assert fmt_ops(16.04) == "16.0"
    assert fmt_ops(0.5) == "0.50"
    assert fmt_ratio(1.84) == "1.8x"
    assert fmt_ratio(12.4) == "12x"


# -- write_report and the charts ---------------------------------------------------
def test_write_report_charts_exist_and_decode(written: Path) -> None:
    from matplotlib.image import imread

    assert written.name == "report.md"
    text = written.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links, "the report references no chart"
    assert {p.name for p in written.parent.glob("*.png")} == set(links)
    for link in links:
        assert not Path(link).is_absolute()
        png = written.parent / link
        assert png.read_bytes()[:8] == PNG_MAGIC
        pixels = imread(png)
        height, width, channels = pixels.shape
        assert height >= 400 and width >= 700 and channels in (3, 4), (link, pixels.shape)


def test_write_report_chart_names(written: Path) -> None:
    names = {p.name for p in written.parent.glob("*.png")}
    assert names == {
        "throughput_sign_prepared_small.png",
        "throughput_verify_prepared_small.png",
        "throughput_sign_raw_small.png",
        "throughput_verify_raw_small.png",
        "token_size_small.png",
        "over_floor_prepared_small.png",
        "over_floor_raw_small.png",
    }


def test_adapter_colours_come_from_the_results_file(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["jwtbench"]["adapters"]["floor"]["colour"] = "#404040"
    data["jwtbench"]["adapters"]["pyjwt"]["colour"] = "#1f77b4"
    view = jws_view(Results(None, data))
    assert adapter_colour(view, "floor") == "#404040"
    assert adapter_colour(view, "pyjwt") == "#1f77b4"
    # no colour recorded (older files) or no entry at all: a stable spare colour
    assert adapter_colour(view, "jwcrypto") in SPARE_COLOURS
    assert adapter_colour(view, "joserfc") == adapter_colour(
        jws_view(Results(None, raw)), "joserfc"
    )


def test_adapter_identity_is_what_describe_writes() -> None:
    from jwtbench.adapters import ADAPTERS as REGISTRY
    from jwtbench.measure.matrix import adapter_or_reason

    # Adapters that cannot load here (PyPI jwt beside PyJWT, ryjwt on 3.11) have no describe().
    loaded = [a for n in REGISTRY if not isinstance(a := adapter_or_reason(n), str)]
    info = {a.name: {**a.describe(), "available": True} for a in loaded}
    raw = json.loads(GOLDEN.read_text(encoding="utf-8"))
    raw["jwtbench"]["adapters"] = info
    view = jws_view(Results(None, raw))
    colours = {adapter_colour(view, name) for name in info}
    assert len(colours) == len(info)  # one colour per library, the same in every chart
    assert view.label_of("pyjwt") == info["pyjwt"]["label"]


# -- JWE rows leave the JWS part alone -----------------------------------------
def with_jwe(raw: dict[str, Any], **keep: str) -> dict[str, dict[str, Any]]:
    """``raw`` cut to the cells matching ``keep`` (few charts: fast), and that plus JWE rows.

    The JWE rows are copies of the JWS ones with ``enc`` (and, for the nested
    op, ``sig_alg``) added, as the JWE suites will write them.
    """

    def kept(params: dict[str, Any]) -> bool:
        return keep.items() <= params.items()

    out = copy.deepcopy(raw)
    out["benchmarks"] = [b for b in out["benchmarks"] if kept(b["params"])]
    out["jwtbench"]["cells"] = [c for c in out["jwtbench"]["cells"] if kept(c["params"])]
    plain = copy.deepcopy(out)
    for bench in list(out["benchmarks"]):
        for op in ("encrypt", "decrypt_verify"):
            jwe = copy.deepcopy(bench)
            jwe["params"] = {**bench["params"], "alg": "RSA-OAEP", "enc": "A256GCM", "op": op}
            if op == "decrypt_verify":
                jwe["params"]["sig_alg"] = "RS256"
            out["benchmarks"].append(jwe)
            status = "unsupported" if bench["params"]["adapter"] == "floor" else "ok"
            out["jwtbench"]["cells"].append(
                {"params": jwe["params"], "status": status, "reason": "no JWE in this test"}
            )
    return {"plain": plain, "mixed": out}


def jws_part(text: str, end: str) -> str:
    """The JWS sections of a report: from ``## Throughput`` up to the heading ``end``."""
    return text.split("\n## Throughput\n", 1)[1].split(f"\n{end}\n", 1)[0]


def test_rows_with_enc_leave_jws_alone(raw: dict[str, Any], tmp_path: Path) -> None:
    both = with_jwe(raw, alg="HS256", op="sign", key_mode="prepared")
    plain, mixed = Results(None, both["plain"]), Results(None, both["mixed"])
    assert any("enc" in r.params for r in mixed.rows())
    assert jws_view(mixed) == jws_view(plain)
    text, plain_text = render_markdown(mixed), render_markdown(plain)
    assert "RSA-OAEP" not in plain_text and "## JWE throughput" not in plain_text
    assert "## JWE throughput" in text and "## Cost of encrypting an access token" in text
    jws = jws_part(text, "## JWE throughput")
    assert jws == jws_part(plain_text, "## Cross-library interoperability")
    assert "RSA-OAEP" not in jws and "A256GCM" not in jws
    report = write_report(mixed, tmp_path)
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report.read_text(encoding="utf-8"))
    jws_links = [link for link in links if not link.startswith("jwe_")]
    assert len(jws_links) == 3  # throughput, token size, x over floor
    assert len(links) > len(jws_links)  # and the JWE charts
    for link in links:
        assert (tmp_path / link).read_bytes()[:8] == PNG_MAGIC


def test_results_with_only_enc_rows(raw: dict[str, Any], tmp_path: Path) -> None:
    mixed = with_jwe(raw, alg="HS256", op="sign", key_mode="prepared")["mixed"]
    mixed["benchmarks"] = [b for b in mixed["benchmarks"] if "enc" in b["params"]]
    mixed["jwtbench"]["cells"] = [c for c in mixed["jwtbench"]["cells"] if "enc" in c["params"]]
    results = Results(None, mixed)
    text = render_markdown(results)
    assert "## Run summary" in text and "## How to read this" in text
    assert "\n## Throughput\n" not in text and "## JWE throughput" in text
    report = write_report(results, tmp_path)
    names = {p.name for p in tmp_path.glob("*.png")}
    assert report.exists() and names and all(n.startswith("jwe_") for n in names)


# -- an interrupted run ----------------------------------------------------------------
def interrupted(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` as if interrupted during pyjwt's verify/raw cells.

    pyjwt's four verify/raw cells are ``not run``; HS256's keeps its benchmark
    entry (cut off mid-measurement, as pytest-benchmark still writes it), the
    others lose theirs (never reached).
    """
    out = copy.deepcopy(raw)
    out["jwtbench"]["interrupted"] = True
    cut = {"adapter": "pyjwt", "op": "verify", "key_mode": "raw"}
    for cell in out["jwtbench"]["cells"]:
        if cut.items() <= cell["params"].items():
            cell.update(status="not run", reason="the run was interrupted before this cell")
    out["benchmarks"] = [
        b
        for b in out["benchmarks"]
        if not cut.items() <= b["params"].items() or b["params"]["alg"] == "HS256"
    ]
    return out


def test_interrupted_report_counts_only_ok_cells_as_timed(raw: dict[str, Any]) -> None:
    data = interrupted(raw)
    assert bench_for(data, adapter="pyjwt", alg="HS256", op="verify", key_mode="raw")
    statuses = {
        json.dumps(c["params"], sort_keys=True): c["status"] for c in data["jwtbench"]["cells"]
    }
    ok = sum(statuses[json.dumps(b["params"], sort_keys=True)] == "ok" for b in data["benchmarks"])
    assert ok == len(data["benchmarks"]) - 2  # the cut-off cell and the golden error cell
    text = render_markdown(Results(None, data))
    assert "- interrupted: **yes**: cells never reached are `not run`" in text
    assert "- cells by status: 1 error, 1 invalid, 4 not run, 70 ok, 4 unsupported" in text
    assert f"- timed JWS cells: {ok}" in text  # not the number of benchmark entries
    verify = table(text, "### verify, raw key, small payload (ops/s)")
    assert verify["HS256"]["pyjwt"] == "not run"  # its row is there, but not a number


def test_timed_cells_leave_out_a_row_whose_status_is_not_ok(markdown: str) -> None:
    # golden: 75 benchmark entries, one of them the error cell's (timed, then failed)
    assert "- timed JWS cells: 74" in markdown


def test_interrupted_report_caveats_picks(raw: dict[str, Any], markdown: str) -> None:
    text = render_markdown(Results(None, interrupted(raw)))
    section = text.split("\n## What to pick\n", 1)[1].split("\n## ", 1)[0]
    assert "**⚠ Caveat**: The run was interrupted: 4 cells were never measured" in section
    assert "every pick is provisional" in section
    picks = table(text, "## What to pick")
    hit = picks["verify, raw"]
    assert hit["HMAC"].endswith("⚠ 1 cell not run")  # pyjwt's HS256 cell
    assert hit["common"].endswith("cells not run")
    assert not any("⚠" in cell for cell in picks["sign, prepared"].values())
    # a complete run carries no caveat
    assert "Caveat" not in markdown and "⚠" not in markdown.split("\n## What to pick\n", 1)[1]


def test_decisions_carry_the_caveats(raw: dict[str, Any], golden: Results) -> None:
    from jwtbench.analysis.decide import decide
    from jwtbench.analysis.views import jwe_view

    results = Results(None, interrupted(raw))
    decisions = decide(jws_view(results), jwe_view(results), interrupted=True)
    assert decisions.caveats and "interrupted" in decisions.caveats[0]
    row = next(r for r in decisions.rows if r.group.title == "verify, raw key, small payload")
    assert row.common.caveats and row.common.pick in ADAPTERS[1:]
    clean = decide(jws_view(golden), jwe_view(golden))
    assert clean.caveats == () and all(not p.caveats for r in clean.rows for p in r.families)


def test_display_labels_come_from_the_results_file(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["jwtbench"]["adapters"]["pyjwt"]["label"] = "PyJWT"
    text = render_markdown(Results(None, data))
    header = "| alg | floor | PyJWT 2.15.1 | jwcrypto 1.6.1 | authlib 1.9.10 | python-jose 3.5.0 |"
    assert header in text.splitlines()
