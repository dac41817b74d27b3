"""The pytest plugin that parametrizes benchmark suites from the matrix.

Loaded by the repository's ``conftest.py`` (plain ``pytest``) and by
``jwtbench run`` (``-p bench.plugin``). The selection options default to the
quick profile, so ``pytest`` runs every quick cell once as a test.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench.matrix import PROFILES, Cell, build_jws_matrix, skip_reason

JWS_ARGS = ("adapter", "alg", "op", "key_mode", "payload")


def _csv(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jwtbench", "jwtbench matrix selection")
    group.addoption("--jwtbench-profile", default="quick", choices=sorted(PROFILES))
    for name in ("adapters", "algs", "ops", "key-modes", "payloads"):
        group.addoption(f"--jwtbench-{name}", default=None, help=f"comma-separated {name}")


def selection(config: pytest.Config) -> dict[str, Any]:
    """The matrix selection given on the command line."""
    return {
        "adapters": _csv(config.getoption("--jwtbench-adapters")),
        "algs": _csv(config.getoption("--jwtbench-algs")),
        "ops": _csv(config.getoption("--jwtbench-ops")),
        "key_modes": _csv(config.getoption("--jwtbench-key-modes")),
        "payloads": _csv(config.getoption("--jwtbench-payloads")),
    }


def as_param(cell: Cell, argnames: tuple[str, ...]) -> Any:
    """A pytest param for ``cell``; skipped with its reason if it cannot run."""
    values = [cell.params[name] for name in argnames]
    skipped = skip_reason(cell)
    marks = [pytest.mark.skip(reason=f"{skipped[0]}: {skipped[1]}")] if skipped else []
    return pytest.param(*values, id=cell.id, marks=marks)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not set(JWS_ARGS) <= set(metafunc.fixturenames) or "enc" in metafunc.fixturenames:
        return
    profile = PROFILES[metafunc.config.getoption("--jwtbench-profile")]
    cells = build_jws_matrix(profile, **selection(metafunc.config))
    metafunc.parametrize(JWS_ARGS, [as_param(cell, JWS_ARGS) for cell in cells])
