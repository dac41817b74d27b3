"""The command line, end to end: a real (small) quick run, its report, and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from matplotlib import image

from jwtbench.cli.main import main
from jwtbench.model.results import load_results

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_quick_run_two_algs_writes_results_report_and_charts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.json"
    code = main(["run", "--quick", "--algs", "HS256,ES256", "--output", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "[  40/40]" in printed  # progress, one line per cell
    results = load_results(out)
    rows = list(results.rows())
    assert {r.params["alg"] for r in rows} == {"HS256", "ES256"}
    assert len(rows) == 40  # 5 adapters x 2 algs x 2 ops x 2 key modes, all supported
    assert results.status_counts() == {"ok": 40}
    for row in rows:
        assert set(row.params) == {"adapter", "alg", "op", "key_mode", "payload"}
        assert row.extra_info["token_bytes"] > 0
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
