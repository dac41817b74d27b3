"""Compare two results files cell by cell: did the head get slower, faster, bigger?

``compare_results(base, head)`` matches cells by their params, runs
``jwtbench.analysis.stats.compare_many_runs`` on each matched cell's raw rounds (so a
verdict needs a material *and* significant change, with p-values adjusted
across all cells), and also reports what a timing table would hide:

* token size changes (any byte difference: a new header field is a change);
* status changes (a cell that was ``ok`` and is now ``invalid`` or ``error``
  is *broken*, which counts as a regression: it lost its number for a reason
  worse than slowness);
* cells measured on one side only (with a summary by adapter, op and family,
  so a smaller run compared against a whole one stays readable);
* warnings when the two files come from different machines, Python builds or
  CPUs (absolute times do not carry over), and the dependency versions that
  differ (the usual reason for a change).

Runs. Rounds timed in one go share the machine's state of that moment, so each
side is a list of *runs* (``jwtbench.analysis.runs``): every pass of a
``jwtbench run`` is one, and so is every round merged by ``jwtbench ab``. A
side may also be several files (``--base-extra``/``--head-extra``): their runs
are pooled. With at least ``jwtbench.analysis.stats.MIN_RUNS`` runs on both
sides a cell is judged by its run-to-run spread (mode ``runs``); with a single
run on a side it gets the stricter single-run rule, and a note says that such
a verdict cannot tell machine drift from a code change. Cells timed by
``jwtbench ab`` in lockstep are judged burst pair by burst pair (mode
``paired``).

Pure: the renderers live in ``jwtbench.present.compare`` and the verb in
``jwtbench.cli.compare``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jwtbench.analysis.runs import paired_rounds, split_bursts, split_runs
from jwtbench.analysis.stats import (
    IMPROVEMENT,
    MIN_RUNS,
    MODE_FEW_RUNS,
    NO_CHANGE,
    REGRESSION,
    TOO_FEW,
    CellComparison,
    compare_many_runs,
)
from jwtbench.model.cell import FAILED_STATUSES, CellKey, cell_key, cell_label
from jwtbench.model.results import Results, Row

__all__ = [
    "CellResult",
    "Comparison",
    "OneSided",
    "StatusChange",
    "TokenChange",
    "cell_statuses",
    "compare_results",
    "measured_rows",
    "one_sided",
    "paired_rounds",
    "pooling_warnings",
    "provenance_of",
    "provenance_warnings",
    "split_bursts",
    "split_runs",
    "version_differences",
]

#: How a verdict sorts in tables: regressions first.
VERDICT_ORDER = {REGRESSION: 0, IMPROVEMENT: 1, NO_CHANGE: 2, TOO_FEW: 3}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 cell``, ``2 cells``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


@dataclass(frozen=True)
class CellResult:
    """One cell measured on both sides, with its statistical comparison."""

    key: CellKey
    params: dict[str, str]
    stats: CellComparison

    @property
    def label(self) -> str:
        return cell_label(self.params)

    @property
    def verdict(self) -> str:
        return self.stats.verdict


@dataclass(frozen=True)
class TokenChange:
    """A cell whose compact token has a different length in head."""

    key: CellKey
    params: dict[str, str]
    base_bytes: int
    head_bytes: int

    @property
    def label(self) -> str:
        return cell_label(self.params)


@dataclass(frozen=True)
class StatusChange:
    """A cell whose status differs (``ok`` -> ``invalid``, ``unsupported`` -> ``ok``...)."""

    key: CellKey
    params: dict[str, str]
    base_status: str
    head_status: str
    reason: str  # the head's reason, else the base's

    @property
    def label(self) -> str:
        return cell_label(self.params)

    @property
    def broken(self) -> bool:
        """Measured in base, failing in head: worse than any slowdown."""
        return self.base_status == "ok" and self.head_status in FAILED_STATUSES


#: How many example cells a one-sided summary names.
EXAMPLES = 3


def family(params: dict[str, str]) -> str:
    """``jws``, ``jwe`` or ``nested``, from a cell's params."""
    if params.get("sig_alg"):
        return "nested"
    return "jwe" if params.get("enc") else "jws"


