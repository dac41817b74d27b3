"""JWE encrypt and decrypt of a claim set, per adapter x alg x enc x key mode x payload.

``decrypt`` includes the exp/aud/iss checks, like JWS ``verify``. The gate in
``prepare`` decrypts every token with an independent implementation and
checks that flipped ciphertext and tag bytes are rejected before timing.
"""

from __future__ import annotations

from typing import Any

from jwtbench.measure.gate import prepare
from jwtbench.measure.timers import time_work
from jwtbench.model.cell import Cell


def test_jwe(
    benchmark: Any, adapter: str, alg: str, enc: str, op: str, key_mode: str, payload: str
) -> None:
    cell = Cell(adapter, alg, op, key_mode, payload, enc=enc)
    work = prepare(cell)
    benchmark.extra_info.update(work.extra_info)
    result = time_work(benchmark, work.func, work.args, cell.id)
    work.check(result)
