"""``jwtbench run --isolate`` / ``--lib`` and python-jose's backends.

The planning, renaming and failure paths run without building anything; one
real isolated run (floor here, PyPI ``jwt`` in its env) and one bare probe
env check the processes. Both envs live in the default env cache, so only the
first run on a machine builds them (~20 s); later runs reuse them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from jwtbench.adapters import AdapterUnavailable
from jwtbench.adapters import python_jose_native as native
from jwtbench.adapters.keys import jws_key
from jwtbench.cli.main import main
from jwtbench.envs.env import EnvError
from jwtbench.envs.lockstep import drop_side
from jwtbench.envs.probe import probe_python_jose
from jwtbench.measure import isolate, members
from jwtbench.measure.isolate import IsolatedRun
from jwtbench.measure.members import Member, needs_isolation, plan_members
from jwtbench.model.errors import UsageError
from jwtbench.model.results import load_results
from jwtbench.model.selection import Selection

TINY = {"algs": ("HS256",), "ops": ("sign",), "key_modes": ("prepared",)}


def test_measuring_requirements_hold_no_measured_library() -> None:
    reqs = members.measuring_requirements()
    names = {r.split(">")[0].split("=")[0].split("[")[0].split(";")[0] for r in reqs}
    assert {"pytest", "pytest-benchmark", "cryptography", "numpy"} <= names
    assert not names & {"pyjwt", "jwcrypto", "authlib", "python-jose", "joserfc", "oxyjwt"}
    assert members.default_spec("pyjwt").startswith("pyjwt>=")
    assert members.default_spec("jwt") == "jwt"  # not a jwtbench dependency at all


def test_conflicting_adapters_isolate_only_the_one_that_cannot_run_here() -> None:
    chosen = Selection(adapters=("floor", "pyjwt", "jwt"))
    assert needs_isolation(chosen, ()) and not needs_isolation(Selection(("floor", "pyjwt")), ())
    assert not needs_isolation(Selection(("python-jose", "python-jose-native")), ())
    assert plan_members(chosen, (), everything=False) == [
        Member("floor"), Member("pyjwt"), Member("jwt", "jwt")
    ]  # fmt: skip
    every = plan_members(chosen, (), everything=True)
    assert [(m.adapter, m.spec is not None) for m in every] == [
        ("floor", False), ("pyjwt", True), ("jwt", True)
    ]  # fmt: skip


def test_libs_are_columns_named_by_version_beside_the_floor_and_limit() -> None:
    planned = plan_members(Selection(), ("pyjwt==2.8.0", "PyJWT==2.15.1"), everything=False)
    assert [m.column() for m in planned] == ["floor", "limit", "pyjwt@2.8.0", "pyjwt@2.15.1"]
    assert Member("pyjwt", "pyjwt>=2.8", versioned=True).column("2.9.0") == "pyjwt@2.9.0"
    with pytest.raises(UsageError, match="measured twice"):
        plan_members(Selection(), ("pyjwt==2.8.0", "pyjwt==2.8.0"), everything=False)
    with pytest.raises(UsageError, match="no adapter measures"):
        plan_members(Selection(), ("requests==2.0",), everything=False)


def test_a_versioned_side_groups_with_the_cells_its_child_names() -> None:
    assert (
        drop_side("pyjwt@2.8.0", "pyjwt-HS256-sign-prepared-small") == "HS256-sign-prepared-small"
    )
    assert drop_side("floor", "floor-HS256-sign-prepared-small") == "HS256-sign-prepared-small"


def test_isolate_with_passes_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--isolate", "--no-groups", "--algs", "HS256", "--no-report"]) == 2
    assert "--isolate" in capsys.readouterr().err


def test_pyjwt_and_jwt_in_one_file_jwt_from_its_own_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also: a library whose install fails is unavailable with the reason; the run goes on."""
    real = isolate.ensure_env

    def install(requirements: list[str], *args: Any, **kwargs: Any) -> Any:
        if "pyjwt==99.0.0" in requirements:
            raise EnvError("uv pip install failed (exit 1): No solution found for pyjwt==99.0.0")
        return real(requirements, *args, **kwargs)

    monkeypatch.setattr(isolate, "ensure_env", install)
    out = tmp_path / "iso.json"
    chosen = Selection(adapters=("floor", "pyjwt", "jwt"), **TINY)
    ask = IsolatedRun("quick", chosen, ("pyjwt==99.0.0",), everything=False, output=out)
    assert isolate.run_isolated(ask).exit_code == 0
    results = load_results(out)
    record = results.record
    statuses = {c.params["adapter"]: (c.status.value, c.reason) for c in record.cells}
    failed = statuses.pop("pyjwt@99.0.0")
    assert failed[0] == "unavailable" and "No solution found" in failed[1]
    assert record.adapters["pyjwt@99.0.0"].details["env"]["spec"] == "pyjwt==99.0.0"
    assert {a: s for a, (s, _) in statuses.items()} == {"floor": "ok", "pyjwt": "ok", "jwt": "ok"}
    env = record.adapters["jwt"].details["env"]
    assert any(line.startswith("jwt==") for line in env["installed"])
    assert not any(line.lower().startswith("pyjwt==") for line in env["installed"])
    assert f"jwt=={record.adapters['jwt'].details['version']}" in env["installed"]
    [entry] = [b for b in results.raw["benchmarks"] if b["params"]["adapter"] == "jwt"]
    assert entry["extra_info"]["over_floor"]["rounds"] > 0  # paired with the floor across envs
    pairs = {(g["producer"], g["consumer"]): g["ok"] for g in record.interop or ()}
    assert pairs[("jwt", "pyjwt")] and pairs[("pyjwt", "jwt")]  # tokens crossed as data
    assert record.adapters["pyjwt"].details["library"] == "pyjwt"  # here, beside jwt's env
    assert record.groups is not None and record.groups["isolated"]["columns"]["jwt"] == "jwt"