@dataclass(frozen=True)
class OneSided:
    """Cells measured on one side only, counted so hundreds of them read as one line."""

    side: str  # "base" or "head"
    cells: tuple[dict[str, str], ...]
    #: (param, [(value, count), ...]) for adapter, op and family, most frequent first.
    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    examples: tuple[str, ...]

    @property
    def labels(self) -> list[str]:
        return [cell_label(p) for p in self.cells]


def one_sided(side: str, cells: Sequence[dict[str, str]]) -> OneSided:
    """The summary of ``cells`` (present on ``side`` only): counts and a few examples."""
    groups = []
    for name in ("adapter", "op", "family"):
        values = Counter(family(p) if name == "family" else p.get(name, "?") for p in cells)
        groups.append((name, tuple(values.most_common())))
    examples = tuple(cell_label(p) for p in cells[:EXAMPLES])
    return OneSided(side, tuple(cells), tuple(groups), examples)


@dataclass
class Comparison:
    """Everything ``compare_results`` found; the renderers only read it."""

    base_name: str
    head_name: str
    threshold: float
    alpha: float
    correction: str
    cells: list[CellResult] = field(default_factory=list)
    token_changes: list[TokenChange] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    only_in_base: list[dict[str, str]] = field(default_factory=list)
    only_in_head: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Dependency versions that differ, e.g. ``pyjwt 2.10.1 -> 2.15.1``.
    info: list[str] = field(default_factory=list)
    #: How many results files each side pooled (each one or more runs).
    base_files: int = 1
    head_files: int = 1
    #: What the verdicts can and cannot tell (single-run comparisons).
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[CellResult]:
        return [c for c in self.cells if c.verdict == REGRESSION]

    @property
    def improvements(self) -> list[CellResult]:
        return [c for c in self.cells if c.verdict == IMPROVEMENT]

    def one_sided(self, side: str) -> OneSided:
        """Cells measured only in ``side`` (``"base"``/``"head"``), summarised."""
        cells = self.only_in_base if side == "base" else self.only_in_head
        return one_sided(side, cells)

    @property
    def broken(self) -> list[StatusChange]:
        return [c for c in self.status_changes if c.broken]

    def has_regression(self) -> bool:
        """A timing regression, or a cell that was ok and now fails."""
        return bool(self.regressions or self.broken)

    def modes(self) -> dict[str, int]:
        """Matched cells per comparison mode (``stats.MODE_*``), zeros left out."""
        out: dict[str, int] = {}
        for cell in self.cells:
            out[cell.stats.mode] = out.get(cell.stats.mode, 0) + 1
        return out

    def runs(self, side: str) -> str:
        """Runs per cell on ``side`` (``"base"``/``"head"``): ``"6"``, or ``"1-6"`` if they vary."""
        counts = [c.stats.base_runs if side == "base" else c.stats.head_runs for c in self.cells]
        if not counts:
            return "-"
        low, high = min(counts), max(counts)
        return str(low) if low == high else f"{low}-{high}"

    def counts(self) -> dict[str, int]:
        """Matched cells per verdict (every verdict present, zeros included)."""
        out = dict.fromkeys(VERDICT_ORDER, 0)
        for cell in self.cells:
            out[cell.verdict] = out.get(cell.verdict, 0) + 1
        return out

    def ordered(self) -> list[CellResult]:
        """Regressions (worst first), improvements (best first), then the rest in file order."""

        def sort_key(item: tuple[int, CellResult]) -> tuple[int, float, int]:
            index, cell = item
            rank = VERDICT_ORDER.get(cell.verdict, len(VERDICT_ORDER))
            ratio = cell.stats.ratio
            if cell.verdict == REGRESSION:
                return rank, -ratio, index
            if cell.verdict == IMPROVEMENT:
                return rank, ratio, index
            return rank, 0.0, index

        return [cell for _, cell in sorted(enumerate(self.cells), key=sort_key)]

    def summary(self) -> str:
        """One line: verdict counts and the other findings."""
        counts = self.counts()
        parts = [
            plural(counts[REGRESSION], "regression"),
            plural(counts[IMPROVEMENT], "improvement"),
            f"{counts[NO_CHANGE]} without significant change",
        ]
        if counts[TOO_FEW]:
            parts.append(f"{counts[TOO_FEW]} with too few rounds")
        if self.broken:
            parts.append(plural(len(self.broken), "cell") + " newly failing")
        if self.token_changes:
            parts.append(plural(len(self.token_changes), "token size change"))
        if self.only_in_base or self.only_in_head:
            parts.append(
                f"{len(self.only_in_base)} only in base, {len(self.only_in_head)} only in head"
            )
        return f"{plural(len(self.cells), 'cell')} compared: " + ", ".join(parts)


