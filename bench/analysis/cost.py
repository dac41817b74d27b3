"""The cost beyond the hot path of each library, as rows the report renders.

Reads the ``cost`` record of a results file (``jwtbench.model.records.CostRecord``)
and turns each adapter's entry into a :class:`CostRow`: import time, the first
call with a cold key against a warm one (the ratio computed here, once), key
preparation per key form, peak memory per operation and installed size. A part
that failed keeps its reason (``CostRow.problems``); nothing is filled in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwtbench.model.records import AdapterCost, CostRecord
from jwtbench.model.results import Results


@dataclass(frozen=True)
class FirstCall:
    """One family's first ``prepare_key + sign`` / ``+ verify`` in a fresh interpreter."""

    alg: str
    sign_cold_s: float
    sign_warm_s: float
    verify_cold_s: float
    verify_warm_s: float

    @property
    def sign_ratio(self) -> float:
        """How many warm calls the first one costs."""
        return self.sign_cold_s / self.sign_warm_s

    @property
    def verify_ratio(self) -> float:
        return self.verify_cold_s / self.verify_warm_s


@dataclass(frozen=True)
class KeyPrep:
    """Warm ``prepare_key`` of one family from one key form (``unsupported``: why not)."""

    alg: str
    form: str  # "pem" (secret bytes for HMAC) or "jwk"
    sign_key_s: float | None
    verify_key_s: float | None
    unsupported: str = ""
    #: A sign with a key prepared from this form, warm (a library that rebuilds its
    #: ``cryptography`` key from a JWK on every call shows it here).
    sign_hot_s: float | None = None


@dataclass(frozen=True)
class Memory:
    """tracemalloc's peak bytes over one warm sign / verify."""

    alg: str
    sign_peak_bytes: int
    verify_peak_bytes: int
    token_bytes: int


@dataclass(frozen=True)
class CostRow:
    """One adapter's cost beyond the hot path."""

    name: str
    label: str
    version: str
    status: str  # "ok", "error" or "unavailable"
    reason: str = ""
    import_s: float | None = None
    import_samples: int = 0
    heaviest: tuple[tuple[str, float], ...] = ()
    first_calls: tuple[FirstCall, ...] = ()
    key_prep: tuple[KeyPrep, ...] = ()
    memory: tuple[Memory, ...] = ()
    installed_bytes: int | None = None
    closure_bytes: int | None = None
    closure: tuple[str, ...] = ()
    #: (part, family or "", reason) of every part that failed.
    problems: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class CostView:
    rows: tuple[CostRow, ...]
    samples: int
    seconds: float
    python: str
    interrupted: bool


def cost_view(results: Results) -> CostView | None:
    """The rows of a results file's cost record; None when it has none."""
    record: CostRecord | None = results.record.cost
    if record is None:
        return None
    adapters: Mapping[str, Any] = results.meta.get("adapters", {})
    rows = tuple(
        cost_row(cost, str(adapters.get(name, {}).get("label") or name))
        for name, cost in record.adapters.items()
    )
    return CostView(rows, record.samples, record.seconds, record.python, record.interrupted)


def cost_row(cost: AdapterCost, label: str) -> CostRow:
    """One entry as a row; a failed part becomes a problem with its reason."""
    details = cost.details
    version = str(details.get("version") or "")
    if not cost.available:
        return CostRow(cost.name, label, version, "unavailable", cost.reason)
    if cost.error:
        return CostRow(cost.name, label, version, "error", cost.error)
    parts = cost.sections
    problems: list[tuple[str, str, str]] = []
    imported = _part(parts.get("import"), "import", "", problems)
    installed = _part(parts.get("installed"), "installed size", "", problems)
    return CostRow(
        name=cost.name,
        label=label,
        version=version,
        status="ok",
        import_s=_float(imported.get("median_s")),
        import_samples=int(imported.get("samples") or 0),
        heaviest=tuple(
            (str(h["module"]), float(h["cumulative_s"])) for h in imported.get("heaviest", [])
        ),
        first_calls=_first_calls(parts.get("first_call") or {}, problems),
        key_prep=_key_prep(parts.get("key_prep") or {}, problems),
        memory=_memory(parts.get("memory") or {}, problems),
        installed_bytes=_int(installed.get("bytes")),
        closure_bytes=_int(installed.get("closure_bytes")),
        closure=tuple(installed.get("closure") or ()),
        problems=tuple(problems),
    )


def _part(obj: Any, what: str, alg: str, problems: list[tuple[str, str, str]]) -> Mapping[str, Any]:
    if not isinstance(obj, dict):
        return {}
    if obj.get("error"):
        problems.append((what, alg, str(obj["error"])))
        return {}
    return obj


def _first_calls(
    obj: Mapping[str, Any], problems: list[tuple[str, str, str]]
) -> tuple[FirstCall, ...]:
    out = []
    for alg, entry in obj.items():
        got = _part(entry, "first call", alg, problems)
        if got:
            out.append(
                FirstCall(
                    alg,
                    float(got["sign_cold_s"]),
                    float(got["sign_warm_s"]),
                    float(got["verify_cold_s"]),
                    float(got["verify_warm_s"]),
                )
            )
    return tuple(out)


def _key_prep(obj: Mapping[str, Any], problems: list[tuple[str, str, str]]) -> tuple[KeyPrep, ...]:
    out = []
    for alg, forms in obj.items():
        got = _part(forms, "key preparation", alg, problems)
        for form, entry in got.items():
            if not isinstance(entry, dict):
                continue
            out.append(
                KeyPrep(
                    alg,
                    form,
                    _float(entry.get("sign_key_s")),
                    _float(entry.get("verify_key_s")),
                    str(entry.get("unsupported") or ""),
                    _float(entry.get("sign_hot_s")),
                )
            )
    return tuple(out)


def _memory(obj: Mapping[str, Any], problems: list[tuple[str, str, str]]) -> tuple[Memory, ...]:
    out = []
    for alg, entry in obj.items():
        got = _part(entry, "memory", alg, problems)
        if got:
            out.append(
                Memory(
                    alg,
                    int(got["sign_peak_bytes"]),
                    int(got["verify_peak_bytes"]),
                    int(got["token_bytes"]),
                )
            )
    return tuple(out)


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None
