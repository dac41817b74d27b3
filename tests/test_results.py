"""Results files: typed records, schema v2, the v1 migration, and files refused in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jwtbench.cli.main import main
from jwtbench.measure.merge import merge_rounds
from jwtbench.model.cell import Status, cell_key
from jwtbench.model.records import CellRecord, RunRecord, Units, build_document
from jwtbench.model.results import (
    Results,
    ResultsError,
    latest_run,
    list_runs,
    load_results,
    write_atomic,
)
from jwtbench.model.schema import SCHEMA_HISTORY, SCHEMA_VERSION, migrate_v1_to_v2

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GOLDEN = DATA / "golden_quick.json"
V1_FILES = [
    GOLDEN,
    DATA / "golden_jwe.json",
    DATA / "compare" / "base.json",
    DATA / "compare" / "head.json",
]
REFERENCE = ROOT / "results" / "reference" / "quick.json"


def test_the_committed_reference_is_a_current_paired_run() -> None:
    """The README's reference: this schema, grouped, visited 10 times, the floor in 3 processes."""
    on_disk = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert on_disk["jwtbench"]["schema_version"] == SCHEMA_VERSION
    groups = load_results(REFERENCE).meta["groups"]
    assert groups["visits"] >= 10 and groups["replicas"] == {"floor": 3}
    paired = [b for b in on_disk["benchmarks"] if "over_floor" in b["extra_info"]]
    assert paired and all(b["extra_info"]["over_floor"]["rounds"] >= 10 for b in paired)
    floors = [b for b in on_disk["benchmarks"] if b["params"]["adapter"] == "floor"]
    assert floors and all(len(b["extra_info"]["merged_runs"]) == 30 for b in floors)


def golden() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return raw