def cell_statuses(results: Results) -> dict[CellKey, tuple[str, str]]:
    """Every cell's (status, reason); a timed row without a cell entry counts as ``ok``."""
    status = {
        cell_key(c["params"]): (str(c.get("status", "ok")), str(c.get("reason", "")))
        for c in results.cells
    }
    for row in results.rows():
        status.setdefault(cell_key(row.params), ("ok", ""))
    return status


def measured_rows(results: Results) -> dict[CellKey, Row]:
    """The rows with a usable number: timed, raw rounds kept, and the cell ``ok``.

    A failed check *after* timing leaves a timed row for an ``error`` cell;
    it has no usable number.
    """
    status = cell_statuses(results)
    return {
        cell_key(row.params): row
        for row in results.rows()
        if row.data and status[cell_key(row.params)][0] == "ok"
    }


@dataclass
class _Side:
    """One side's results files (each one or more runs) indexed by cell key."""

    rows: dict[CellKey, Row]  # the first measured row of each cell
    runs: dict[CellKey, list[tuple[float, ...]]]  # every run of every file
    status: dict[CellKey, tuple[str, str]]  # CellKey -> (status, reason)
    params: dict[CellKey, dict[str, str]]
    bursts: dict[CellKey, list[tuple[str, list[tuple[float, ...]]]]] = field(default_factory=dict)

    @classmethod
    def of(cls, files: Sequence[Results]) -> _Side:
        """Pool ``files``: a cell failing in any file takes that status (first one seen)."""
        rows: dict[CellKey, Row] = {}
        runs: dict[CellKey, list[tuple[float, ...]]] = {}
        bursts: dict[CellKey, list[tuple[str, list[tuple[float, ...]]]]] = {}
        status: dict[CellKey, tuple[str, str]] = {}
        params: dict[CellKey, dict[str, str]] = {}
        for results in files:
            for key, (state, reason) in cell_statuses(results).items():
                if key not in status or (status[key][0] == "ok" and state != "ok"):
                    status[key] = (state, reason)
            for key, row in measured_rows(results).items():
                rows.setdefault(key, row)
                runs.setdefault(key, []).extend(split_runs(row))
                bursts.setdefault(key, []).extend(split_bursts(row))
            for row in results.rows():
                params.setdefault(cell_key(row.params), dict(row.params))
            for cell in results.cells:
                key = cell_key(cell["params"])
                params.setdefault(key, {str(k): str(v) for k, v in cell["params"].items()})
        rows = {key: row for key, row in rows.items() if status[key][0] == "ok"}
        return cls(rows, runs, status, params, bursts)

    def measured(self, key: CellKey) -> bool:
        return key in self.rows

    def order(self) -> list[CellKey]:
        return list(self.params)


def _files(results: Results | Sequence[Results], side: str) -> list[Results]:
    files = [results] if isinstance(results, Results) else list(results)
    if not files:
        raise ValueError(f"no {side} results file given")
    return files