def test_python_jose_pycryptodome_extra_runs_the_native_backend() -> None:
    """The recorded finding is what a bare ``python-jose[pycryptodome]`` env really does."""
    found = probe_python_jose()
    assert found["backend"] == native.PYCRYPTODOME_FINDING["backend"] == "native"
    assert found["pycryptodome_loaded"] is native.PYCRYPTODOME_FINDING["imports_pycryptodome"]
    assert found["modules_importing_pycryptodome"] == []
    assert found["versions"]["pycryptodome"] and found["versions"]["cryptography"] is None


def test_python_jose_native_signs_with_native_classes_or_is_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    adapter = native.PythonJoseNativeAdapter()
    assert adapter.describe()["backend"] == "native"
    assert adapter.describe()["pycryptodome_finding"]["backend"] == "native"
    key = adapter.prepare_key("RS256", jws_key("RS256"), "sign")
    assert type(key).__module__ == "jose.backends.rsa_backend"
    from jose import jwk

    # python-jose's own choice here (cryptography is installed) must be caught
    monkeypatch.setattr(native, "_native_key", lambda key, alg: jwk.construct(key, alg))
    with pytest.raises(AdapterUnavailable, match="would be signed by"):
        native.PythonJoseNativeAdapter()


def test_the_native_adapter_leaves_python_jose_rsa_oaep_alone() -> None:
    """Importing python-jose's rsa_backend drops RSA-OAEP process-wide; the adapter undoes it."""
    from jose.constants import ALGORITHMS

    from jwtbench.measure.matrix import adapter_or_reason

    adapter_or_reason("python-jose-native")
    assert ALGORITHMS.RSA_OAEP in ALGORITHMS.SUPPORTED


def test_the_cross_env_grid_crosses_jwe_too(tmp_path: Path) -> None:
    """Tokens and keys as data: a JWE token made by one member is opened by the others."""
    from dataclasses import dataclass

    from jwtbench.measure.interop_envs import cross_env_grid
    from jwtbench.measure.matrix import adapter_or_reason
    from jwtbench.model.cell import Cell
    from jwtbench.model.records import AdapterInfo

    @dataclass
    class Here:  # a member of this env: asked in-process, through the same functions
        column: str
        info: AdapterInfo
        adapter: str
        python: str = sys.executable
        isolated: bool = False

        def environ(self) -> dict[str, str]:
            return {}

    names = ["floor", "jwcrypto", "josepy"]  # josepy: JWS only, so it opens no JWE token
    placed = []
    for name in names:
        made = adapter_or_reason(name)
        assert not isinstance(made, str)
        placed.append(Here(name, AdapterInfo(name, True, details=made.describe()), name))
    cells = [
        Cell("floor", "HS256", "sign", "prepared", "small"),
        Cell("floor", "A256KW", "encrypt", "prepared", "small", enc="A256GCM"),
    ]
    grid = cross_env_grid(cells, placed, tmp_path)
    jwe = {(g["producer"], g["consumer"]): g for g in grid if g["family"] == "jwe"}
    assert set(jwe) == {(a, b) for a in ("floor", "jwcrypto") for b in ("floor", "jwcrypto")}
    assert all(g["ok"] and g["enc"] == "A256GCM" for g in jwe.values())
    jws = {(g["producer"], g["consumer"]) for g in grid if g["family"] == "jws"}
    assert len(jws) == 9
