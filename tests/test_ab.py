"""``jwtbench ab``: requirement sets, the env cache, round plans, merging, and one real A/B."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jwtbench.analysis.compare import compare_results
from jwtbench.analysis.spread import disagreeing_runs
from jwtbench.analysis.stats import MODE_RUNS
from jwtbench.cli import main as cli
from jwtbench.cli.ab import spread_warning
from jwtbench.envs import env as envs_env
from jwtbench.envs import lockstep
from jwtbench.envs.env import (
    Env,
    EnvError,
    Harness,
    build_commands,
    env_differences,
    env_key,
    parse_requirements,
    run_checked,
)
from jwtbench.measure.matrix import PROFILES
from jwtbench.measure.merge import merge_rounds, stats_from_rounds
from jwtbench.measure.rounds import round_plan
from jwtbench.model.cell import cell_key
from jwtbench.model.results import Results, load_results, machine_id, write_atomic

GOLDEN = Path(__file__).parent / "data" / "golden_quick.json"

QUICK = PROFILES["quick"]


@pytest.fixture
def jwtbench() -> Callable[..., int]:
    """``jwtbench ARGS...`` through jwtbench.cli.main.main (exit code returned)."""
    return lambda *argv: cli.main(list(argv))


# -- requirement sets ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pyjwt==2.10.1", ["pyjwt==2.10.1"]),
        ("pyjwt==2.10.1 cryptography==44.0.0", ["pyjwt==2.10.1", "cryptography==44.0.0"]),
        ("pyjwt==2.10.1,cryptography==44.0.0", ["pyjwt==2.10.1", "cryptography==44.0.0"]),
        (" PyJWT == 2.10.1 ,  ", ["pyjwt==2.10.1"]),
        ("cryptography>=42,<45 pyjwt", ["cryptography<45,>=42", "pyjwt"]),
        ("cryptography >= 42, < 45", ["cryptography<45,>=42"]),
        (
            "python-jose[cryptography,pycryptodome]==3.3",
            ["python-jose[cryptography,pycryptodome]==3.3"],
        ),
        ("pyjwt @ https://example.org/pyjwt.whl", ["pyjwt @ https://example.org/pyjwt.whl"]),
    ],
)
def test_requirement_sets_split_on_spaces_and_commas(text: str, expected: list[str]) -> None:
    assert parse_requirements(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty requirement set"),
        (" , ", "empty requirement set"),
        ("pyjwt==2.10.1 pyjwt==2.15.1", "pyjwt is named twice"),
        ("-e .", "installer options are not accepted"),
        ("==2.10.1", "'==2.10.1' is not a valid requirement"),
    ],
)
def test_bad_requirement_sets_are_refused(text: str, message: str) -> None:
    with pytest.raises(EnvError, match=message):
        parse_requirements(text)


# -- the env cache -------------------------------------------------------------------


def test_env_key_is_stable_and_covers_python_requirements_and_harness() -> None:
    reqs = ["pyjwt==2.10.1", "cryptography==44.0.0"]
    key = env_key(reqs, python_version="3.11.7", identity="editable /w abc")
    assert len(key) == 16 and int(key, 16) >= 0
    same = env_key(reqs[::-1], python_version="3.11.7", identity="editable /w abc")
    assert same == key  # sorted: the order given does not matter
    others = {
        env_key(["pyjwt==2.15.1", reqs[1]], python_version="3.11.7", identity="editable /w abc"),
        env_key(reqs, python_version="3.12.4", identity="editable /w abc"),
        env_key(reqs, python_version="3.11.7", identity="editable /w def"),  # its pyproject
        env_key(reqs, python_version="3.11.7", identity="editable /x abc"),  # another checkout
    }
    assert key not in others and len(others) == 4


def test_from_a_checkout_the_harness_is_this_tree_editable() -> None:
    source = envs_env.harness()
    root = Path(__file__).resolve().parent.parent
    assert source.install == ("-e", str(root)) and str(root) in source.identity


def test_build_installs_the_harness_first_and_the_pins_last(tmp_path: Path) -> None:
    env = Env(tmp_path / "env", ("pyjwt==2.10.1", "cryptography==44.0.0"), "k")
    project = tmp_path / "proj"
    source = Harness(("-e", str(project)), "id", "d")
    uv = build_commands("uv", env, source)
    assert uv[0][:2] == ["uv", "venv"] and uv[0][-1] == str(env.path)
    assert sys.executable in uv[0]  # the interpreter running jwtbench, not uv's pick
    assert uv[1][-2:] == ["-e", str(project)] and "--python" in uv[1]
    assert "--refresh-package" not in uv[1]
    assert uv[2][-2:] == ["pyjwt==2.10.1", "cryptography==44.0.0"]
    pip = build_commands("pip", env, source)
    assert pip[0] == [sys.executable, "-m", "venv", str(env.path)]
    assert pip[1][:4] == [str(env.python), "-m", "pip", "install"] and pip[1][-1] == str(project)
    assert pip[2][-2:] == ["pyjwt==2.10.1", "cryptography==44.0.0"]
    copied = build_commands("uv", env, Harness((str(project),), "id", "d", refresh=True))
    assert copied[1][-3:] == ["--refresh-package", "jwtbench", str(project)]


def test_a_failing_command_names_what_and_shows_its_last_lines() -> None:
    script = "import sys\nfor i in range(40): print(f'line {i}', file=sys.stderr)\nsys.exit(3)"
    with pytest.raises(EnvError) as exc:
        run_checked([sys.executable, "-c", script], what="installing the head requirement set 'x'")
    text = str(exc.value)
    assert text.startswith("installing the head requirement set 'x' failed (exit 3)")
    assert "line 39" in text and "line 25" in text and "line 24" not in text


def test_env_differences_ignore_the_pinned_packages() -> None:
    freezes = {
        "base": ["cryptography==44.0.0", "numpy==2.4.5", "pyjwt==2.10.1", "-e file:///w"],
        "head": ["cryptography==44.0.0", "numpy==2.4.6", "pyjwt==2.15.1", "-e file:///w"],
    }
    pins = {"base": ["pyjwt==2.10.1"], "head": ["pyjwt==2.15.1"]}
    assert env_differences(freezes, pins) == ["numpy==2.4.5 vs numpy==2.4.6"]


def test_round_plan_alternates_abba() -> None:
    assert round_plan(3) == [
        (0, "base"), (0, "head"), (1, "head"), (1, "base"), (2, "base"), (2, "head"),
    ]  # fmt: skip
    assert round_plan(2, interleave=False) == [(0, "base"), (1, "base"), (0, "head"), (1, "head")]


# -- merging rounds --------------------------------------------------------------------


def split_golden(parts: int) -> list[dict[str, Any]]:
    """The golden run cut into ``parts`` round files (its raw rounds dealt out in order)."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    rounds = []
    for index in range(parts):
        raw = json.loads(json.dumps(golden))
        for bench in raw["benchmarks"]:
            data = bench["stats"]["data"]
            size = -(-len(data) // parts)
            piece = data[index * size : (index + 1) * size]
            bench["stats"] = stats_from_rounds(piece, bench["stats"]["iterations"])
        raw["jwtbench"]["finished"] = f"round {index}"
        rounds.append(raw)
    return rounds


def test_merge_concatenates_raw_rounds_and_recomputes_stats(tmp_path: Path) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    rounds = split_golden(2)
    merged = merge_rounds(rounds, label="ab-base")
    assert len(merged["benchmarks"]) == len(golden["benchmarks"])
    for before, after in zip(golden["benchmarks"], merged["benchmarks"], strict=True):
        assert after["params"] == before["params"]
        stats = after["stats"]
        assert stats["data"] == before["stats"]["data"]  # both halves, in round order
        assert stats["rounds"] == len(before["stats"]["data"])
        assert stats["median"] == pytest.approx(statistics.median(before["stats"]["data"]))
        assert stats["median"] == pytest.approx(before["stats"]["median"], rel=1e-9)
        assert stats["min"] == min(stats["data"]) and stats["max"] == max(stats["data"])
        assert stats["q1"] <= stats["median"] <= stats["q3"]
        assert stats["iqr"] == pytest.approx(stats["q3"] - stats["q1"])
        assert stats["ops"] == pytest.approx(len(stats["data"]) / sum(stats["data"]))
        assert sum(after["extra_info"]["merged_runs"]) == stats["rounds"]
        assert after["extra_info"]["token_bytes"] == before["extra_info"]["token_bytes"]
    meta = merged["jwtbench"]
    assert meta["label"] == "ab-base" and meta["finished"] == "round 1"
    assert meta["provenance"] == golden["jwtbench"]["provenance"]
    assert meta["cells"] == golden["jwtbench"]["cells"]
    path = tmp_path / "merged.json"
    write_atomic(path, merged)
    assert len(list(load_results(path).rows())) == len(golden["benchmarks"])


def test_merge_keeps_a_failure_of_any_round() -> None:
    rounds = split_golden(3)
    victim = rounds[0]["jwtbench"]["cells"][0]["params"]
    cell = next(c for c in rounds[2]["jwtbench"]["cells"] if c["params"] == victim)
    cell |= {"status": "error", "reason": "RuntimeError: flaky"}
    merged = merge_rounds(rounds, label="x")
    status = {cell_key(c["params"]): c for c in merged["jwtbench"]["cells"]}[cell_key(victim)]
    assert status["status"] == "error" and status["reason"] == "round 3: RuntimeError: flaky"


def test_disagreeing_runs_of_one_side_are_reported() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    twice = merge_rounds([golden, golden], label="ab-base")
    assert disagreeing_runs({"base": Results(path=None, raw=twice)}, 0.10) == []
    slower = json.loads(json.dumps(golden))
    bench = slower["benchmarks"][0]
    bench["stats"] = stats_from_rounds([v * 2 for v in bench["stats"]["data"]])
    merged = Results(path=None, raw=merge_rounds([golden, slower], label="ab-head"))
    [found] = disagreeing_runs({"head": merged}, 0.10)
    assert (found.label, found.side) == ("floor HS256 sign prepared small", "head")
    assert found.spread == pytest.approx(2.0)
    text = spread_warning([found], 0.10)
    assert "in 1 cell: floor HS256 sign prepared small (head runs 28.7 µs-57.4 µs, 2.00x" in text


def test_merged_rounds_are_compared_run_by_run() -> None:
    """A slowdown in every round is flagged; one carried by some rounds only is not.

    The per-run medians are what the verdict weighs (Welch t-test), so a
    round of head that did not slow down makes the change uncertain: the old
    "head was slower in only 2 of 3 rounds" warning is no longer needed.
    """
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    slower = {"adapter": "pyjwt", "alg": "RS256", "op": "sign", "key_mode": "prepared",
              "payload": "small"}  # fmt: skip
    kept = [b for b in golden["benchmarks"] if b["params"]["adapter"] == "pyjwt"]
    golden["benchmarks"] = kept  # a dozen cells are enough, and quicker
    assert slower in [b["params"] for b in kept]

    def scaled(factor: float, cell: float = 1.0) -> dict[str, Any]:
        """The golden run with the machine ``factor`` slower and ``slower`` ``cell`` slower."""
        raw: dict[str, Any] = json.loads(json.dumps(golden))
        for bench in raw["benchmarks"]:
            times = factor * (cell if bench["params"] == slower else 1.0)
            bench["stats"] = stats_from_rounds([v * times for v in bench["stats"]["data"]])
        return raw

    machine = (1.0, 1.02, 0.99, 1.01, 0.98, 1.0)  # runs that agree within 2%
    base = Results(None, merge_rounds([scaled(f) for f in machine], label="ab-base"))
    steady = Results(None, merge_rounds([scaled(f, 1.5) for f in machine], label="ab-head"))
    cmp = compare_results(base, steady)
    assert [c.params for c in cmp.regressions] == [slower]
    assert {(c.stats.mode, c.stats.base_runs, c.stats.head_runs) for c in cmp.cells} == {
        (MODE_RUNS, 6, 6)
    }
    assert cmp.notes == []

    lucky = [1.5, 1.5, 0.97, 1.5, 1.5, 0.97]
    head = [scaled(f, cell) for f, cell in zip(machine, lucky, strict=True)]
    cmp = compare_results(base, Results(None, merge_rounds(head, label="ab-head")))
    assert cmp.regressions == [] and cmp.improvements == []


# -- the verb --------------------------------------------------------------------------


def test_bad_input_exits_2_before_building_anything(
    jwtbench: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    envs = tmp_path / "envs"
    assert (
        jwtbench("ab", "--base", "pyjwt==2 pyjwt==3", "--head", "pyjwt", "--env-dir", str(envs))
        == 2
    )
    assert "pyjwt is named twice" in capsys.readouterr().err
    code = jwtbench(
        "ab", "--base", "pyjwt", "--head", "pyjwt", "--algs", "HS999", "--env-dir", str(envs)
    )
    assert code == 2 and "unknown algorithm HS999" in capsys.readouterr().err
    assert not envs.exists()


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")
def test_real_ab_with_the_same_requirement_on_both_sides(
    jwtbench: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Build the env (once: same set), run 2 interleaved rounds per side, merge, compare."""
    envs, results_dir, md = tmp_path / "envs", tmp_path / "results", tmp_path / "ab.md"
    code = jwtbench(
        "ab", "--base", "pyjwt==2.15.1", "--head", "PyJWT == 2.15.1",
        "--adapters", "pyjwt", "--algs", "HS256", "--ops", "sign", "--key-modes", "prepared",
        "--rounds", "2", "--env-dir", str(envs), "--results-dir", str(results_dir),
        "--markdown", str(md),
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "building env" in out and "same requirement set, same env" in out
    # two lockstep rounds, each cell's progress from both children
    assert out.count("in lockstep") == 2 and out.count("[   1/1] pyjwt-HS256-sign") == 4
    base_file, head_file = sorted((results_dir / machine_id()).glob("*_ab-*.json"))
    assert base_file.name.endswith("_ab-base.json") and head_file.name.endswith("_ab-head.json")
    assert base_file.name[:16] == head_file.name[:16]  # one timestamp for the pair

    [env] = [p for p in envs.iterdir() if p.is_dir()]
    assert (env / envs_env.MARKER).exists()
    for path, side in ((base_file, "base"), (head_file, "head")):
        results = load_results(path)
        meta = results.meta
        assert meta["label"] == f"ab-{side}" and meta["ab"]["side"] == side
        assert meta["ab"]["order"] == ["base1+head1", "base2+head2"]
        assert meta["ab"]["interleaved"] is True and meta["ab"]["rounds"] == 2
        for each in ("base", "head"):
            assert meta["ab"][each]["requirements"] == ["pyjwt==2.15.1"]
            assert "pyjwt==2.15.1" in meta["ab"][each]["freeze"]
            assert meta["ab"][each]["env"] == str(env)
        assert meta["provenance"]["versions"]["pyjwt"] == "2.15.1"
        [row] = results.rows()
        runs = row.extra_info["merged_runs"]
        # 2 lockstep rounds (one pass each), each of lockstep.BURSTS bursts
        assert len(runs) == 2 and sum(runs) == row.rounds
        [(pair1, sizes1), (pair2, sizes2)] = row.extra_info["lockstep"]
        assert pair1 != pair2 and len(sizes1) == len(sizes2) == lockstep.BURSTS
        assert meta["lockstep"]["side"] == side

    # The same code on both sides, in lockstep: paired bursts ran at the same
    # machine speed, so no cell may be flagged (measured false alarms: none).
    text = md.read_text(encoding="utf-8")
    assert code == 0, text
    assert "| cell | base | head | ratio |" in text and "pyjwt HS256 sign prepared small" in text
    assert "runs per cell: base 2, head 2; paired test" in text and "| 2/2 |" in text
    assert "runs of the same side disagree" not in text  # drift is what pairing cancels
    # and a second build of the same set reuses the cached env
    again, built = envs_env.ensure_env(["pyjwt==2.15.1"], envs, installer="uv", echo=lambda _: None)
    assert again.path == env and not built


# -- an installed copy (not a checkout) ------------------------------------------------

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jwtbench installed non-editable into a plain folder, as ``pip install --target``."""
    if shutil.which("uv") is None:
        pytest.skip("uv is not on PATH (this venv has no pip)")
    # from a copy of the sources: a setuptools build leaves build/ in the tree it builds
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in ("bench", "adapters"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path_factory.mktemp("target")
    subprocess.run(
        ["uv", "pip", "install", "--quiet", "--python", sys.executable, "--no-deps",
         "--target", str(target), str(source)],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return target


def _python_in(target: Path, code: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environ, cwd=target.parent, timeout=120)  # fmt: skip


def test_an_installed_copy_is_the_jwtbench_package_with_its_data(installed: Path) -> None:
    tops = {p.name for p in installed.iterdir()}
    assert "bench" not in tops and "adapters" not in tops  # no generic top-level names
    assert "jwtbench" in tops
    assert list((installed / "jwtbench" / "adapters" / "data" / "keys").glob("*.pem"))
    out = _python_in(installed, "import jwtbench; print(jwtbench.__file__)")
    assert out.stdout.strip() == str(installed / "jwtbench" / "__init__.py")


def test_ab_from_an_installed_copy_installs_the_source_it_was_built_from(installed: Path) -> None:
    code = "from jwtbench.envs.env import harness; h = harness(); print(h.install[0], h.refresh)"
    out = _python_in(installed, code)
    assert out.returncode == 0, out.stderr
    where, refresh = out.stdout.split()
    assert (Path(where) / "bench").is_dir() and Path(where) != REPO  # the copy it came from
    assert refresh == "True"  # not editable: uv must rebuild it each time


def test_ab_from_a_copy_with_no_known_source_says_what_it_needs(
    installed: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(installed, copy)
    [direct] = copy.glob("jwtbench-*.dist-info/direct_url.json")
    direct.unlink()
    envs = tmp_path / "envs"
    code = (
        "import sys; from jwtbench.cli.main import main; sys.exit(main(['ab', '--base', "
        f"'pyjwt', '--head', 'pyjwt', '--algs', 'HS256', '--env-dir', {str(envs)!r}]))"
    )
    out = _python_in(copy, code)
    assert out.returncode == 2 and out.stdout == ""
    [line] = out.stderr.splitlines()
    assert line.startswith("jwtbench: error: ab installs jwtbench into each env")
    assert "--harness" in line and not envs.exists()


def test_harness_option_names_the_source_explicitly(tmp_path: Path) -> None:
    checkout = envs_env.harness(str(REPO))
    assert checkout.install == (str(REPO),) and checkout.refresh
    wheel = envs_env.harness("dist/jwtbench-0.1.0-py3-none-any.whl")
    assert wheel.install == ("dist/jwtbench-0.1.0-py3-none-any.whl",) and not wheel.refresh
