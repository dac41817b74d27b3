"""The command line, end to end: a real (small) quick run, its report, and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matplotlib import image

from jwtbench.adapters import ADAPTERS
from jwtbench.cli.main import main
from jwtbench.measure.matrix import adapter_or_reason
from jwtbench.model.results import load_results

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_quick_run_two_algs_writes_results_report_and_charts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.json"
    argv = ["run", "--quick", "--algs", "HS256,ES256", "--passes", "2", "--verbose", "--no-cost"]
    code = main([*argv, "--output", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    # Every registered adapter has its 8 cells (2 algs x 2 ops x 2 key modes); those
    # of an adapter that cannot load here are "unavailable", of an undeclared alg
    # "unsupported".
    usable = [a for n in ADAPTERS if not isinstance(a := adapter_or_reason(n), str)]
    cells, ok = 8 * len(ADAPTERS), sum(4 for a in usable for alg in ("HS256", "ES256")
                                       if alg in a.jws_algs)  # fmt: skip
    expected = {"ok": ok, "unsupported": 8 * len(usable) - ok,
                "unavailable": cells - 8 * len(usable)}  # fmt: skip
    # --verbose: one line per cell and pass; pass 2 revisits only the measured cells
    assert f"[{ok:4d}/{cells}] pass 2/2" in printed
    assert f"pass 2/2: {ok}/{cells} cells, {ok} ok" in printed  # each pass's summary
    assert "done in " in printed and f": {cells} cells, {ok} ok" in printed
    results = load_results(out)
    rows = list(results.rows())
    assert {r.params["alg"] for r in rows} == {"HS256", "ES256"}
    assert len(rows) == ok
    assert results.status_counts() == {k: v for k, v in expected.items() if v}
    for row in rows:
        assert set(row.params) == {"adapter", "alg", "op", "key_mode", "payload"}
        # the limit signs a token's signing input and makes no token
        size = "input_bytes" if row.params["adapter"] == "limit" else "token_bytes"
        assert row.extra_info[size] > 0
        assert row.extra_info["library_version"]
        assert row.rounds == len(row.data)
    report = tmp_path / "run" / "report.md"
    text = report.read_text()
    assert "| HS256 |" in text
    charts = sorted(report.parent.glob("*.png"))
    assert charts, "no chart written"
    for chart in charts:
        assert chart.read_bytes()[:8] == PNG_MAGIC
        height, width = image.imread(chart).shape[:2]
        assert height > 200 and width > 300
        assert f"({chart.name})" in text, f"{chart.name} not embedded in the report"


def test_report_redraws_from_saved_file(tmp_path: Path) -> None:
    golden = Path(__file__).parent / "data" / "golden_quick.json"
    assert main(["report", str(golden), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "report.md").exists()


def test_list_shows_capabilities(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "pyjwt" in out and "python-jose" in out
    assert "EdDSA" in out
    # the adapters table lines up, the longest name (python-jose-native) included
    table = out.split("\n\n")[0].splitlines()
    at = {
        line.index(" available") if " available" in line else line.index(" unavailable")
        for line in table[1:]
    }
    assert len(at) == 1 and table[0].index(" status") == at.pop()


def test_list_shows_jwe_nested_and_default_algs(capsys: pytest.CaptureFixture[str]) -> None:
    """Defect 11: list showed only the JWS matrix."""
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("JWE alg (encs)"))
    columns = header.split()[3:]
    assert columns == list(ADAPTERS)
    dir_row = next(line.split() for line in lines if line.startswith("dir "))
    marks = dict(zip(columns, dir_row[1:], strict=True))
    assert marks["pyjwt"] == "-"  # pyjwt has no JWE
    assert marks["jwcrypto"] == "all"
    nested = {line.split()[0]: line for line in lines if line.startswith("  ") and "inside" in line}
    assert "pyjwt" not in nested and "HS256" in nested["jwcrypto"]
    defaults = lines[lines.index(next(x for x in lines if x.startswith("enabled by default"))) :]
    assert any(line.split()[:2] == ["pyjwt", "none"] for line in defaults)
    assert any(line.split()[:3] == ["jwcrypto", "all", "14"] for line in defaults)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--algs", "HS257"], "unknown algorithm HS257"),
        (["run", "--adapters", "nosuchlib"], "unknown adapter nosuchlib"),
        (["report", "missing.json"], "missing.json: no such results file"),
        (["run", "--passes", "0"], "--passes must be at least 1"),
        (["run", "--inject-slowdown", "nosuchlib=0.5"], "unknown adapter 'nosuchlib'"),
        (["run", "--inject-slowdown", "pyjwt"], "wants ADAPTER=FACTOR"),
        (["run", "--inject-slowdown", "pyjwt=-1"], "FACTOR must be >= 0"),
        # defect 6a: an option naming nothing was read as "everything"
        (["run", "--adapters", ""], "--adapters names nothing"),
        (["run", "--algs", ","], "--algs names nothing"),
        # defect 14: --quick --profile full ran quick
        (["run", "--quick", "--profile", "full"], "--quick conflicts with --profile full"),
    ],
)
def test_user_errors_are_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_report_refuses_foreign_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "other.json"
    foreign.write_text(json.dumps({"benchmarks": []}))
    assert main(["report", str(foreign)]) == 2
    assert "not a jwtbench results file" in capsys.readouterr().err
