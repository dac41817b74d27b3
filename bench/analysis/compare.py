"""Compare two results files cell by cell: did the head get slower, faster, bigger?

``compare_results(base, head)`` matches cells by their params, runs
``jwtbench.analysis.stats.compare_many_runs`` on each matched cell's raw rounds (so a
verdict needs a material *and* significant change, with p-values adjusted
across all cells), and also reports what a timing table would hide:

* token size changes (any byte difference: a new header field is a change);
* status changes (a cell that was ``ok`` and is now ``invalid`` or ``error``
  is *broken*, which counts as a regression: it lost its number for a reason
  worse than slowness);
* cells measured on one side only;
* warnings when the two files come from different machines, Python builds or
  CPUs (absolute times do not carry over), and the dependency versions that
  differ (the usual reason for a change).

Runs. Rounds timed in one go share the machine's state of that moment (a
shared VM's speed swings by tens of percent between seconds), so they are not
independent samples of the code's speed. Each side is therefore a list of
*runs*: a results file records them in ``extra_info.merged_runs`` (how many
raw rounds each contributed to ``stats.data``): every pass of a ``jwtbench
run`` is one, and so is every round merged by ``jwtbench ab`` (``jwtbench.measure.merge``);
a file without it is one run. ``split_runs`` cuts them apart again. A side may
also be several files (``--base-extra``/``--head-extra`` on the command line):
their runs are pooled. With at least ``jwtbench.analysis.stats.MIN_RUNS`` runs on both
sides a cell is judged by its run-to-run spread (``jwtbench.analysis.stats.compare_runs``,
mode ``runs``); with a single run on a side it gets the stricter single-run
rule, and the output says that such a verdict cannot tell machine drift from
a code change.

Lockstep pairs. Cells timed by ``jwtbench ab`` in lockstep (``jwtbench.envs.lockstep``)
record their bursts in ``extra_info.lockstep``; base and head bursts of the
same round (pair id) were timed milliseconds apart on one CPU, so such a cell
is judged burst pair by burst pair (``jwtbench.analysis.stats.compare_paired``, mode
``paired``), which cancels the machine's drift instead of measuring it.

``render_terminal`` and ``render_markdown`` are pure; the ``compare`` verb
(``add_parser``) prints one, optionally writes the other, and exits 1 on a
regression so CI can gate on it.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwtbench.analysis.stats import (
    IMPROVEMENT,
    MIN_RUNS,
    MODE_FEW_RUNS,
    MODE_PAIRED,
    MODE_RUNS,
    NO_CHANGE,
    REGRESSION,
    TOO_FEW,
    CellComparison,
    compare_many_runs,
)
from jwtbench.model.results import Results, Row, load_results
from jwtbench.present.fmt import format_ci, format_p, format_ratio, format_seconds, md_cell

#: A cell's identity: its params as a sorted tuple of (name, value) pairs.
CellKey = tuple[tuple[str, str], ...]

#: Statuses that mean the library was asked and failed.
FAILED_STATUSES = frozenset({"invalid", "error"})
#: Params in display order (cells of every family).
PARAM_ORDER = ("adapter", "alg", "enc", "sig_alg", "op", "key_mode", "payload")
#: How a verdict sorts in tables: regressions first.
VERDICT_ORDER = {REGRESSION: 0, IMPROVEMENT: 1, NO_CHANGE: 2, TOO_FEW: 3}
FAIL_ON = ("regression", "never")


# -- cells and formatting ------------------------------------------------------


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


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# -- the comparison --------------------------------------------------------------


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
            _plural(counts[REGRESSION], "regression"),
            _plural(counts[IMPROVEMENT], "improvement"),
            f"{counts[NO_CHANGE]} without significant change",
        ]
        if counts[TOO_FEW]:
            parts.append(f"{counts[TOO_FEW]} with too few rounds")
        if self.broken:
            parts.append(_plural(len(self.broken), "cell") + " newly failing")
        if self.token_changes:
            parts.append(_plural(len(self.token_changes), "token size change"))
        if self.only_in_base or self.only_in_head:
            parts.append(
                f"{len(self.only_in_base)} only in base, {len(self.only_in_head)} only in head"
            )
        return f"{_plural(len(self.cells), 'cell')} compared: " + ", ".join(parts)


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


def split_runs(row: Row) -> list[tuple[float, ...]]:
    """A row's raw rounds cut into its runs (``extra_info.merged_runs``), empty runs dropped.

    A row without ``merged_runs`` is one run. ``merged_runs`` that do not add
    up to the rounds kept (a hand-edited file) also make one run: the
    single-run rule is the conservative reading.
    """
    sizes = row.extra_info.get("merged_runs")
    if (
        not isinstance(sizes, list)
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in sizes)
        or sum(sizes) != len(row.data)
    ):
        return [row.data] if row.data else []
    return [run for run in _cut(row.data, sizes) if run]


def _cut(data: tuple[float, ...], sizes: Sequence[int]) -> list[tuple[float, ...]]:
    """``data`` cut into consecutive pieces of ``sizes`` (which add up to its length)."""
    pieces, start = [], 0
    for size in sizes:
        pieces.append(data[start : start + size])
        start += size
    return pieces


def split_bursts(row: Row) -> list[tuple[str, list[tuple[float, ...]]]]:
    """A lockstep row's bursts: ``[(pair id, [burst rounds, ...]), ...]`` per round.

    Empty if the row was not timed in lockstep or its burst sizes do not add
    up to its rounds (then it is compared run by run).
    """
    entries = row.extra_info.get("lockstep")
    if not isinstance(entries, list):
        return []
    try:
        rounds = [(str(pair), [int(n) for n in sizes]) for pair, sizes in entries]
    except (TypeError, ValueError):
        return []
    if sum(sum(sizes) for _, sizes in rounds) != len(row.data) or any(
        n < 1 for _, sizes in rounds for n in sizes
    ):
        return []
    bursts = iter(_cut(row.data, [n for _, sizes in rounds for n in sizes]))
    return [(pair, [next(bursts) for _ in sizes]) for pair, sizes in rounds]


def paired_rounds(
    base: Sequence[tuple[str, list[tuple[float, ...]]]],
    head: Sequence[tuple[str, list[tuple[float, ...]]]],
) -> list[list[tuple[tuple[float, ...], tuple[float, ...]]]]:
    """Burst pairs of the lockstep rounds both sides took part in (same pair id)."""
    theirs = dict(head)
    return [
        list(zip(bursts, theirs[pair], strict=True))
        for pair, bursts in base
        if pair in theirs and len(theirs[pair]) == len(bursts)
    ]


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
) -> Comparison:
    """Compare ``head`` against ``base``: every cell measured in both, and what else differs.

    Each side is one results file or several (each one run, or the runs a
    merged file records); see the module docstring for how runs are judged.
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
    pairs = {k: (b.runs[k], h.runs[k]) for k in matched}
    lockstep = {k: paired_rounds(b.bursts.get(k, []), h.bursts.get(k, [])) for k in matched}
    verdicts = compare_many_runs(
        pairs,
        threshold=threshold,
        alpha=alpha,
        correction=correction,
        paired={k: rounds for k, rounds in lockstep.items() if rounds},
    )
    cmp.cells = [CellResult(k, b.params[k], verdicts[k]) for k in matched]

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


