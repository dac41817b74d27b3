"""The user's selection of the matrix: six lists of names, one record everywhere.

The CLI builds it from ``--adapters/--algs/--encs/--ops/--key-modes/--payloads``,
the pytest plugin from ``--jwtbench-*`` options, ``ab`` and ``history`` pass it
on; ``jwtbench.measure.matrix.build_matrix`` checks the names. ``None`` in a
field means "everything the profile has"; an empty selection given explicitly
(``--algs ,``) is refused, never read as "everything".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jwtbench.model.errors import UsageError
from jwtbench.model.shard import Shard

#: The selection's fields, in the order options are shown.
FIELDS: tuple[str, ...] = ("adapters", "algs", "encs", "ops", "key_modes", "payloads")


def split_names(value: str | None, option: str = "a selection") -> tuple[str, ...] | None:
    """``"HS256, RS256"`` or ``"HS256 RS256"`` -> ``("HS256", "RS256")``; ``None`` -> None.

    A value that names nothing (``""``, ``","``) is a ``UsageError``: silently
    running the whole matrix for it would be a surprise.
    """
    if value is None:
        return None
    names = tuple(part.strip() for part in value.replace(" ", ",").split(",") if part.strip())
    if not names:
        raise UsageError(f"{option} names nothing ({value!r}); leave it out to select all")
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Selection:
    """Which part of the matrix to run; ``None`` = all of that dimension."""

    adapters: tuple[str, ...] | None = None
    algs: tuple[str, ...] | None = None
    encs: tuple[str, ...] | None = None
    ops: tuple[str, ...] | None = None
    key_modes: tuple[str, ...] | None = None
    payloads: tuple[str, ...] | None = None
    #: ``--shard K/N``: only this slice of the matrix (``jwtbench.model.shard``).
    shard: Shard | None = None

    @classmethod
    def parse(cls, values: Mapping[str, str | None], prefix: str = "--") -> Selection:
        """From comma-separated strings keyed by field name (missing keys: all)."""
        shard = values.get("shard")
        return cls(
            **{
                name: split_names(values.get(name), f"{prefix}{name.replace('_', '-')}")
                for name in FIELDS
            },
            shard=Shard.parse(shard, f"{prefix}shard") if shard else None,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Selection:
        """From a results file's ``jwtbench.selection`` (lists or null)."""
        data = data or {}
        shard = Shard.parse(str(data["shard"])) if data.get("shard") else None
        return cls(**{n: tuple(data[n]) if data.get(n) else None for n in FIELDS}, shard=shard)

    def to_json(self) -> dict[str, Any]:
        """Lists per field (null: all), plus ``"shard": "K/N"`` when sharded."""
        out: dict[str, Any] = {name: list(v) if v else None for name, v in self.items()}
        return out | ({"shard": str(self.shard)} if self.shard else {})

    def items(self) -> Iterator[tuple[str, tuple[str, ...] | None]]:
        for name in FIELDS:
            yield name, getattr(self, name)

    def given(self) -> dict[str, tuple[str, ...]]:
        """Only the dimensions that were narrowed."""
        return {name: v for name, v in self.items() if v}

    def as_options(self, prefix: str = "--") -> list[str]:
        """Back to command-line options (``--algs=HS256,RS256``), for child processes."""
        out = [f"{prefix}{n.replace('_', '-')}={','.join(v)}" for n, v in self.given().items()]
        return out + ([f"{prefix}shard={self.shard}"] if self.shard else [])

    def replace(self, **changes: Sequence[str] | None) -> Selection:
        fixed: dict[str, Any] = {k: tuple(v) if v else None for k, v in changes.items()}
        return dataclasses.replace(self, **fixed)