def compare_results(
    base: Results | Sequence[Results],
    head: Results | Sequence[Results],
    *,
    threshold: float = 0.10,
    alpha: float = 0.01,
    correction: str = "holm",
    timings: bool = True,
) -> Comparison:
    """Compare ``head`` against ``base``: every cell measured in both, and what else differs.

    Each side is one results file or several (each one run, or the runs a
    merged file records); see the module docstring for how runs are judged.
    ``timings=False`` leaves out the per-cell timing verdicts (``cells``, ``notes``)
    and keeps the rest: the paired view judges cells on its own ratios, and the
    absolute statistics are nearly all of the work (18 of 20 s on two quick runs).
    """
    base_files, head_files = _files(base, "base"), _files(head, "head")
    b, h = _Side.of(base_files), _Side.of(head_files)
    cmp = Comparison(
        base_name=", ".join(_name(r, "base") for r in base_files),
        head_name=", ".join(_name(r, "head") for r in head_files),
        threshold=threshold,
        alpha=alpha,
        correction=correction,
        base_files=len(base_files),
        head_files=len(head_files),
    )
    matched = [k for k in b.order() if b.measured(k) and h.measured(k)]
    if timings:
        cmp.cells = _timing_verdicts(b, h, matched, threshold, alpha, correction)

    for key in matched:
        before, after = b.rows[key].token_bytes, h.rows[key].token_bytes
        if before is not None and after is not None and before != after:
            cmp.token_changes.append(TokenChange(key, b.params[key], before, after))

    for key in b.order():
        if key in h.status and b.status[key][0] != h.status[key][0]:
            (before_status, before_reason), (after_status, after_reason) = (
                b.status[key],
                h.status[key],
            )
            reason = after_reason or before_reason
            cmp.status_changes.append(
                StatusChange(key, b.params[key], before_status, after_status, reason)
            )
    cmp.only_in_base = [b.params[k] for k in b.order() if b.measured(k) and _absent(h, k)]
    cmp.only_in_head = [h.params[k] for k in h.order() if h.measured(k) and _absent(b, k)]
    cmp.warnings = provenance_warnings(base_files[0], head_files[0])
    for side, files in (("base", base_files), ("head", head_files)):
        cmp.warnings += pooling_warnings(side, files)
    if not matched:
        cmp.warnings.append("no cell was measured in both files: nothing to compare")
    cmp.info = version_differences(base_files[0], head_files[0])
    cmp.notes = method_notes(cmp)
    return cmp


def _timing_verdicts(
    b: _Side, h: _Side, matched: list[CellKey], threshold: float, alpha: float, correction: str
) -> list[CellResult]:
    """Each matched cell's verdict on its times (rounds paired by burst where both have them)."""
    pairs = {k: (b.runs[k], h.runs[k]) for k in matched}
    lockstep = {k: paired_rounds(b.bursts.get(k, []), h.bursts.get(k, [])) for k in matched}
    verdicts = compare_many_runs(
        pairs,
        threshold=threshold,
        alpha=alpha,
        correction=correction,
        paired={k: rounds for k, rounds in lockstep.items() if rounds},
    )
    return [CellResult(k, b.params[k], verdicts[k]) for k in matched]


def _absent(side: _Side, key: CellKey) -> bool:
    """Not measured and not explained by a different status (a cell missing from the file)."""
    return not side.measured(key) and side.status.get(key, ("ok", ""))[0] == "ok"


def _name(results: Results, fallback: str) -> str:
    if results.path is not None:
        return str(results.path)
    return str(results.meta.get("label") or fallback)


def provenance_of(results: Results) -> dict[str, Any]:
    """The file's ``provenance`` object (empty when absent or malformed)."""
    prov = results.meta.get("provenance")
    return prov if isinstance(prov, dict) else {}


def provenance_warnings(base: Results, head: Results) -> list[str]:
    """Why absolute times may not carry over between the two files."""
    pb, ph = provenance_of(base), provenance_of(head)
    diffs = [
        f"{label} {pb.get(name)!s} vs {ph.get(name)!s}"
        for name, label in (("machine_id", "machine"), ("python", "python"), ("cpu", "cpu"))
        if pb.get(name) != ph.get(name)
    ]
    warnings = []
    if diffs:
        warnings.append(
            "comparing results from different machines: "
            + "; ".join(diffs)
            + " (absolute times do not carry over; compare runs from one machine)"
        )
    if base.meta.get("profile") != head.meta.get("profile"):
        warnings.append(
            f"profiles differ ({base.meta.get('profile')} vs {head.meta.get('profile')}): "
            "round lengths and counts differ"
        )
    for side, results in (("base", base), ("head", head)):
        if results.meta.get("interrupted"):
            warnings.append(f"the {side} run was interrupted: its unfinished cells are missing")
    return warnings


