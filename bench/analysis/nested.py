"""Metrics across the JWS and the JWE views: the cost of encrypting a token, and token sizes.

A nested cell (sign-then-encrypt) does the work of its JWS baseline (the same
adapter, signature algorithm, key mode and payload) plus the encryption:
``encryption_cost`` puts the two medians side by side. The two cells belong to
different groups, so they were not timed in the same rounds: their ratio is a
ratio of medians timed at different moments, never paired. Pure computation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from jwtbench.analysis.views import FLOOR, Combo, JweCell, JweView, JwsView, NestedGroup


class Cost(NamedTuple):
    """Median seconds of a JWS op and of the nested op that contains it."""

    base: float
    nested: float

    @property
    def ratio(self) -> float:
        return self.nested / self.base

    @property
    def added(self) -> float:
        return self.nested - self.base


def encryption_cost(jws: JwsView, jwe: JweView, cell: JweCell) -> Cost | None:
    """The nested cell's median next to its JWS baseline's (same adapter, key mode, payload)."""
    base_cell = cell.base
    nested = jwe.row(cell)
    base = jws.row(base_cell) if base_cell else None
    if nested is None or base is None or base.median <= 0:
        return None
    return Cost(base.median, nested.median)


def common_combos(
    jws: JwsView, jwe: JweView, group: NestedGroup, op: str, adapters: Sequence[str]
) -> list[Combo]:
    """The combinations every adapter in ``adapters`` has a cost for."""
    return [
        combo
        for combo in jwe.combos
        if all(encryption_cost(jws, jwe, group.cell(a, combo, op)) for a in adapters)
    ]


def signed_size(jws: JwsView, sig_alg: str, payload: str) -> int | None:
    """The compact JWS size of ``sig_alg`` (the smallest if libraries differ)."""
    per = jws.token_sizes(payload).get(sig_alg, {})
    return min(per.values()) if per else None


def nested_sizes(jwe: JweView, group: NestedGroup, combo: Combo) -> list[int]:
    return jwe.sizes(group.cell(FLOOR, combo, "sign_encrypt"))


def encrypt_sizes(jwe: JweView, alg: str, enc: str, payload: str) -> list[int]:
    """Token bytes of the plain JWE of ``payload`` (in any key mode: it does not change them)."""
    sizes: set[int] = set()
    for key_mode in jwe.key_modes:
        sizes.update(jwe.sizes(JweCell(FLOOR, alg, enc, "", "encrypt", key_mode, payload)))
    return sorted(sizes)
