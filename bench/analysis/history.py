"""How a cell's speed moved across the saved runs of one machine.

``jwtbench history`` lists the runs under ``results/<machine-id>/`` (oldest
first; a file it cannot read is named in a warning and skipped, the others are
used), then for every measured cell matching the filters gives its median per
run with each step judged against the cell's previous run.

One rule: a step is judged by ``jwtbench.analysis.compare.compare_results`` on
the two whole results files, exactly what ``jwtbench compare PREVIOUS THIS``
would say (runs kept apart, p-values adjusted across every cell of the files,
not only the filtered ones). Pooling a file's rounds as if they were
independent samples flags machine drift as change: two identical runs 10 s
apart got 9 flags that way.

Only one machine's runs are compared: absolute times do not carry over
between machines. Rendering is ``jwtbench.present.history``.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jwtbench.analysis.compare import Comparison, compare_results, measured_rows
from jwtbench.analysis.stats import REGRESSION, CellComparison
from jwtbench.model.cell import CellKey
from jwtbench.model.results import Results, ResultsError, Row, list_runs, load_results

_STAMP = re.compile(r"^(\d{8}T\d{6}Z)_")
Warn = Callable[[str], None]


def _warn(message: str) -> None:
    print(f"jwtbench: warning: {message}", file=sys.stderr)


@dataclass(frozen=True)
class Run:
    """One saved, readable run."""

    path: Path
    results: Results
    when: dt.datetime  # when it started (UTC)

    @property
    def label(self) -> str:
        return str(self.results.meta.get("label") or "")


@dataclass(frozen=True)
class Point:
    """A cell's number in one run, and how it compares to its previous run."""

    run: Run
    row: Row
    step: CellComparison | None  # None for the cell's first run


def run_time(results: Results, path: Path) -> dt.datetime:
    """The run's start: ``jwtbench.started``, else the file name's stamp, else its mtime."""
    started = results.meta.get("started")
    if isinstance(started, str):
        try:
            when = dt.datetime.fromisoformat(started)
            return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
        except ValueError:
            pass
    match = _STAMP.match(path.name)
    if match:
        return dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(
            tzinfo=dt.timezone.utc
        )
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc)


def load_runs(
    results_dir: Path,
    machine: str,
    *,
    labels: Sequence[str] | None = None,
    warn: Warn = _warn,
) -> list[Run]:
    """The readable runs of ``machine``, oldest first; unreadable files are warned about."""
    folder = results_dir / machine
    paths = [p for p in list_runs(results_dir) if p.parent.name == machine]
    if not paths:
        machines = sorted({p.parent.name for p in list_runs(results_dir)})
        known = f"; runs exist for: {', '.join(machines)}" if machines else ""
        raise ResultsError(f"{folder}: no saved runs{known}")
    runs = []
    for path in paths:
        try:
            results = load_results(path)
        except ResultsError as exc:
            warn(f"skipping {exc}")
            continue
        run = Run(path, results, run_time(results, path))
        if labels and run.label not in labels:
            continue
        runs.append(run)
    return sorted(runs, key=lambda r: (r.when, r.path.name))


def matches(params: Mapping[str, str], filters: Mapping[str, Sequence[str]]) -> bool:
    """Every filter with values names this cell's value of that param."""
    return all(params.get(name) in values for name, values in filters.items() if values)


def cell_histories(
    runs: Sequence[Run],
    filters: Mapping[str, Sequence[str]],
    *,
    threshold: float = 0.10,
    alpha: float = 0.01,
) -> dict[CellKey, list[Point]]:
    """Per matching cell (in first-seen order), its points, each compared to the previous.

    A step is the cell's verdict in ``compare_results(previous run, this run)``
    (the run where the cell was last measured), computed once per pair of files.
    """
    out: dict[CellKey, list[Point]] = {}
    last: dict[CellKey, int] = {}  # index of the run where each cell was last measured
    steps: dict[tuple[int, int], dict[CellKey, CellComparison]] = {}
    for index, run in enumerate(runs):
        for key, row in measured_rows(run.results).items():
            if not matches(row.params, filters):
                continue
            step = None
            if key in last:
                pair = (last[key], index)
                if pair not in steps:
                    cmp = step_comparison(runs[pair[0]], run, threshold=threshold, alpha=alpha)
                    steps[pair] = {cell.key: cell.stats for cell in cmp.cells}
                step = steps[pair].get(key)
            out.setdefault(key, []).append(Point(run, row, step))
            last[key] = index
    return out


def step_comparison(
    previous: Run, run: Run, *, threshold: float = 0.10, alpha: float = 0.01
) -> Comparison:
    """What ``jwtbench compare PREVIOUS RUN`` finds: the one rule for a step."""
    return compare_results(previous.results, run.results, threshold=threshold, alpha=alpha)


def regressed(point: Point) -> bool:
    """The step into this point was judged a regression."""
    return point.step is not None and point.step.verdict == REGRESSION