def _absent(side: _Side, key: CellKey) -> bool:
    """Not measured and not explained by a different status (a cell missing from the file)."""
    return not side.measured(key) and side.status.get(key, ("ok", ""))[0] == "ok"


def _name(results: Results, fallback: str) -> str:
    if results.path is not None:
        return str(results.path)
    return str(results.meta.get("label") or fallback)


def _provenance(results: Results) -> dict[str, Any]:
    prov = results.meta.get("provenance")
    return prov if isinstance(prov, dict) else {}


def provenance_warnings(base: Results, head: Results) -> list[str]:
    """Why absolute times may not carry over between the two files."""
    pb, ph = _provenance(base), _provenance(head)
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
    pb, ph = _provenance(base), _provenance(head)
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
        pf, po = _provenance(first), _provenance(other)
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


_RUN_TEST = "Welch t-test on log per-run medians, CI by two-level bootstrap (runs, then rounds)"
_PAIRED_TEST = (
    "Wilcoxon signed-rank on lockstep burst-pair ratios, CI by two-level bootstrap "
    "(rounds, then pairs)"
)
_SINGLE_RULE = "Mann-Whitney on the rounds, CI must clear 1 + threshold"


def method_line(cmp: Comparison) -> str:
    """Runs per side and which test judged the cells."""
    modes = cmp.modes()
    runs = f"runs per cell: base {cmp.runs('base')}, head {cmp.runs('head')}"
    if not modes:
        return runs
    names = {
        MODE_PAIRED: ("paired", _PAIRED_TEST),
        MODE_RUNS: ("run-level", _RUN_TEST),
        MODE_FEW_RUNS: ("single-run", _SINGLE_RULE),
    }
    if len(modes) == 1:
        [mode] = modes
        name, test = names.get(mode, (mode, ""))
        return f"{runs}; {name} {'rule' if mode == MODE_FEW_RUNS else 'test'} ({test})"
    parts = [
        f"{_plural(modes[mode], 'cell')} {names[mode][0]} ({names[mode][1]})"
        for mode in names
        if mode in modes
    ]
    return f"{runs}; " + ", ".join(parts)


