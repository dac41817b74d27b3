"""Turn a cell into timed work, behind the correctness gate.

``prepare(cell)`` does everything outside the timed region: loads keys, makes
or fetches the token, and runs the gate -- the token verifies with an
independent implementation (the floor, or another library for the floor's own
cells), its header names the requested alg, and a token with one flipped
signature byte is rejected. Only then does it return the callable to time,
plus a ``check`` for the timed call's own result (pyperformance style: a
benchmark can never time broken work). A failure raises ``GateFailure`` and
the cell is reported ``invalid`` with that reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters import ADAPTERS, Expect
from adapters.base import Adapter
from adapters.floor import b64url, b64url_decode
from adapters.keys import jws_key, load_claims
from bench.matrix import Cell, adapter_or_reason, skip_reason

EXPECT = Expect()


class GateFailure(Exception):
    """The cell's work is not correct; it must not be timed."""


@dataclass
class Work:
    """What the benchmark times, and how to check what it returned."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    check: Callable[[Any], None]
    extra_info: dict[str, Any] = field(default_factory=dict)


def runnable(name: str) -> Adapter:
    """The adapter instance for a cell that ``skip_reason`` let through."""
    adapter = adapter_or_reason(name)
    if isinstance(adapter, str):
        raise RuntimeError(f"adapter {name} is unavailable: {adapter}")
    return adapter


def reference_for(cell: Cell, exclude: str) -> Adapter:
    """An independent implementation of ``cell.alg``: the floor, else another library."""
    for name in ADAPTERS:
        if name == exclude:
            continue
        candidate = adapter_or_reason(name)
        if isinstance(candidate, Adapter) and cell.alg in candidate.jws_algs:
            return candidate
    raise GateFailure(f"no independent implementation of {cell.alg} to check against")


def flip_signature_byte(token: str) -> str:
    """The same token with one bit of the signature's first byte flipped."""
    head, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[0] ^= 0x01
    return f"{head}.{payload}.{b64url(bytes(raw))}"


def header_of(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64url_decode(token.split(".", 1)[0]))
    return header


def _must_reject(verifier: Adapter, token: str, key: Any, alg: str, what: str) -> None:
    try:
        verifier.verify(token, key, alg, EXPECT)
    except Exception:
        return
    raise GateFailure(f"{verifier.name} accepted {what}")


def check_jws(
    token: str, claims: dict[str, Any], alg: str, verifier: Adapter, key: Any
) -> None:
    """The gate for one compact JWS: header alg, verification, tamper rejection."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise GateFailure(f"not a compact JWS: {token!r:.80}")
    header_alg = header_of(token).get("alg")
    if header_alg != alg:
        raise GateFailure(f"header alg is {header_alg!r}, requested {alg!r}")
    try:
        got = verifier.verify(token, key, alg, EXPECT)
    except Exception as exc:
        raise GateFailure(f"{verifier.name} rejected the token: {exc!r}") from exc
    if got != claims:
        raise GateFailure(f"{verifier.name} decoded different claims")
    _must_reject(verifier, flip_signature_byte(token), key, alg, "a tampered signature")


def prepare(cell: Cell) -> Work:
    """The timed work for ``cell``, after the gate passed."""
    skipped = skip_reason(cell)
    if skipped is not None:
        raise RuntimeError(f"cell {cell.id} cannot run: {skipped[1]}")
    if cell.family != "jws":
        raise NotImplementedError(f"{cell.family} cells are not implemented")
    adapter = runnable(cell.adapter)
    material = jws_key(cell.alg)
    claims = load_claims(cell.payload)
    reference = reference_for(cell, exclude=cell.adapter)
    extra: dict[str, Any] = {
        "library": adapter.library,
        "library_version": adapter.version,
        "backend": adapter.backend,
        "checked_by": f"{reference.name} {reference.version}",
    }
    if cell.op == "sign":
        key = adapter.key_for(cell.alg, material, "sign", cell.key_mode)  # type: ignore[arg-type]
        ref_key = reference.prepare_key(cell.alg, material, "verify")
        token = adapter.sign(claims, key, cell.alg)
        check_jws(token, claims, cell.alg, reference, ref_key)
        extra["token_bytes"] = len(token)
        return Work(
            func=adapter.sign,
            args=(claims, key, cell.alg),
            check=lambda out: check_jws(out, claims, cell.alg, reference, ref_key),
            extra_info=extra,
        )
    if cell.op == "verify":
        key = adapter.key_for(cell.alg, material, "verify", cell.key_mode)  # type: ignore[arg-type]
        token = reference.sign(claims, reference.prepare_key(cell.alg, material, "sign"), cell.alg)
        extra["checked_by"] = f"token made by {extra['checked_by']}"
        check_jws(token, claims, cell.alg, adapter, key)
        extra["token_bytes"] = len(token)

        def check(out: Any) -> None:
            if out != claims:
                raise GateFailure(f"{adapter.name} returned different claims when timed")

        return Work(
            func=adapter.verify, args=(token, key, cell.alg, EXPECT), check=check, extra_info=extra
        )
    raise NotImplementedError(f"unknown JWS op {cell.op!r}")
