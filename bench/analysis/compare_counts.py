"""Compare two instruction-count files (``--timer instructions``): a plain threshold.

A count is deterministic: the same code counted twice gives the same number
to a few instructions per op (``jwtbench.measure.instructions``). There is
no noise to test a change against, so there is no p-value and no interval:
a cell **regresses** when its instructions per op grow by more than the
threshold (default :data:`DEFAULT_THRESHOLD`, 1%), and improves when they
shrink by more than it. Token bytes, statuses and cells measured on one side
only are reported as for times (``jwtbench.analysis.compare``'s records).

The counts are comparable only under the same valgrind, CPython, OpenSSL
and CPU mask; a difference in any of them is a warning (the counts then
move for that reason too).

Pure: the renderers are ``jwtbench.present.compare_counts``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jwtbench.analysis.calibration import Trial
from jwtbench.analysis.compare import (
    OneSided,
    StatusChange,
    TokenChange,
    one_sided,
    version_differences,
)
from jwtbench.analysis.stats import IMPROVEMENT, REGRESSION
from jwtbench.model.cell import CellKey, cell_key, cell_label
from jwtbench.model.errors import UsageError
from jwtbench.model.results import Results

#: A count that moved by no more than the threshold (not "no significant change":
#: nothing is tested for significance).
WITHIN = "within threshold"
#: The default relative threshold for counts (times: 10%).
DEFAULT_THRESHOLD = 0.01
#: What the method is, said once (terminal, Markdown, README).
NO_NOISE = (
    "instruction counts are deterministic: there is no noise to test a change against, "
    "so no p-value; a cell regresses when its count grows by more than the threshold"
)
#: Timer details that must agree for counts to be comparable.
COMPARABLE = ("valgrind", "python", "openssl", "cryptography_openssl", "openssl_ia32cap", "method")


def is_counts(results: Results) -> bool:
    """True for a file whose stats are instructions per op."""
    return results.record.units.counts


def check_same_kind(base: Results, head: Results) -> bool:
    """True if both are count files, False if both are times; ``UsageError`` if mixed."""
    kinds = (is_counts(base), is_counts(head))
    if kinds[0] != kinds[1]:
        which = "base" if kinds[0] else "head"
        raise UsageError(
            f"the {which} file holds instruction counts and the other times: compare two "
            "files made with the same --timer"
        )
    return kinds[0]


@dataclass(frozen=True)
class CountChange:
    """One cell counted on both sides."""

    key: CellKey
    params: dict[str, str]
    base: float
    head: float
    verdict: str

    @property
    def label(self) -> str:
        return cell_label(self.params)

    @property
    def ratio(self) -> float:
        return self.head / self.base if self.base else float("inf")


@dataclass
class CountComparison:
    """Everything :func:`compare_counts` found; renderers only read it."""

    base_name: str
    head_name: str
    threshold: float
    cells: list[CountChange] = field(default_factory=list)
    token_changes: list[TokenChange] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    only_in_base: list[dict[str, str]] = field(default_factory=list)
    only_in_head: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[CountChange]:
        return [c for c in self.cells if c.verdict == REGRESSION]

    @property
    def improvements(self) -> list[CountChange]:
        return [c for c in self.cells if c.verdict == IMPROVEMENT]

    @property
    def broken(self) -> list[StatusChange]:
        return [s for s in self.status_changes if s.broken]

    def has_regression(self) -> bool:
        return bool(self.regressions or self.broken)

    def one_sided(self, side: str) -> OneSided:
        return one_sided(side, self.only_in_base if side == "base" else self.only_in_head)

    def largest_change(self) -> float:
        """The largest relative difference of any cell (0 when none was matched)."""
        return max((abs(c.ratio - 1) for c in self.cells), default=0.0)

    def summary(self) -> str:
        parts = [f"{len(self.regressions)} regressed", f"{len(self.improvements)} improved"]
        parts.append(f"{len(self.cells) - len(self.regressions) - len(self.improvements)} within")
        if self.broken:
            parts.append(f"{len(self.broken)} broken")
        return f"{len(self.cells)} cells counted on both sides: " + ", ".join(parts)


def verdict(base: float, head: float, threshold: float) -> str:
    """Regression above ``+threshold``, improvement below ``-threshold``, else within it."""
    change = head / base - 1 if base else float("inf")
    if change > threshold:
        return REGRESSION
    if change < -threshold:
        return IMPROVEMENT
    return WITHIN


@dataclass
class _Side:
    counts: dict[CellKey, float]
    tokens: dict[CellKey, int]
    status: dict[CellKey, tuple[str, str]]
    params: dict[CellKey, dict[str, str]]

    @classmethod
    def of(cls, results: Results) -> _Side:
        status = {
            cell_key(c["params"]): (str(c["status"]), str(c.get("reason", "")))
            for c in results.cells
        }
        params = {
            cell_key(c["params"]): {str(k): str(v) for k, v in c["params"].items()}
            for c in results.cells
        }
        counts: dict[CellKey, float] = {}
        tokens: dict[CellKey, int] = {}
        for bench in results.raw.get("benchmarks", []):
            key = cell_key(bench["params"])
            if status.get(key, ("ok", ""))[0] != "ok":
                continue
            params.setdefault(key, {str(k): str(v) for k, v in bench["params"].items()})
            status.setdefault(key, ("ok", ""))
            counts[key] = count_of(bench)
            if bench.get("extra_info", {}).get("token_bytes") is not None:
                tokens[key] = int(bench["extra_info"]["token_bytes"])
        return cls(counts, tokens, status, params)


def count_of(bench: Mapping[str, Any]) -> float:
    """A benchmark's instructions per op: the exact one in extra_info, else its stats."""
    exact = bench.get("extra_info", {}).get("instructions_per_op")
    return float(exact if exact is not None else bench["stats"]["median"])


