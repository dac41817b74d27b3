"""Nested JWT (sign, then encrypt with ``cty: JWT``) and its reverse, per adapter.

``alg``/``enc`` are the outer JWE's, ``sig_alg`` the inner signature's. The
token a cell times was made or checked by a different implementation first.
"""

from __future__ import annotations

from typing import Any

from jwtbench.measure.gate import prepare
from jwtbench.measure.timers import time_work
from jwtbench.model.cell import Cell


def test_nested(
    benchmark: Any,
    adapter: str,
    alg: str,
    enc: str,
    sig_alg: str,
    op: str,
    key_mode: str,
    payload: str,
) -> None:
    cell = Cell(adapter, alg, op, key_mode, payload, enc=enc, sig_alg=sig_alg)
    work = prepare(cell)
    benchmark.extra_info.update(work.extra_info)
    result = time_work(benchmark, work.func, work.args, cell.id)
    work.check(result)
