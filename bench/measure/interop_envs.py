"""The producer x consumer grid across environments (``jwtbench run --isolate``).

Each member signs one token per JWS algorithm, and encrypts one per JWE
(alg, enc) pair it supports, of the run in its own interpreter
(``isolate_child produce``); every member opens every token of an algorithm
(pair) it supports in its own (``isolate_child consume``). Keys are the fixed
files each env's jwtbench ships, so only strings are exchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from jwtbench.measure import isolate_child
from jwtbench.model.cell import Cell
from jwtbench.model.records import AdapterInfo

#: What the cross-env grid covers, recorded in the results.
INTEROP_COVERS = "JWS and JWE crossed between environments (tokens as strings)"


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
    """Every token made by one member opened by every member, each in its own env."""
    algs = list(dict.fromkeys(c.alg for c in cells if c.family == "jws"))
    pairs = list(dict.fromkeys(f"{c.alg}/{c.enc}" for c in cells if c.enc is not None))
    able = [p for p in placed if p.info.available and p.info.details.get("makes_tokens", True)]
    declared = {p.column: set(p.info.details.get("jws_algs", [])) for p in able}
    tokens: list[dict[str, Any]] = []
    for p in able:
        specs = [a for a in algs if a in declared[p.column]] + pairs
        if specs:
            made = _child_json(p, ["produce", p.adapter, ",".join(specs)])
            tokens += [{**t, "producer": p.column} for t in made]
    plan = folder / "tokens.json"
    grid: list[dict[str, Any]] = []
    for p in able:
        opens = [t for t in tokens if t.get("enc") or t["alg"] in declared[p.column]]
        if not opens:
            continue
        plan.write_text(json.dumps(opens), encoding="utf-8")
        verdicts = _child_json(p, ["consume", p.adapter, str(plan)])
        for token, verdict in zip(opens, verdicts, strict=True):
            if verdict.get("skip"):
                continue
            entry = {"family": token.get("family", "jws"), "alg": token["alg"]}
            if token.get("enc"):
                entry["enc"] = token["enc"]
            grid.append({**entry, "producer": token["producer"], "consumer": p.column, **verdict})
    order = algs + [p.split("/")[0] for p in pairs]
    grid.sort(
        key=lambda g: (
            g["family"],
            order.index(g["alg"]),
            g.get("enc", ""),
            g["producer"],
            g["consumer"],
        )
    )
    return grid


def _child_json(member: Member, args: Sequence[str]) -> Any:
    """Asked in the member's env; a member of this env in-process (the same functions)."""
    python = member.python if member.isolated else None
    return isolate_child.ask(python, member.environ(), *args)
