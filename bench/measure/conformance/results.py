"""The conformance results file: typed records, its schema version, write and load.

The file is one JSON object ``{"conformance": {...}}`` (results/README.md,
"Conformance file"): ``schema_version``, provenance, per library its version,
declared algorithms, default allow-list and exact decode calls, the case
catalogue, ``cases[]`` (one per library x call x case) and ``examples[]``
(one per library x published example).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jwtbench.model.errors import UserError
from jwtbench.model.results import write_atomic

#: Marks a sandbox result line (anything else a child prints is the library's own output).
MARK = "@@"
SCHEMA_VERSION = 1
#: What each version of the file added.
SCHEMA_HISTORY: dict[int, str] = {
    1: "cases[] (library, library_version, call, case, variant, outcome, seconds, "
    "peak_rss_bytes, rss_growth_bytes, detail), examples[], libraries{}, catalogue[]",
}


class ConformanceError(UserError):
    """A conformance file this jwtbench cannot read."""


@dataclass(frozen=True)
class CaseResult:
    """One (library, call, case): the outcome and what refusing cost."""

    library: str
    library_version: str
    call: str
    case: str
    variant: str
    outcome: str
    seconds: float | None
    peak_rss_bytes: int | None
    detail: str
    rss_growth_bytes: int | None = None

    @property
    def name(self) -> str:
        return f"{self.case}/{self.variant}" if self.variant else self.case


@dataclass(frozen=True)
class ExampleResult:
    """One (library, published example): ``verified``, ``failed`` or ``n/a``."""

    library: str
    library_version: str
    example: str
    outcome: str
    detail: str


@dataclass
class Conformance:
    """A whole conformance run."""

    cases: list[CaseResult] = field(default_factory=list)
    examples: list[ExampleResult] = field(default_factory=list)
    #: Per library: describe() (version, algs, enabled_by_default...) + its decode calls,
    #: or {"unavailable": reason}.
    libraries: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The cases run: id, variant, kind, crafts, reproduces, safe.
    catalogue: list[dict[str, Any]] = field(default_factory=list)
    #: The published examples run: id, section, kind, alg, enc.
    published: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    wall_seconds: float = 0.0
    interrupted: bool = False

    def to_json(self) -> dict[str, Any]:
        body = asdict(self)
        return {"conformance": {"schema_version": SCHEMA_VERSION, **body}}


def write(path: Path, run: Conformance) -> None:
    write_atomic(path, run.to_json())


def load(path: Path) -> Conformance:
    """Read a conformance file; refuse, by name, one this jwtbench cannot read."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConformanceError(f"{path}: cannot read a conformance file ({exc})") from None
    body = raw.get("conformance") if isinstance(raw, dict) else None
    if not isinstance(body, dict):
        raise ConformanceError(f"{path}: no 'conformance' object; run `jwtbench conformance`")
    version = body.pop("schema_version", None)
    if version != SCHEMA_VERSION:
        raise ConformanceError(
            f"{path}: conformance schema_version {version!r} is not one this jwtbench reads "
            f"({', '.join(map(str, SCHEMA_HISTORY))}); rerun `jwtbench conformance`"
        )
    cases = [CaseResult(**row) for row in body.pop("cases", [])]
    examples = [ExampleResult(**row) for row in body.pop("examples", [])]
    return Conformance(cases=cases, examples=examples, **body)
