"""Nested JWT (sign, then encrypt with ``cty: JWT``) and its reverse, per adapter.

``alg``/``enc`` are the outer JWE's, ``sig_alg`` the inner signature's. The
token a cell times was made or checked by a different implementation first.
"""

from __future__ import annotations

from typing import Any

from bench.cells import prepare
from bench.matrix import Cell


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
    work = prepare(Cell(adapter, alg, op, key_mode, payload, enc=enc, sig_alg=sig_alg))
    benchmark.extra_info.update(work.extra_info)
    result = benchmark(work.func, *work.args)
    work.check(result)
