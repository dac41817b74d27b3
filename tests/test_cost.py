"""Cost beyond the hot path: import time, cold-key first call, key preparation, memory, size.

One real ``jwtbench run`` of PyJWT's HS256 gathers the cost after timing (its child
measures every family PyJWT has); the other tests use it, or a fake interpreter that
crashes or hangs, so the module stays at ~15 s.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from jwtbench.analysis.cost import cost_view
from jwtbench.cli.main import main
from jwtbench.measure.cost import SETTINGS, CostSettings, measure_cost
from jwtbench.measure.cost_probe import parse_importtime
from jwtbench.model.records import ResultsError
from jwtbench.model.results import load_results, write_atomic
from jwtbench.present.markdown import render_markdown
from jwtbench.present.report import write_report

DATA = Path(__file__).parent / "data"
FAST = CostSettings(samples=1, budget=0.002, timeout=60.0)


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of PyJWT HS256 (one pass), its cost gathered by ``jwtbench run`` itself."""
    out = tmp_path_factory.mktemp("cost") / "run.json"
    argv = ["run", "--adapters", "pyjwt", "--algs", "HS256", "--key-modes", "prepared"]
    assert main([*argv, "--passes", "1", "--no-interop", "--no-report", "--output", str(out)]) == 0
    return out


def _pyjwt(path: Path) -> dict[str, Any]:
    entry: dict[str, Any] = load_results(path).meta["cost"]["adapters"]["pyjwt"]
    return entry


def test_parse_importtime_reads_depth_self_and_cumulative() -> None:
    stderr = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       650 |        700 |   jwt.utils\n"
        "import time:       100 |       1200 | jwt\n"
        "some other line\n"
    )
    assert parse_importtime(stderr) == [(1, "jwt.utils", 650, 700), (0, "jwt", 100, 1200)]


def test_run_records_import_time_and_the_heaviest_modules(measured: Path) -> None:
    entry = _pyjwt(measured)
    imported = entry["import"]
    assert "jwt" in imported["modules"]
    assert imported["samples"] == SETTINGS["quick"].samples
    assert 0 < imported["min_s"] <= imported["median_s"]
    heaviest = [h["module"] for h in imported["heaviest"]]
    assert len(heaviest) == 5 and "jwt" not in heaviest  # the import itself is the total
    assert any(name.startswith(("jwt.", "cryptography")) for name in heaviest)
    assert entry["version"] and entry["available"] is True


def test_first_call_with_a_cold_key_against_warm_per_family(measured: Path) -> None:
    first = _pyjwt(measured)["first_call"]
    assert set(first) == {"HS256", "RS256", "ES256", "EdDSA"}  # every family PyJWT has
    for alg, got in first.items():
        assert got["sign_cold_s"] > 0 and got["sign_warm_s"] > 0, alg
        assert got["verify_cold_s"] > 0 and got["sign_warm_calls"] >= 3, alg
        assert got["sign_hot_s"] > 0 and got["verify_hot_s"] > 0, alg
        assert got["import_s"] > 0  # the library was imported in that fresh interpreter
    # an RSA private key's PEM takes milliseconds to parse; a prepared key skips that
    assert first["RS256"]["sign_hot_s"] < first["RS256"]["sign_warm_s"]


def test_memory_peak_exceeds_the_token_and_sizes_are_real(measured: Path) -> None:
    entry = _pyjwt(measured)
    for alg, mem in entry["memory"].items():
        assert mem["sign_peak_bytes"] > mem["token_bytes"] > 100, alg
        assert mem["verify_peak_bytes"] > mem["token_bytes"], alg
    installed = entry["installed"]
    assert installed["distribution"] == "pyjwt" and installed["bytes"] > 10_000
    # pyjwt's RECORD alone, then with its backend (cryptography) and that one's requirements
    assert installed["closure"]["pyjwt"] == installed["bytes"]
    assert "cryptography" in installed["closure"]
    assert installed["closure_bytes"] > installed["bytes"]


def test_key_preparation_per_form_and_a_refused_form_says_why(measured: Path) -> None:
    prep = _pyjwt(measured)["key_prep"]
    for alg in ("HS256", "RS256", "ES256", "EdDSA"):
        pem = prep[alg]["pem"]
        assert pem["sign_with_key_s"] > 0 and pem["sign_hot_s"] > 0 and pem["verify_hot_s"] > 0
        assert pem["sign_key_s"] == pem["sign_with_key_s"] - pem["sign_hot_s"]
    assert prep["RS256"]["pem"]["sign_key_s"] > prep["RS256"]["pem"]["sign_hot_s"]
    # PyJWT's Algorithm.prepare_key takes PEM, not a JWK dict (PyJWK is another call)
    assert "JWK" in prep["RS256"]["jwk"]["unsupported"]


def test_the_report_shows_the_cost_section(measured: Path, tmp_path: Path) -> None:
    results = load_results(measured)
    view = cost_view(results)
    assert view is not None and [r.name for r in view.rows] == ["pyjwt"]
    (row,) = view.rows
    assert row.status == "ok" and row.first_calls[0].sign_ratio > 0
    text = render_markdown(results)
    assert "## Cost beyond the hot path" in text and "### First call with a cold key" in text
    assert "PyJWT" in text and "heaviest imports" in text
    report = write_report(results, tmp_path)
    assert (tmp_path / "library_cost.png").read_bytes().startswith(b"\x89PNG")
    assert "![library cost](library_cost.png)" in report.read_text()


