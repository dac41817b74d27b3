"""``jwtbench run`` and the parser: refusals before measuring, signals, no stray folders.

Runs use the tiny selection (floor and pyjwt, HS256, prepared key, one pass).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import jwtbench
from jwtbench.cli.main import VERBS, build_parser, main
from jwtbench.model.results import load_results

TINY = ["--adapters", "floor,pyjwt", "--algs", "HS256", "--key-modes", "prepared"]
QUIET = ["--passes", "1", "--no-interop", "--no-report", "--no-cost"]


def _verbs() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_verb_is_registered() -> None:
    assert list(_verbs()) == list(VERBS)


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_a_description_and_every_option_help(verb: str) -> None:
    """Defect 14: run, selfcheck, list, calibrate had no description; options no help."""
    parser = _verbs()[verb]
    assert parser.description, f"jwtbench {verb} has no description"
    missing = [
        "/".join(action.option_strings) or action.dest
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        and (not action.help or action.help == argparse.SUPPRESS)
    ]
    assert not missing, f"jwtbench {verb}: no help for {', '.join(missing)}"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"jwtbench {jwtbench.__version__}"


def test_run_help_says_where_results_go(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "./results" in " ".join(capsys.readouterr().out.split())


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``argv``; assert one error line, exit 2, nothing measured; return the line."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "pass 1/" not in captured.out and "cells x" not in captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jwtbench: error: "), captured.err
    return lines[0]


def test_empty_selection_is_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defect 6a: a selection matching no cell ran, wrote an empty file, exit 0."""
    argv = ["run", "--algs", "dir", "--encs", "A256GCM", "--ops", "sign"]
    line = _refused([*argv, "--results-dir", str(tmp_path)], capsys)
    assert "leaving out --algs or --ops would select some" in line
    assert not list(tmp_path.iterdir())


def test_visits_and_processes_are_refused_where_they_would_be_ignored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = _refused(["run", *TINY, *QUIET, "--no-groups", "--visits", "3"], capsys)
    assert "--visits shape a grouped run" in line and "--no-groups" in line
    line = _refused(["run", *TINY, *QUIET, "--visits", "0"], capsys)
    assert "--visits must be at least 1" in line


def test_output_that_is_a_directory_is_refused_before_measuring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defect 4: --output EXISTING_DIR measured everything, then IsADirectoryError."""
    line = _refused(["run", *TINY, *QUIET, "--output", str(tmp_path)], capsys)
    assert f"{tmp_path} is a directory" in line


def test_report_out_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defect 4: report --out EXISTING_FILE gave FileExistsError."""
    taken = tmp_path / "taken"
    taken.write_text("mine")
    golden = Path(__file__).parent / "data" / "golden_quick.json"
    line = _refused(["report", str(golden), "--out", str(taken)], capsys)
    assert "is an existing file" in line
    assert taken.read_text() == "mine"


def _unwritable(tmp_path: Path) -> Path:
    """A folder this process cannot write to (root ignores permission bits: use sysfs)."""
    if os.geteuid() != 0:
        folder = tmp_path / "readonly"
        folder.mkdir()
        folder.chmod(0o500)
        return folder
    if not Path("/sys/kernel").is_dir():
        pytest.skip("running as root without /sys: no unwritable folder to test with")
    return Path("/sys/kernel")


def test_unwritable_results_dir_is_refused_before_measuring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defect 3: a read-only results folder gave a traceback (mkdir, or after pass 1)."""
    folder = _unwritable(tmp_path)
    line = _refused(["run", *TINY, *QUIET, "--results-dir", str(folder)], capsys)
    assert "cannot write results to" in line
    line = _refused(["run", *TINY, *QUIET, "--output", str(folder / "run.json")], capsys)
    assert "cannot write results to" in line


def test_run_leaves_no_benchmarks_folder_in_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defect 13: every folder a run started from got an empty ``.benchmarks/``."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", *TINY, *QUIET]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    (saved,) = tmp_path.glob("results/*/*.json")
    assert load_results(saved).status_counts() == {"ok": 4}
    out = capsys.readouterr().out
    assert "pass 1/1: 4/4 cells, 4 ok;" in out
    assert "[   1/4]" not in out  # per-cell lines only with --verbose


def test_sigterm_keeps_the_run_like_ctrl_c(tmp_path: Path) -> None:
    """Defect 2: SIGTERM (timeout, docker, CI cancel) lost the whole run, exit 143."""
    out = tmp_path / "run.json"
    argv = [*TINY, "--passes", "200", "--verbose", "--no-interop", "--no-report"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "jwtbench.cli.main", "run", *argv, "--output", str(out)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("["):  # the first cell line: measuring has begun
                break
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted by SIGTERM" in err and "Traceback" not in err
    results = load_results(out)
    assert results.meta["interrupted"] is True
    assert results.meta["passes"] < 200
    assert {c["status"] for c in results.cells} <= {"ok", "not run"}
