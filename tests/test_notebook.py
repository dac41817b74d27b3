"""The example notebook runs end to end and shows the run a user expects.

It is executed (nbclient, a real kernel) on small committed results files, so
it cannot rot: any cell that raises fails the test.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbclient  # the ``test`` extra: pip install -e '.[test]'
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore_results.ipynb"
GOLDEN = ROOT / "tests" / "data" / "golden_quick.json"
GOLDEN_JWE = ROOT / "tests" / "data" / "golden_jwe.json"


def execute() -> str:
    """Run every cell (in the notebook's folder, as Jupyter would); the text it printed."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError if any cell raises
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def test_notebook_runs_on_a_committed_results_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWTBENCH_RESULTS", str(GOLDEN))
    printed = execute()
    assert f"run: {GOLDEN} (label 'quick'" in printed
    assert re.search(r"^pyjwt\s+HS256\s+\d+\.\dx$", printed, re.MULTILINE)  # x over floor
    assert "GateFailure: synthetic (golden file)" in printed  # the untimed cells' reasons


def test_notebook_falls_back_to_the_reference_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reference").mkdir()
    shutil.copy(GOLDEN, tmp_path / "reference" / "quick.json")
    monkeypatch.delenv("JWTBENCH_RESULTS", raising=False)
    monkeypatch.setenv("JWTBENCH_RESULTS_DIR", str(tmp_path))
    printed = execute()
    assert f"run: {tmp_path / 'reference' / 'quick.json'} " in printed
    assert "this is the committed reference run" in printed


def test_notebook_shows_the_newest_user_run_not_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reference").mkdir()
    shutil.copy(GOLDEN, tmp_path / "reference" / "quick.json")
    machine = tmp_path / "Linux-CPython-3.11-64bit"
    machine.mkdir()
    shutil.copy(GOLDEN, machine / "20270101T000000Z_older.json")
    newest = machine / "20270101T120000Z_newest.json"
    shutil.copy(GOLDEN_JWE, newest)
    monkeypatch.delenv("JWTBENCH_RESULTS", raising=False)
    monkeypatch.setenv("JWTBENCH_RESULTS_DIR", str(tmp_path))
    printed = execute()
    assert f"run: {newest} " in printed
    assert "committed reference run" not in printed