def test_a_file_without_cost_loads_and_shows_no_section() -> None:
    results = load_results(DATA / "golden_quick.json")
    assert results.record.cost is None and cost_view(results) is None
    assert "Cost beyond the hot path" not in render_markdown(results)


def test_a_cost_record_in_other_units_is_refused_by_name(measured: Path, tmp_path: Path) -> None:
    raw = json.loads(measured.read_text())
    raw["jwtbench"]["cost"]["units"]["time"] = "ms"
    bad = tmp_path / "bad.json"
    write_atomic(bad, raw)
    with pytest.raises(ResultsError, match=r"jwtbench\.cost: units"):
        load_results(bad)


def _fake_python(tmp_path: Path, body: str) -> str:
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def test_a_library_that_crashes_on_import_gives_an_error_entry(tmp_path: Path) -> None:
    broken = tmp_path / "site" / "jwt"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise RuntimeError('boom at import')\n")
    python = _fake_python(tmp_path, f'PYTHONPATH={broken.parent} exec {sys.executable} "$@"')
    cost = measure_cost(["pyjwt"], python=python, settings=FAST)
    assert "boom at import" in cost["adapters"]["pyjwt"]["error"]
    assert not cost["interrupted"]


def test_a_hanging_child_times_out_into_an_error_entry(tmp_path: Path) -> None:
    python = _fake_python(tmp_path, "exec sleep 30")
    settings = CostSettings(samples=1, budget=0.001, timeout=1.0)
    cost = measure_cost(["pyjwt", "floor"], python=python, settings=settings)
    assert cost["adapters"]["pyjwt"] == {"error": "timed out after 1 s"}
    assert set(cost["adapters"]) == {"pyjwt", "floor"}  # the next adapter is still tried


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: one child at a time")
def test_two_adapters_are_measured_at_once(tmp_path: Path) -> None:
    # pyjwt's child waits (up to 5 s) for floor's to start: one by one, it would not see it
    marker = tmp_path / "floor-started"
    seen = 'jwtbench-cost-entry: {"error": "saw floor"}'
    alone = 'jwtbench-cost-entry: {"error": "alone"}'
    body = (
        f"case \"$*\" in *floor*) touch {marker}; echo '{alone}';; "
        f"*) for i in $(seq 50); do [ -e {marker} ] && break; sleep 0.1; done; "
        f"[ -e {marker} ] && echo '{seen}' || echo '{alone}';; esac"
    )
    cost = measure_cost(["pyjwt", "floor"], python=_fake_python(tmp_path, body), settings=FAST)
    assert cost["adapters"]["pyjwt"] == {"error": "saw floor"}
    assert list(cost["adapters"]) == ["pyjwt", "floor"]  # in the order asked, not finished


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cost", "--adapters", "nosuchlib"], "unknown adapter 'nosuchlib'"),
        (["cost", "--adapters", "limit"], "no adapter that makes tokens"),
        (["cost", "--python", "/no/such/python"], "--python /no/such/python: no such executable"),
        (["cost", "--add-to", "/no/such/results.json"], "/no/such/results.json"),
    ],
)
def test_cost_refuses_bad_options_before_measuring(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_cost_verb_adds_to_a_results_file(tmp_path: Path) -> None:
    target = tmp_path / "copy.json"
    shutil.copy(DATA / "golden_quick.json", target)
    python = _fake_python(tmp_path, "exit 3")  # fast: the entry is an error, and says why
    assert main(["cost", "--adapters", "pyjwt", "--python", python, "--add-to", str(target)]) == 0
    cost = load_results(target).record.cost
    assert cost is not None and "exit 3" in cost.adapters["pyjwt"].error


def test_sigterm_keeps_the_libraries_already_measured(tmp_path: Path) -> None:
    # floor's child answers at once; pyjwt's hangs until the SIGTERM
    entry = 'jwtbench-cost-entry: {"error": "fake floor"}'
    body = f"case \"$*\" in *floor*) echo '{entry}';; *) exec sleep 30;; esac"
    python, out = _fake_python(tmp_path, body), tmp_path / "cost.json"
    argv = ["cost", "--adapters", "floor,pyjwt", "--python", python, "-v", "--output", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "jwtbench.cli.main", *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if "cost floor:" in line:
            break
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 143  # 128 + SIGTERM, as jwtbench run exits
    cost = json.loads(out.read_text())
    assert cost["interrupted"] is True and list(cost["adapters"]) == ["floor"]


def test_the_cost_record_round_trips_through_the_typed_record(measured: Path) -> None:
    results = load_results(measured)
    assert results.record.to_dict()["cost"] == results.meta["cost"]
    cost = results.record.cost
    assert cost is not None and cost.units["time"] == "s"
    assert cost.samples == SETTINGS["quick"].samples


def test_children_of_a_run_leave_the_cost_to_their_parent() -> None:
    from jwtbench.measure.groups import child_command
    from jwtbench.measure.rounds import RunSelection, Side
    from jwtbench.model.selection import Selection

    member = child_command("quick", Selection(), "pyjwt", Path("o.json"), "quick", None)
    round_ = Side(("jwtbench",), {}).run_command("base", Path("o.json"), RunSelection())
    assert "jwtbench.measure.member" in member  # times only: cost is jwtbench run's step
    assert "--no-cost" in round_