def version_differences(base: Results, head: Results) -> list[str]:
    """``dist old -> new`` for each tracked distribution (and OpenSSL) that differs."""
    pb, ph = provenance_of(base), provenance_of(head)
    vb, vh = pb.get("versions") or {}, ph.get("versions") or {}
    out = [
        f"{dist} {vb.get(dist) or 'not installed'} -> {vh.get(dist) or 'not installed'}"
        for dist in dict.fromkeys([*vb, *vh])
        if vb.get(dist) != vh.get(dist)
    ]
    if pb.get("openssl") != ph.get("openssl"):
        out.append(f"{pb.get('openssl')} -> {ph.get('openssl')}")
    return out


def pooling_warnings(side: str, files: Sequence[Results]) -> list[str]:
    """Why the runs of several files on one side may not belong together."""
    if len(files) < 2:
        return []
    first, out = files[0], []
    paths = [r.path.resolve() for r in files if r.path is not None]
    for path in dict.fromkeys(p for p in paths if paths.count(p) > 1):
        out.append(f"{side} file {path} is given {paths.count(path)} times: its runs count as many")
    for other in files[1:]:
        name = _name(other, side)
        pf, po = provenance_of(first), provenance_of(other)
        if any(pf.get(k) != po.get(k) for k in ("machine_id", "python", "cpu")):
            out.append(f"{side} file {name} comes from another machine or Python than the first")
        if first.meta.get("profile") != other.meta.get("profile"):
            out.append(f"{side} file {name} used another profile than the first")
        versions = version_differences(first, other)
        if versions:
            out.append(f"{side} file {name} has other versions: " + ", ".join(versions))
        if other.meta.get("interrupted"):
            out.append(f"the {side} run {name} was interrupted: its unfinished cells are missing")
    return out


def method_notes(cmp: Comparison) -> list[str]:
    """Caveats: cells that moved but cannot reach significance; cells judged on one run."""
    return _underpowered_notes(cmp) + _few_run_notes(cmp)


def _underpowered_notes(cmp: Comparison) -> list[str]:
    """Cells beyond the threshold whose passes cannot make it a verdict, and what would."""
    weak = [c for c in cmp.cells if c.stats.runs_needed]
    if not weak:
        return []
    needed = max(c.stats.runs_needed for c in weak)
    have = min(min(c.stats.base_runs, c.stats.head_runs) for c in weak)
    examples = ", ".join(f"{c.label} {c.stats.ratio:.2f}x" for c in weak[:3])
    return [
        f"{plural(len(weak), 'cell')} moved beyond the threshold but cannot reach "
        f"significance with {have} passes a side at this drift ({examples}): they would "
        f"need about {needed} passes a side (jwtbench run --passes {needed}, or more "
        "files with --base-extra/--head-extra), or use `jwtbench ab`"
    ]


def _few_run_notes(cmp: Comparison) -> list[str]:
    few = [c.stats for c in cmp.cells if c.stats.mode == MODE_FEW_RUNS]
    if not few:
        return []
    runs = max(min(s.base_runs, s.head_runs) for s in few)
    what = "a single run" if runs <= 1 else f"fewer than {MIN_RUNS} runs"
    which = "every cell" if len(few) == len(cmp.cells) else plural(len(few), "cell")
    return [
        f"{what} on a side ({which}): a single-run comparison cannot separate machine "
        "drift from code changes (identical runs on a shared machine differ by tens of "
        "percent, up to ~3x), so a flag may be the machine even under the stricter "
        "single-run rule. For trustworthy verdicts use `jwtbench ab` (interleaved runs) "
        "or several runs per side (--base-extra FILE... --head-extra FILE...)"
    ]