def method_notes(cmp: Comparison) -> list[str]:
    """The caveat for cells judged on too few runs (a single run per side, typically)."""
    few = [c.stats for c in cmp.cells if c.stats.mode == MODE_FEW_RUNS]
    if not few:
        return []
    runs = max(min(s.base_runs, s.head_runs) for s in few)
    what = "a single run" if runs <= 1 else f"fewer than {MIN_RUNS} runs"
    which = "every cell" if len(few) == len(cmp.cells) else _plural(len(few), "cell")
    return [
        f"{what} on a side ({which}): a single-run comparison cannot separate machine "
        "drift from code changes (identical runs on a shared machine differ by tens of "
        "percent, up to ~3x), so a flag may be the machine even under the stricter "
        "single-run rule. For trustworthy verdicts use `jwtbench ab` (interleaved runs) "
        "or several runs per side (--base-extra FILE... --head-extra FILE...)"
    ]


# -- rendering -------------------------------------------------------------------


def _ci_header(alpha: float) -> str:
    return f"{(1 - alpha) * 100:g}% CI"


def _row(cell: CellResult, *, loud: bool) -> list[str]:
    s = cell.stats
    verdict = cell.verdict.upper() if loud and cell.verdict == REGRESSION else cell.verdict
    return [
        cell.label,
        format_seconds(s.base_median),
        format_seconds(s.head_median),
        format_ratio(s.ratio),
        format_ci(s.ci_low, s.ci_high),
        format_p(s.p_value),
        f"{s.base_runs}/{s.head_runs}",
        verdict,
    ]


