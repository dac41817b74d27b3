"""``--shard K/N``: a deterministic slice of the matrix that keeps every group whole.

A group is the cells that differ only by adapter (they are timed together and
their ratios are paired), so a shard holds all of a group's members or none.
Groups are dealt round-robin in the order of a hash of their parameters: the
slice depends only on the non-adapter dimensions of the matrix, never on which
adapters a process was asked for, so a lockstep child running one adapter
(``--adapters X --shard K/N``) picks exactly its share of the parent's groups,
and the N shards cover the matrix once, each holding about 1/N of the groups.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from jwtbench.model.errors import UsageError


class _HasParams(Protocol):
    @property
    def params(self) -> dict[str, str]: ...


def group_of(params: Mapping[str, Any]) -> str:
    """A cell's group: its parameters without the adapter, as canonical JSON."""
    return json.dumps({k: str(v) for k, v in params.items() if k != "adapter"}, sort_keys=True)


def _rank(group: str) -> str:
    return hashlib.sha256(group.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str, option: str = "--shard") -> Shard:
        """``"2/4"`` -> ``Shard(2, 4)``; a ``UsageError`` names what is wrong."""
        k, sep, n = text.strip().partition("/")
        try:
            index, count = int(k), int(n)
        except ValueError:
            raise UsageError(f"{option} wants K/N (e.g. 1/4), got {text!r}") from None
        if not sep or count < 1 or not 1 <= index <= count:
            raise UsageError(f"{option} {text}: K must be between 1 and N (N >= 1)")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def groups(self, cells: Sequence[_HasParams]) -> set[str]:
        """The groups of ``cells`` this shard holds."""
        ranked = sorted(dict.fromkeys(group_of(c.params) for c in cells), key=_rank)
        return {g for i, g in enumerate(ranked) if i % self.count == self.index - 1}

    def slice(self, cells: Sequence[Any]) -> list[Any]:
        """The cells of this shard, in their order; each group whole."""
        mine = self.groups(cells)
        return [c for c in cells if group_of(c.params) in mine]
