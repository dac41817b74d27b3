"""What a measurement is about: the cell, its family and operations, its status.

A cell is (adapter, alg[, enc][, sig_alg], op, key_mode, payload); its fields
are the results schema's ``params``. Everything that names a cell, an op or a
status imports it from here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

JWS_OPS: tuple[str, ...] = ("sign", "verify")
JWE_OPS: tuple[str, ...] = ("encrypt", "decrypt")
NESTED_OPS: tuple[str, ...] = ("sign_encrypt", "decrypt_verify")
ALL_OPS: tuple[str, ...] = JWS_OPS + JWE_OPS + NESTED_OPS
KEY_MODES: tuple[str, ...] = ("prepared", "raw")


class Status(enum.StrEnum):
    """Every status a cell can have; the results file stores the value."""

    OK = "ok"
    #: The adapter declares it does not implement the algorithm (or has no JWE).
    UNSUPPORTED = "unsupported"
    #: The library is not installed or cannot be imported here.
    UNAVAILABLE = "unavailable"
    #: The correctness gate failed: the cell got no number.
    INVALID = "invalid"
    #: The library raised while the cell was prepared or timed.
    ERROR = "error"
    #: The run was interrupted before the cell was measured.
    NOT_RUN = "not run"
    #: pytest skipped the cell for another reason (given in the reason).
    SKIPPED = "skipped"

    @classmethod
    def of(cls, value: Any) -> Status:
        """The status named ``value``; ``ValueError`` names the known ones."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown cell status {value!r}; known: {known}") from None


#: Statuses that mean the library was asked and failed.
FAILED_STATUSES = frozenset({Status.INVALID, Status.ERROR})
#: Statuses of cells that were never timed because they cannot run here.
SKIP_STATUSES = frozenset({Status.UNSUPPORTED, Status.UNAVAILABLE, Status.SKIPPED})


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


#: A cell's identity in results: its params as a sorted tuple of (name, value) pairs.
CellKey = tuple[tuple[str, str], ...]
#: Params in display order (cells of every family).
PARAM_ORDER: tuple[str, ...] = ("adapter", "alg", "enc", "sig_alg", "op", "key_mode", "payload")


def cell_key(params: Mapping[str, Any]) -> CellKey:
    """The canonical key of a cell: sorted ``(name, value)`` pairs, values as str."""
    return tuple(sorted((str(k), str(v)) for k, v in params.items()))


def cell_label(params: Mapping[str, Any]) -> str:
    """A short readable name: ``pyjwt HS256 sign prepared small``.

    JWE cells show ``alg/enc`` and nested cells ``sig_alg+alg/enc``, so every
    cell of the matrix gets a distinct, stable label.
    """
    alg = str(params.get("alg", "?"))
    if params.get("enc"):
        alg = f"{alg}/{params['enc']}"
    if params.get("sig_alg"):
        alg = f"{params['sig_alg']}+{alg}"
    known = {"adapter", "alg", "enc", "sig_alg"}
    rest = [str(params[k]) for k in PARAM_ORDER if k in params and k not in known]
    rest += [f"{k}={v}" for k, v in sorted(params.items()) if k not in PARAM_ORDER]
    return " ".join([str(params.get("adapter", "?")), alg, *rest])