def _aligned(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _table_header(cmp: Comparison) -> list[str]:
    return ["cell", "base", "head", "ratio", _ci_header(cmp.alpha), "p", "runs", "verdict"]


#: Right-aligned (numeric) columns of the cell table.
_RIGHT = {1, 2, 3, 5, 6}

_CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni"}


def _settings(cmp: Comparison) -> str:
    name = _CORRECTION_NAMES.get(cmp.correction, cmp.correction)
    adjusted = (
        "p-values not adjusted"
        if cmp.correction == "none"
        else f"p-values {name}-adjusted across cells"
    )
    return (
        f"threshold {cmp.threshold:.0%}, alpha {cmp.alpha:g}, {adjusted}; "
        "ratio = head/base median time"
    )


def render_terminal(cmp: Comparison) -> str:
    """An aligned plain-text table (regressions first) with findings and a summary."""
    lines = [f"base: {cmp.base_name}", f"head: {cmp.head_name}", _settings(cmp)]
    lines.append(method_line(cmp))
    lines += [f"note: {n}" for n in cmp.notes]
    lines += [f"warning: {w}" for w in cmp.warnings]
    if cmp.info:
        lines.append("versions differ: " + ", ".join(cmp.info))
    lines.append("")
    if cmp.cells:
        rows = [_row(c, loud=True) for c in cmp.ordered()]
        lines += _aligned(_table_header(cmp), rows, right=_RIGHT)
    for change in cmp.token_changes:
        lines.append(
            f"token size: {change.label}: {change.base_bytes} -> {change.head_bytes} bytes "
            f"({change.head_bytes - change.base_bytes:+d})"
        )
    for status in cmp.status_changes:
        mark = "BROKEN " if status.broken else ""
        why = f": {status.reason}" if status.reason else ""
        lines.append(
            f"{mark}status: {status.label}: {status.base_status} -> {status.head_status}{why}"
        )
    lines += [f"only in base: {cell_label(p)}" for p in cmp.only_in_base]
    lines += [f"only in head: {cell_label(p)}" for p in cmp.only_in_head]
    lines += ["", cmp.summary()]
    return "\n".join(lines) + "\n"


def md_table(header: Sequence[str], rows: Iterable[Sequence[str]], right: set[int]) -> str:
    """A GitHub-flavoured table; ``right`` are the right-aligned (numeric) columns."""
    align = ["---:" if i in right else "---" for i in range(len(header))]
    out = ["| " + " | ".join(md_cell(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


_MD_VERDICT = {
    REGRESSION: "🔴 **regression**",
    IMPROVEMENT: "🟢 improvement",
    NO_CHANGE: "no significant change",
    TOO_FEW: "too few rounds",
}


def render_markdown(cmp: Comparison) -> str:
    """GitHub-flavoured Markdown for ``$GITHUB_STEP_SUMMARY`` or a PR comment."""
    failing = cmp.has_regression()
    title = "❌ regression" if failing else "✅ no regression"
    out = [f"### jwtbench compare: {title}", "", f"**{cmp.summary()}**", ""]
    out += [f"base `{cmp.base_name}` → head `{cmp.head_name}`  ", f"{_settings(cmp)}  "]
    out += [method_line(cmp), ""]
    for note in cmp.notes:
        out += [f"> **Note:** {note}", ""]
    for warning in cmp.warnings:
        out += [f"> ⚠️ **Warning:** {warning}", ""]
    if cmp.info:
        out += ["Dependency versions that differ: " + ", ".join(f"`{v}`" for v in cmp.info), ""]

    header = _table_header(cmp)
    right = _RIGHT

    def md_row(cell: CellResult) -> list[str]:
        row = _row(cell, loud=False)
        row[-1] = _MD_VERDICT.get(cell.verdict, cell.verdict)
        return row

    ordered = cmp.ordered()
    changed = [c for c in ordered if c.verdict in (REGRESSION, IMPROVEMENT)]
    rest = [c for c in ordered if c.verdict not in (REGRESSION, IMPROVEMENT)]
    if changed:
        out += [md_table(header, [md_row(c) for c in changed], right), ""]
    elif cmp.cells:
        out += ["No cell changed significantly.", ""]
    if rest:
        out += [
            "<details><summary>"
            f"{_plural(len(rest), 'cell')} without a significant change</summary>",
            "",
            md_table(header, [md_row(c) for c in rest], right),
            "",
            "</details>",
            "",
        ]
    if cmp.token_changes:
        rows = [
            [c.label, str(c.base_bytes), str(c.head_bytes), f"{c.head_bytes - c.base_bytes:+d}"]
            for c in cmp.token_changes
        ]
        out += [
            "**Token size changed**",
            "",
            md_table(["cell", "base B", "head B", "Δ"], rows, {1, 2, 3}),
            "",
        ]
    if cmp.status_changes:
        rows = [
            [("❌ " if c.broken else "") + c.label, c.base_status, c.head_status, c.reason]
            for c in cmp.status_changes
        ]
        out += [
            "**Status changed**",
            "",
            md_table(["cell", "base", "head", "reason"], rows, set()),
            "",
        ]
    for side, cells in (("base", cmp.only_in_base), ("head", cmp.only_in_head)):
        if cells:
            listed = ", ".join(f"`{cell_label(p)}`" for p in cells)
            out += [f"**Only in {side}** ({len(cells)}): {listed}", ""]
    return "\n".join(out).rstrip() + "\n"


# -- command line ------------------------------------------------------------------


def threshold_arg(text: str) -> float:
    """argparse type: a relative threshold > 0 (``0.10`` = 10%)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"must be > 0 (0.10 means 10%), got {text}")
    return value


def alpha_arg(text: str) -> float:
    """argparse type: a significance level in (0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def add_verdict_options(parser: argparse.ArgumentParser) -> None:
    """--threshold, --alpha, --fail-on and --markdown (shared with ``ab``)."""
    parser.add_argument(
        "--threshold",
        type=threshold_arg,
        default=0.10,
        help="smallest slowdown that counts, relative (default 0.10 = 10%%)",
    )
    parser.add_argument(
        "--alpha", type=alpha_arg, default=0.01, help="significance level (default 0.01)"
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="regression",
        help="exit 1 on a regression (default) or never",
    )
    parser.add_argument("--markdown", metavar="OUT.md", help="also write a Markdown summary")


def report(cmp: Comparison, args: argparse.Namespace) -> int:
    """Print the table, write the Markdown if asked; the exit code per ``--fail-on``."""
    print(render_terminal(cmp), end="")
    if args.markdown:
        out = Path(args.markdown)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_markdown(cmp), encoding="utf-8")
        print(f"markdown: {out}")
    return 1 if args.fail_on == "regression" and cmp.has_regression() else 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare saved results files; exit 1 on a regression unless ``--fail-on never``."""
    base = [load_results(path) for path in [args.base, *(args.base_extra or [])]]
    head = [load_results(path) for path in [args.head, *(args.head_extra or [])]]
    cmp = compare_results(base, head, threshold=args.threshold, alpha=args.alpha)
    return report(cmp, args)


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench compare``."""
    parser = verbs.add_parser(
        "compare",
        help="compare two results files cell by cell (exit 1 on a regression)",
        description=(
            "Compare NEW against BASE cell by cell: a cell regresses when its median time "
            "grows by more than --threshold and the change is significant (p-values "
            "Holm-adjusted across cells, bootstrap CI of the ratio). Every results file is "
            "one run (a file merged by 'jwtbench ab' holds several). With two or more runs "
            "per side a cell is judged by how much its runs disagree (Welch t-test on "
            "per-run medians); with one run per side the comparison cannot separate "
            "machine drift from a code change and a stricter rule applies. Also reports "
            "token size and status changes and cells present on one side only."
        ),
        epilog=(
            "Several runs per side: jwtbench compare base1.json head1.json "
            "--base-extra base2.json base3.json --head-extra head2.json head3.json "
            "(or use 'jwtbench ab', which interleaves the runs)."
        ),
    )
    parser.add_argument("base", metavar="BASE.json", help="the reference results file")
    parser.add_argument("head", metavar="NEW.json", help="the results file to judge")
    parser.add_argument(
        "--base-extra",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="more runs of the reference (results files of the same selection), pooled with BASE",
    )
    parser.add_argument(
        "--head-extra",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="more runs of the head, pooled with NEW",
    )
    add_verdict_options(parser)
    parser.set_defaults(func=cmd_compare)
