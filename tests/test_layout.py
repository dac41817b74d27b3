"""The one-way layout: imports point from adapters towards the CLI, never back.

Each module belongs to a room; a module may import from its own room and from
rooms to its left in ``ROOMS``. The test walks every module's imports with
``ast`` (lazy imports inside functions included) and fails on an import that
points the wrong way or on an import cycle between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent

#: Rooms in the direction data flows; a room may import only from rooms before it.
ROOMS: tuple[str, ...] = (
    "jwtbench.adapters",
    "jwtbench.model",
    "jwtbench.envs",
    "jwtbench.measure",
    "jwtbench.benchmarks",
    "jwtbench.analysis",
    "jwtbench.present",
    "jwtbench.cli",
)


def module_name(path: Path) -> str:
    """``bench/measure/runner.py`` -> ``jwtbench.measure.runner`` (the installed name)."""
    top, *rest = path.relative_to(ROOT).with_suffix("").parts
    parts = ["jwtbench", *rest] if top == "bench" else ["jwtbench", "adapters", *rest]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    files = [*ROOT.joinpath("bench").rglob("*.py"), *ROOT.joinpath("adapters").rglob("*.py")]
    return {module_name(p): p for p in files if "__pycache__" not in p.parts}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules ``name`` imports (absolute or relative, anywhere in the file)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import submodule`` imports the submodule, not pkg's own names
            subs = [f"{base}.{alias.name}" for alias in node.names]
            targets = [s for s in subs if s in known]
            if len(targets) < len(subs):
                targets.append(base)
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def room_of(name: str) -> int | None:
    """Index of the room holding ``name``; None for the top package ``jwtbench``."""
    for index, room in sorted(enumerate(ROOMS), key=lambda item: -len(item[1])):
        if name == room or name.startswith(room + "."):
            return index
    return None


GRAPH = {
    name: imports_of(name, path, set(project_modules())) for name, path in project_modules().items()
}


def test_every_module_lives_in_a_room() -> None:
    homeless = [name for name in GRAPH if name != "jwtbench" and room_of(name) is None]
    assert homeless == []


def test_imports_point_one_way() -> None:
    wrong = []
    for name, targets in sorted(GRAPH.items()):
        here = room_of(name)
        for target in sorted(targets):
            there = room_of(target)
            if target == "jwtbench" or here is None:
                continue
            assert there is not None
            if there > here:
                wrong.append(f"{name} imports {target} ({ROOMS[here]} -> {ROOMS[there]})")
    assert wrong == []


def test_no_import_cycles() -> None:
    cycles = []
    for start in GRAPH:
        stack, seen = [(start, (start,))], set()
        while stack:
            node, path = stack.pop()
            for nxt in GRAPH[node]:
                if nxt == start:
                    cycles.append(" -> ".join((*path, start)))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, (*path, nxt)))
    assert sorted(set(cycles))[:5] == []


def test_packaging_lists_every_package() -> None:
    """``pyproject.toml`` names every folder that holds an ``__init__.py``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = set(config["tool"]["setuptools"]["packages"])
    on_disk = {name for name, path in project_modules().items() if path.name == "__init__.py"}
    assert declared == on_disk


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_modules_stay_small(name: str) -> None:
    """No module over 600 lines: a larger one is a room that wants splitting."""
    lines = len(project_modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= 600, f"{name} has {lines} lines"
