"""JWS sign and verify (with exp/aud/iss checks), per adapter x alg x key mode x payload.

The cells come from ``jwtbench.measure.matrix`` through the plugin; unsupported
ones are skipped with their declared reason. ``prepare`` runs the correctness gate
before anything is timed, and the timed call's own result is checked after.
"""

from __future__ import annotations

from typing import Any

from jwtbench.measure.gate import prepare
from jwtbench.measure.timers import time_work
from jwtbench.model.cell import Cell


def test_jws(benchmark: Any, adapter: str, alg: str, op: str, key_mode: str, payload: str) -> None:
    cell = Cell(adapter, alg, op, key_mode, payload)
    work = prepare(cell)
    benchmark.extra_info.update(work.extra_info)
    result = time_work(benchmark, work.func, work.args, cell.id)
    work.check(result)
