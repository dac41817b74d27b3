"""What a measurement is about: the cell, its family and operations, its status.

A cell is (adapter, alg[, enc][, sig_alg], op, key_mode, payload); its fields
are the results schema's ``params``. Everything that names a cell, an op or a
status imports it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

JWS_OPS: tuple[str, ...] = ("sign", "verify")
JWE_OPS: tuple[str, ...] = ("encrypt", "decrypt")
NESTED_OPS: tuple[str, ...] = ("sign_encrypt", "decrypt_verify")
ALL_OPS: tuple[str, ...] = JWS_OPS + JWE_OPS + NESTED_OPS
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


def split_names(value: str | None) -> list[str] | None:
    """``"HS256, RS256"`` or ``"HS256 RS256"`` -> ``["HS256", "RS256"]``; empty -> None."""
    if not value:
        return None
    return [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
