"""Producer x consumer grids: does a token made by one library open in another?

Run once per results file, outside any timing, for the algorithms the run
covered: every available adapter makes one token per (alg[, enc]) it declares,
and every adapter that declares the same pair tries to verify or decrypt it.
The grid is stored in the results (``jwtbench.interop``) so the report can show
it without re-running a library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jwtbench.adapters import ADAPTERS
from jwtbench.adapters.base import Adapter, Expect
from jwtbench.adapters.keys import jwe_key, jws_key, load_claims
from jwtbench.measure.matrix import adapter_or_reason
from jwtbench.model.cell import Cell

EXPECT = Expect()


def _available() -> list[Adapter]:
    """Available adapters that make tokens (a bare-primitive reference has none)."""
    return [
        a for a in map(adapter_or_reason, ADAPTERS) if isinstance(a, Adapter) and a.makes_tokens
    ]


def _failure(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _jws_cell(alg: str, producer: Adapter, consumers: Sequence[Adapter]) -> list[dict[str, Any]]:
    claims, material = load_claims("small"), jws_key(alg)
    entries: list[dict[str, Any]] = [
        {"family": "jws", "alg": alg, "producer": producer.name, "consumer": c.name}
        for c in consumers
    ]
    try:
        token = producer.sign(claims, producer.prepare_key(alg, material, "sign"), alg)
    except Exception as exc:
        return [{**e, "ok": False, "error": f"producer failed: {_failure(exc)}"} for e in entries]
    for entry, consumer in zip(entries, consumers, strict=True):
        try:
            key = consumer.prepare_key(alg, material, "verify")
            same = consumer.verify(token, key, alg, EXPECT) == claims
            entry |= {"ok": same, "error": "" if same else "different claims"}
        except Exception as exc:
            entry |= {"ok": False, "error": _failure(exc)}
    return entries


def _jwe_cell(
    alg: str, enc: str, producer: Adapter, consumers: Sequence[Adapter], keys: dict[Any, Any]
) -> list[dict[str, Any]]:
    claims, material = load_claims("small"), jwe_key(alg, enc)

    def key(adapter: Adapter, use: str) -> Any:
        # RSA private keys take ~60 ms to load: one per (adapter, key, use)
        cache_key = (adapter.name, material.name, use)
        if cache_key not in keys:
            keys[cache_key] = adapter.prepare_key(alg, material, use)  # type: ignore[arg-type]
        return keys[cache_key]

    base = {"family": "jwe", "alg": alg, "enc": enc, "producer": producer.name}
    entries: list[dict[str, Any]] = [{**base, "consumer": c.name} for c in consumers]
    try:
        token = producer.encrypt(claims, key(producer, "encrypt"), alg, enc)
    except Exception as exc:
        return [{**e, "ok": False, "error": f"producer failed: {_failure(exc)}"} for e in entries]
    for entry, consumer in zip(entries, consumers, strict=True):
        try:
            same = consumer.decrypt(token, key(consumer, "decrypt"), alg, enc, EXPECT) == claims
            entry |= {"ok": same, "error": "" if same else "different claims"}
        except Exception as exc:
            entry |= {"ok": False, "error": _failure(exc)}
    return entries


def jws_grid(algs: Sequence[str]) -> list[dict[str, Any]]:
    """One entry per (alg, producer, consumer) among adapters declaring ``alg``."""
    grid: list[dict[str, Any]] = []
    for alg in algs:
        able = [a for a in _available() if alg in a.jws_algs]
        for producer in able:
            grid += _jws_cell(alg, producer, able)
    return grid


def jwe_grid(pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """One entry per (alg, enc, producer, consumer) among adapters declaring the pair."""
    grid: list[dict[str, Any]] = []
    keys: dict[Any, Any] = {}
    for alg, enc in pairs:
        able = [a for a in _available() if a.supports_jwe(alg, enc)]
        for producer in able:
            grid += _jwe_cell(alg, enc, producer, able, keys)
    return grid


def grids_for(cells: Sequence[Cell]) -> list[dict[str, Any]]:
    """The JWS and JWE grids for the algorithms (and pairs) present in ``cells``."""
    algs = list(dict.fromkeys(c.alg for c in cells if c.family == "jws"))
    pairs = list(dict.fromkeys((c.alg, c.enc) for c in cells if c.enc is not None))
    return jws_grid(algs) + jwe_grid([(a, e) for a, e in pairs if e is not None])