def compare_counts(
    base: Results, head: Results, *, threshold: float = DEFAULT_THRESHOLD
) -> CountComparison:
    """Compare ``head``'s counts against ``base``'s, cell by cell."""
    b, h = _Side.of(base), _Side.of(head)
    cmp = CountComparison(_name(base, "base"), _name(head, "head"), threshold)
    matched = [k for k in b.params if k in b.counts and k in h.counts]
    cmp.cells = [
        CountChange(
            k, b.params[k], b.counts[k], h.counts[k], verdict(b.counts[k], h.counts[k], threshold)
        )
        for k in matched
    ]
    for key in matched:
        if key in b.tokens and key in h.tokens and b.tokens[key] != h.tokens[key]:
            cmp.token_changes.append(TokenChange(key, b.params[key], b.tokens[key], h.tokens[key]))
    for key in b.params:
        if key in h.status and b.status[key][0] != h.status[key][0]:
            reason = h.status[key][1] or b.status[key][1]
            cmp.status_changes.append(
                StatusChange(key, b.params[key], b.status[key][0], h.status[key][0], reason)
            )
    cmp.only_in_base = [b.params[k] for k in b.counts if k not in h.status]
    cmp.only_in_head = [h.params[k] for k in h.counts if k not in b.status]
    cmp.warnings = timer_warnings(base, head)
    if not matched:
        cmp.warnings.append("no cell was counted in both files: nothing to compare")
    cmp.info = version_differences(base, head)
    return cmp


def timer_warnings(base: Results, head: Results) -> list[str]:
    """What differs in how the two files counted (each moves counts by itself)."""
    tb, th = (dict(r.record.timer.details or {}) for r in (base, head))
    diffs = [
        f"{name} {tb.get(name)} vs {th.get(name)}"
        for name in COMPARABLE
        if tb.get(name) != th.get(name)
    ]
    if not diffs:
        return []
    return [
        "the files were counted differently: "
        + "; ".join(diffs)
        + " (counts move with these too; count both sides the same way)"
    ]


def _name(results: Results, fallback: str) -> str:
    return str(results.path) if results.path is not None else fallback


def counted_both(files: Sequence[Results]) -> bool:
    """True when every file given is a count file (``ab`` / ``calibrate`` ask this)."""
    return all(is_counts(r) for r in files)


@dataclass(frozen=True)
class CountRow:
    """One counted cell for the report: its count and the share the primitive takes."""

    params: dict[str, str]
    per_op: float
    #: The ``limit`` adapter's count for the same cell over this one (None: no limit cell).
    crypto_share: float | None

    @property
    def label(self) -> str:
        return cell_label(self.params)


def count_rows(results: Results) -> list[CountRow]:
    """Every counted cell, with the share in crypto (``limit`` count / library count).

    The limit cell is the one with the same params but the adapter (the bare
    primitive on the same signing input); for a library cell with no exact
    twin, the limit's ``prepared`` cell of the same alg, op and payload.
    """
    side = _Side.of(results)
    limits = {
        _twin(p): side.counts[k]
        for k, p in side.params.items()
        if p.get("adapter") == "limit" and k in side.counts
    }
    rows = []
    for key, count in side.counts.items():
        params = side.params[key]
        limit = limits.get(_twin(params))
        if limit is None:
            limit = limits.get(_twin({**params, "key_mode": "prepared"}))
        share = None if params.get("adapter") == "limit" or limit is None else limit / count
        rows.append(CountRow(params, count, share))
    return rows


def _twin(params: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in params.items() if k != "adapter"))


def score_counts(cmp: CountComparison, slowed_adapter: str | None) -> Trial:
    """``jwtbench calibrate``'s scoring of one count comparison (as ``calibration.score``)."""
    flagged = [c for c in cmp.cells if c.verdict in (REGRESSION, IMPROVEMENT)]
    mine = [c for c in flagged if c.verdict == REGRESSION and c.params["adapter"] == slowed_adapter]
    slowed_cells = sum(1 for c in cmp.cells if c.params["adapter"] == slowed_adapter)
    return Trial([c.label for c in flagged], [c.label for c in mine], slowed_cells)
