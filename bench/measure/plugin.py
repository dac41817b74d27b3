"""The pytest plugin that parametrizes benchmark suites from the matrix.

Loaded by the repository's ``conftest.py`` (plain ``pytest``) and by
``jwtbench run`` (``-p jwtbench.measure.plugin``). The selection options default to the
quick profile, so ``pytest`` runs every quick cell once as a test.
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtbench.measure import timers
from jwtbench.measure.matrix import PROFILES, build_matrix, skip_reason
from jwtbench.model.cell import Cell
from jwtbench.model.errors import UserError
from jwtbench.model.selection import FIELDS, Selection

#: The test arguments of each family's suite: exactly the results ``params``.
FAMILY_ARGS: dict[str, tuple[str, ...]] = {
    "jws": ("adapter", "alg", "op", "key_mode", "payload"),
    "jwe": ("adapter", "alg", "enc", "op", "key_mode", "payload"),
    "nested": ("adapter", "alg", "enc", "sig_alg", "op", "key_mode", "payload"),
}
_MATRIX = pytest.StashKey[list[Cell]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jwtbench", "jwtbench matrix selection")
    group.addoption("--jwtbench-profile", default="quick", choices=sorted(PROFILES))
    for name in FIELDS:
        option = name.replace("_", "-")
        group.addoption(f"--jwtbench-{option}", default=None, help=f"comma-separated {option}")
    group.addoption("--jwtbench-shard", default=None, help="K/N: that slice of the matrix")


def selection(config: pytest.Config) -> Selection:
    """The matrix selection given on the command line (``--jwtbench-algs=HS256,...``)."""
    values = {name: config.getoption(f"--jwtbench-{name.replace('_', '-')}") for name in FIELDS}
    values["shard"] = config.getoption("--jwtbench-shard")
    try:
        return Selection.parse(values, prefix="--jwtbench-")
    except UserError as exc:  # e.g. ``--jwtbench-algs=,``: pytest's own one-line usage error
        raise pytest.UsageError(str(exc)) from None


def as_param(cell: Cell, argnames: tuple[str, ...]) -> Any:
    """A pytest param for ``cell``; skipped with its reason if it cannot run."""
    values = [cell.params[name] for name in argnames]
    skipped = skip_reason(cell)
    marks = [pytest.mark.skip(reason=f"{skipped[0]}: {skipped[1]}")] if skipped else []
    return pytest.param(*values, id=cell.id, marks=marks)


def matrix(config: pytest.Config) -> list[Cell]:
    """The session's matrix, built once from the options."""
    if _MATRIX not in config.stash:
        profile = PROFILES[config.getoption("--jwtbench-profile")]
        config.stash[_MATRIX] = build_matrix(profile, selection(config))
    return config.stash[_MATRIX]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = set(metafunc.fixturenames)
    family = next((fam for fam in ("nested", "jwe", "jws") if set(FAMILY_ARGS[fam]) <= names), None)
    if family is None:
        return
    argnames = FAMILY_ARGS[family]
    cells = [cell for cell in matrix(metafunc.config) if cell.family == family]
    metafunc.parametrize(argnames, [as_param(cell, argnames) for cell in cells])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Tell the run's timer which cells it will time (a lockstep one waits for the baton)."""
    timers.current().collected(
        [
            item.callspec.id
            for item in session.items
            if hasattr(item, "callspec") and item.get_closest_marker("skip") is None
        ]
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tell the run's timer nothing more is timed."""
    timers.current().finished()
