"""``jwtbench conformance`` end to end on a small selection, its file, report and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jwtbench.cli.main import main
from jwtbench.measure.conformance import catalogue
from jwtbench.measure.conformance.results import ConformanceError, load
from jwtbench.measure.conformance.run import run_conformance
from jwtbench.measure.conformance.sandbox import Limits
from jwtbench.measure.conformance.vectors import select as examples
from jwtbench.present.md_conformance import render


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--adapters", "nope"], "unknown adapter nope"),
        (["--cases", "alg-nothing"], "unknown case alg-nothing"),
        (["--timeout", "0"], "must be positive"),
    ],
)
def test_bad_names_are_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["conformance", *argv, "--output", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "c.json").exists()


def test_small_matrix_writes_json_report_and_heatmaps(tmp_path: Path) -> None:
    out = tmp_path / "conf.json"
    code = main(
        [
            "conformance",
            "--adapters",
            "pyjwt",
            "jwskate",
            "--cases",
            "alg-none/none",
            "expired",
            "header-alg-mismatch",
            "--output",
            str(out),
            "--no-examples",
        ]
    )
    assert code == 0
    run = load(out)
    outcome = {(r.library, r.call, r.name): r.outcome for r in run.cases}
    assert outcome["pyjwt", "default", "alg-none/none"] == "safe"
    assert outcome["pyjwt", "hardened", "expired"] == "safe"
    assert outcome["jwskate", "default", "expired"] == "unsafe"  # verify_signature checks no exp
    assert outcome["jwskate", "validate", "expired"] == "safe"
    assert outcome["jwskate", "default", "header-alg-mismatch"] == "unsafe"
    assert ("pyjwt", "validate", "expired") not in outcome  # PyJWT has no separate validate
    for result in run.cases:
        assert result.library_version and (result.outcome == "n/a" or result.seconds is not None)
    report = out.with_suffix(".md").read_text()
    assert "## Safe by default?" in report and "jwt.decode(token, key, algorithms=algs)" in report
    assert (tmp_path / "conf-default.png").stat().st_size > 0
    raw = json.loads(out.read_text())["conformance"]
    assert raw["schema_version"] == 1 and raw["libraries"]["jwskate"]["decode_calls"]


def test_interrupt_keeps_what_ran() -> None:
    calls = []

    def progress(line: str) -> None:
        calls.append(line)
        if len(calls) == 3:  # crafting line, then two results
            raise KeyboardInterrupt

    run = run_conformance(
        ["pyjwt"], catalogue.select(["alg-none"]), [], progress=progress, limits=Limits(timeout=5)
    )
    assert run.interrupted and len(run.cases) == 2


def test_published_grid_and_unavailable_library(tmp_path: Path) -> None:
    run = run_conformance(
        ["floor", "jwt"], [], examples(["rfc7515-a.1", "rfc7520-5.3"]), progress=lambda line: None
    )
    got = {(e.library, e.example): e.outcome for e in run.examples}
    assert got == {("floor", "rfc7515-a.1"): "verified", ("floor", "rfc7520-5.3"): "n/a"}
    assert "unavailable" in run.libraries["jwt"]
    text = render(run)
    assert "| RFC 7515 A.1 | HS256 | verified |" in text
    assert "jwt: unavailable" in text


def test_loader_refuses_other_versions(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"conformance": {"schema_version": 99}}))
    with pytest.raises(ConformanceError, match="schema_version 99"):
        load(path)
    path.write_text("{}")
    with pytest.raises(ConformanceError, match="no 'conformance' object"):
        load(path)


def test_a_library_whose_module_pyjwt_owns_gets_its_own_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PyPI jwt cannot load beside PyJWT: conformance runs it in its own env, the rest here."""
    from types import SimpleNamespace

    from jwtbench.cli import conformance as verb
    from jwtbench.measure import isolate

    asked: list[str] = []

    def fake_env(member: object, *args: object) -> tuple[object, dict[str, object]]:
        asked.append(member.adapter)  # type: ignore[attr-defined]
        return SimpleNamespace(python="/envs/jwt/bin/python"), {"seconds": 0.0}

    monkeypatch.setattr(isolate, "build_env", fake_env)
    found = verb.own_envs(["floor", "pyjwt", "jwt", "jwcrypto", "ryjwt"], lambda line: None)
    assert asked == ["jwt"] and found == {"jwt": "/envs/jwt/bin/python"}


def test_python_jose_native_runs_its_shortest_call_on_the_native_backend() -> None:
    """Its sandbox hides python-jose's cryptography backend: the default call picks native."""
    run = run_conformance(
        ["python-jose-native"], catalogue.select(["alg-none"]), [], progress=lambda line: None
    )
    info = run.libraries["python-jose-native"]
    assert info["backend"] == "native" and "default" in info["decode_calls"]
    assert {c.outcome for c in run.cases if c.call == "default"} == {"safe"}
