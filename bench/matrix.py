"""The one place that builds the benchmark matrix.

A cell is (adapter, alg[, enc][, sig_alg], op, key_mode, payload). The matrix
holds *every* requested cell, supported or not: an unsupported or unavailable
cell stays in the matrix with its reason, so it is reported as such and never
silently dropped or replaced by another algorithm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from adapters import ADAPTERS, AdapterUnavailable, load_adapter
from adapters.base import JWS_ALGS, Adapter
from adapters.keys import PAYLOADS

JWS_OPS: tuple[str, ...] = ("sign", "verify")
KEY_MODES: tuple[str, ...] = ("prepared", "raw")

Status = Literal["ok", "unsupported", "unavailable", "invalid", "error"]


@dataclass(frozen=True, order=True)
class Cell:
    """One measured unit of work. Field names are the results schema's ``params``."""

    adapter: str
    alg: str
    op: str
    key_mode: str
    payload: str
    enc: str | None = None
    sig_alg: str | None = None

    @property
    def family(self) -> str:
        """``jws``, ``jwe`` or ``nested`` (sign-then-encrypt)."""
        if self.sig_alg is not None:
            return "nested"
        return "jwe" if self.enc is not None else "jws"

    @property
    def params(self) -> dict[str, str]:
        """The cell as pytest parameters / results ``params`` (no empty fields)."""
        out = {"adapter": self.adapter, "alg": self.alg}
        if self.enc is not None:
            out["enc"] = self.enc
        if self.sig_alg is not None:
            out["sig_alg"] = self.sig_alg
        out |= {"op": self.op, "key_mode": self.key_mode, "payload": self.payload}
        return out

    @property
    def id(self) -> str:
        return "-".join(self.params.values())

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Cell:
        return cls(
            adapter=params["adapter"],
            alg=params["alg"],
            op=params["op"],
            key_mode=params["key_mode"],
            payload=params["payload"],
            enc=params.get("enc"),
            sig_alg=params.get("sig_alg"),
        )


@dataclass(frozen=True)
class Profile:
    """How much of the matrix to run and how long to time each cell.

    The timing fields are pytest-benchmark options. ``min_time`` sets the
    length of one round (iterations are batched up to it), which keeps the
    number of stored raw rounds bounded for fast operations.
    """

    name: str
    payloads: tuple[str, ...]
    key_modes: tuple[str, ...]
    min_rounds: int
    max_time: float
    min_time: float
    warmup: bool
    description: str = field(default="", compare=False)

    def pytest_options(self) -> list[str]:
        return [
            f"--benchmark-min-rounds={self.min_rounds}",
            f"--benchmark-max-time={self.max_time}",
            f"--benchmark-min-time={self.min_time}",
            f"--benchmark-warmup={'on' if self.warmup else 'off'}",
        ]


PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick",
        payloads=("small",),
        key_modes=KEY_MODES,
        min_rounds=5,
        max_time=0.06,
        min_time=0.0002,
        warmup=False,
        description="every adapter and algorithm, small payload, short timing (~1-2 min)",
    ),
    "full": Profile(
        name="full",
        payloads=PAYLOADS,
        key_modes=KEY_MODES,
        min_rounds=15,
        max_time=0.5,
        min_time=0.0005,
        warmup=True,
        description="every payload, longer timing and warm-up",
    ),
}


class MatrixError(ValueError):
    """A requested name (adapter, alg, op...) is not known."""


@cache
def adapter_or_reason(name: str) -> Adapter | str:
    """The adapter instance, or the reason it is unavailable (cached per process)."""
    try:
        return load_adapter(name)
    except AdapterUnavailable as exc:
        return str(exc)


def _pick(kind: str, wanted: Sequence[str] | None, known: Sequence[str]) -> tuple[str, ...]:
    if not wanted:
        return tuple(known)
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise MatrixError(f"unknown {kind} {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(name for name in known if name in wanted)  # canonical order


def build_jws_matrix(
    profile: Profile,
    *,
    adapters: Sequence[str] | None = None,
    algs: Sequence[str] | None = None,
    ops: Sequence[str] | None = None,
    key_modes: Sequence[str] | None = None,
    payloads: Sequence[str] | None = None,
) -> list[Cell]:
    """All JWS cells for the selection, in report order (unsupported included)."""
    return [
        Cell(adapter, alg, op, key_mode, payload)
        for adapter in _pick("adapter", adapters, tuple(ADAPTERS))
        for alg in _pick("algorithm", algs, JWS_ALGS)
        for op in _pick("op", ops, JWS_OPS)
        for key_mode in _pick("key mode", key_modes, profile.key_modes)
        for payload in _pick("payload", payloads, profile.payloads)
    ]


def skip_reason(cell: Cell) -> tuple[Status, str] | None:
    """Why ``cell`` cannot run here (unavailable / unsupported), or None if it can.

    Decided from the adapter's *declared* capabilities only.
    """
    adapter = adapter_or_reason(cell.adapter)
    if isinstance(adapter, str):
        return "unavailable", adapter
    if cell.family == "jws" and cell.alg not in adapter.jws_algs:
        return "unsupported", adapter.unsupported_reason(cell.alg)
    return None


def selected_algs(cells: Iterable[Cell]) -> list[str]:
    """The distinct algorithms in ``cells``, in first-seen order."""
    return list(dict.fromkeys(cell.alg for cell in cells))
