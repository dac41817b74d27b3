"""The producer x consumer grid across environments (``jwtbench run --isolate``).

Each member signs one token per JWS algorithm of the run in its own
interpreter (``isolate_child produce``), and every member verifies every token
of an algorithm it declares in its own (``isolate_child consume``). Keys are
the fixed files each env's jwtbench ships, so only strings are exchanged.
JWE is not crossed between envs (:data:`JWE_INTEROP_GAP`, recorded in the run).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from jwtbench.measure import isolate_child
from jwtbench.model.cell import Cell
from jwtbench.model.records import AdapterInfo

#: The gap of the cross-env grid, recorded in the results.
JWE_INTEROP_GAP = "JWE interop is not crossed between environments (JWS only)"


class Member(Protocol):
    """A placed member (``jwtbench.measure.isolate.Member``)."""

    column: str
    info: AdapterInfo

    @property
    def adapter(self) -> str: ...

    @property
    def python(self) -> str: ...

    @property
    def isolated(self) -> bool: ...

    def environ(self) -> dict[str, str]: ...


def cross_env_grid(
    cells: Sequence[Cell], placed: Sequence[Member], folder: Path
) -> list[dict[str, Any]]:
    """Every JWS token made by one member verified by every member, each in its own env."""
    algs = list(dict.fromkeys(c.alg for c in cells if c.family == "jws"))
    able = [p for p in placed if p.info.available and p.info.details.get("makes_tokens", True)]
    declared = {p.column: set(p.info.details.get("jws_algs", [])) for p in able}
    tokens: list[dict[str, Any]] = []
    for p in able:
        signs = [a for a in algs if a in declared[p.column]]
        if signs:
            made = _child_json(p, ["produce", p.adapter, ",".join(signs)])
            tokens += [{**t, "producer": p.column} for t in made]
    plan = folder / "tokens.json"
    plan.write_text(json.dumps(tokens), encoding="utf-8")
    grid: list[dict[str, Any]] = []
    for p in able:
        opens = [t for t in tokens if t["alg"] in declared[p.column]]
        if not opens:
            continue
        plan.write_text(json.dumps(opens), encoding="utf-8")
        verdicts = _child_json(p, ["consume", p.adapter, str(plan)])
        for token, verdict in zip(opens, verdicts, strict=True):
            grid.append(
                {
                    "family": "jws",
                    "alg": token["alg"],
                    "producer": token["producer"],
                    "consumer": p.column,
                    **verdict,
                }
            )
    grid.sort(key=lambda g: (algs.index(g["alg"]), g["producer"], g["consumer"]))
    return grid


def _child_json(member: Member, args: Sequence[str]) -> Any:
    """Asked in the member's env; a member of this env in-process (the same functions)."""
    python = member.python if member.isolated else None
    return isolate_child.ask(python, member.environ(), *args)