def write(path: Path, raw: Any) -> Path:
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def run_verb(verb: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and stderr of ``jwtbench <verb>`` on ``path`` (compare: against itself)."""
    argv = {
        "report": ["report", str(path), "--out", str(path.parent / "report")],
        "compare": ["compare", str(GOLDEN), str(path)],
        "export": ["export", str(path), "--format", "csv"],
    }[verb]
    code = main(argv)
    return code, capsys.readouterr().err


VERBS = ("report", "compare", "export")


# -- files refused in one line ---------------------------------------------------------


@pytest.mark.parametrize("verb", VERBS)
def test_binary_file_is_refused_in_one_line(
    verb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    code, err = run_verb(verb, path, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"jwtbench: error: {path}: not a results file: binary")


def test_cells_null_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = golden()
    raw["jwtbench"]["cells"] = None
    code, err = run_verb("report", write(tmp_path / "null.json", raw), capsys)
    assert code == 2 and err.count("\n") == 1
    assert "jwtbench: 'cells' is null, expected a list" in err


def test_quoted_schema_version_is_refused_with_its_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = golden()
    raw["jwtbench"]["schema_version"] = "1"
    code, err = run_verb("report", write(tmp_path / "quoted.json", raw), capsys)
    assert code == 2 and err.count("\n") == 1
    assert "schema_version is the string '1', not the number 1" in err
    assert "re-run the benchmark" in err


@pytest.mark.parametrize("verb", VERBS)
def test_empty_results_file_is_refused_as_selecting_nothing(
    verb: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = golden()
    raw["benchmarks"], raw["jwtbench"]["cells"] = [], []
    code, err = run_verb(verb, write(tmp_path / "empty.json", raw), capsys)
    assert code == 2 and err.count("\n") == 1
    assert "the run selected nothing" in err


def test_a_cell_without_status_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    raw = golden()
    del raw["jwtbench"]["cells"][3]["status"]
    with pytest.raises(ResultsError, match=r"cells\[3\] \(floor HS256 verify raw small\)"):
        load_results(write(tmp_path / "nostatus.json", raw))


@pytest.mark.parametrize("status", ["", "fine", None, 1])
def test_an_unknown_status_is_never_read_as_ok(status: Any, tmp_path: Path) -> None:
    raw = golden()
    raw["jwtbench"]["cells"][0]["status"] = status
    with pytest.raises(ResultsError, match=r"cells\[0\] \(floor HS256 sign prepared small\)"):
        load_results(write(tmp_path / "odd.json", raw))


def test_a_newer_schema_is_refused_with_upgrade_advice(tmp_path: Path) -> None:
    raw = golden()
    raw["jwtbench"]["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(ResultsError, match="a newer jwtbench wrote it; upgrade jwtbench"):
        load_results(write(tmp_path / "newer.json", raw))


def test_an_unknown_unit_is_refused_by_name(tmp_path: Path) -> None:
    raw = load_results(GOLDEN).raw
    raw["jwtbench"]["units"]["time"] = "fortnights"
    with pytest.raises(ResultsError, match=r"unit 'fortnights' for time is not one"):
        load_results(write(tmp_path / "units.json", raw))


# -- migration and round trip ----------------------------------------------------------


@pytest.mark.parametrize("path", V1_FILES, ids=lambda p: p.name)
def test_v1_golden_files_load_through_the_migration(path: Path) -> None:
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk["jwtbench"]["schema_version"] == 1  # the committed files stay v1
    results = load_results(path)
    meta = results.meta
    assert meta["schema_version"] == SCHEMA_VERSION == max(SCHEMA_HISTORY)
    assert meta["units"] == {"time": "s", "ops": "1/s", "token_bytes": "bytes"}
    assert meta["timer"] == {"name": "wall-clock", "unit": "seconds"}
    assert meta["passes"] == on_disk["jwtbench"].get("passes", 1)
    assert meta["interop"] == on_disk["jwtbench"].get("interop")  # None: not recorded
    assert results.record.units == Units()
    assert all(isinstance(c.status, Status) for c in results.record.cells)
    assert [c["params"] for c in results.cells] == [
        c["params"] for c in on_disk["jwtbench"]["cells"]
    ]
    assert results.raw["benchmarks"] == on_disk["benchmarks"]  # numbers untouched


def test_v1_statuses_are_normalised() -> None:
    raw = golden()
    raw["jwtbench"]["cells"][0]["status"] = " OK "
    raw["jwtbench"]["cells"][1]["status"] = "not_run"
    migrated = migrate_v1_to_v2(raw)
    assert [c["status"] for c in migrated["jwtbench"]["cells"][:2]] == ["ok", "not run"]
    assert raw["jwtbench"]["schema_version"] == 1  # the input is not changed


def test_v2_file_round_trips(tmp_path: Path) -> None:
    first = load_results(GOLDEN)
    path = tmp_path / "v2.json"
    write_atomic(path, first.raw)
    again = load_results(path)
    assert json.loads(path.read_text(encoding="utf-8"))["jwtbench"]["schema_version"] == 2
    assert again.record == first.record
    assert again.raw == first.raw
    rebuilt = build_document(again.record, again.raw["benchmarks"], again.raw)
    assert rebuilt == again.raw  # the records hold every field of the jwtbench object


def test_records_are_typed_and_build_the_whole_document() -> None:
    record = load_results(GOLDEN).record
    assert isinstance(record, RunRecord)
    assert record.run.label == "quick" and record.run.passes == 1
    assert record.adapters["pyjwt"].available and record.adapters["pyjwt"].details["library"]
    invalid = [c for c in record.cells if c.status is Status.INVALID]
    assert invalid == [
        CellRecord(
            {"adapter": "jwcrypto", "alg": "ES256", "op": "verify", "key_mode": "raw"}
            | {"payload": "small"},
            Status.INVALID,
            invalid[0].reason,
        )
    ]
    assert record.by_key()[cell_key(invalid[0].params)] is invalid[0]
    doc = build_document(record)
    assert doc == {"benchmarks": [], "jwtbench": record.to_dict()}


def test_merge_rounds_of_v1_files_is_a_v2_document() -> None:
    merged = merge_rounds([golden(), golden()], label="m", ab={"rounds": 2})
    results = Results(path=None, raw=merged)
    assert merged["jwtbench"]["schema_version"] == 2
    assert merged["jwtbench"]["ab"] == {"rounds": 2}
    assert results.record.run.label == "m" and results.record.units == Units()
    assert {k: v for k, v in merged.items() if k not in ("benchmarks", "jwtbench")} == {
        k: v for k, v in golden().items() if k not in ("benchmarks", "jwtbench")
    }


def test_pytest_benchmark_compare_still_reads_a_v2_file(tmp_path: Path) -> None:
    path = tmp_path / "v2.json"
    write_atomic(path, load_results(GOLDEN).raw)
    tool = Path(sys.executable).with_name("pytest-benchmark")
    done = subprocess.run(
        [str(tool), "compare", str(path), "--columns=median"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "test_jws[floor-HS256-sign-prepared-small]" in done.stdout


# -- which run is the latest -----------------------------------------------------------


def saved(folder: Path, name: str, started: str | None = None) -> Path:
    raw = golden()
    if started is not None:
        raw["jwtbench"]["started"] = started
    folder.mkdir(parents=True, exist_ok=True)
    return write(folder / name, raw)


def test_list_runs_sorts_by_run_time_not_file_name(tmp_path: Path) -> None:
    machine = tmp_path / "Linux-CPython-3.11-64bit"
    late = saved(machine, "20270102T000000Z_zz.json")
    early = saved(machine, "20270101T000000Z_quick.json")
    reference = saved(tmp_path / "reference", "quick.json", started="2026-11-29T07:21:49+00:00")
    assert list_runs(tmp_path) == [reference, early, late]


def test_latest_run_is_the_newest_user_run_not_the_reference(tmp_path: Path) -> None:
    assert latest_run(tmp_path) is None
    saved(tmp_path / "reference", "quick.json", started="2099-01-01T00:00:00+00:00")
    assert latest_run(tmp_path) is None  # only the reference: callers fall back to it
    machine = tmp_path / "Linux-CPython-3.11-64bit"
    saved(machine, "20270101T000000Z_quick.json")
    newest = saved(machine, "20270101T000001Z_a.json")
    assert latest_run(tmp_path) == newest
