"""``jwtbench run`` with groups timed together: one child per adapter, in lockstep.

Why: this VM's speed flips ~1.8x second to second, so cells timed at
different moments give ratios that carry the flips. The cells that differ
only by adapter form a group; here each group's members take turns in ~5 ms
bursts (ABC CBA), pinned to one CPU, so burst *i* of every member saw the
same machine speed and their ratio is paired.

How: this process is the coordinator (``jwtbench.envs.lockstep.Coordinator``,
N sides, cells grouped by dropping the adapter). It starts one
``python -m jwtbench.measure.member --adapters NAME`` child per adapter that
has a runnable cell (three for the floor: :data:`REPLICAS`; members may also
live in different virtualenvs: ``jwtbench.measure.isolate``); each
child gates and times its own cells under its ``LockstepTimer`` with
pytest-benchmark's ``pedantic`` bursts and writes its own results file. The
parent merges them into one file (tokens, gate verdicts and statuses all
come from the children) and adds the paired ratios
(``jwtbench.measure.paired``: ``extra_info.over_floor`` / ``over_limit``).
Ctrl-C or SIGTERM stops the children at their current cell; each writes
what it measured and the merged file is marked ``interrupted``.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_benchmark.plugin import pytest_benchmark_generate_machine_info

from jwtbench.envs import proc
from jwtbench.envs.lockstep import Coordinator, drop_side, replica_side, side_column
from jwtbench.measure.assemble import adapters_info, interop_grid, round_raw_data
from jwtbench.measure.matrix import PROFILES, MatrixError, build_matrix, skip_reason, why_empty
from jwtbench.measure.merge import merge_benchmarks
from jwtbench.measure.paired import add_paired_ratios
from jwtbench.measure.runner import (
    LineProgress,
    Progress,
    RunOutcome,
    check_output,
    count_line,
    interruptible,
)
from jwtbench.model.cell import Cell, CellKey, Status, cell_key
from jwtbench.model.records import CellRecord, Provenance, RunInfo, RunRecord, build_document
from jwtbench.model.results import load_results, now_iso, provenance, run_path, write_atomic
from jwtbench.model.selection import Selection

#: The paired-ratio fields and the adapter each is against (absent adapters: no field).
REFERENCES: Mapping[str, str] = {"over_floor": "floor", "over_limit": "limit"}


#: Processes a reference column is timed in within one set, all in its groups.
#: Why: every library's x over floor divides by the floor's burst time, so the
#: floor process's own offset (memory layout, hash seed: ``jwtbench.measure.waves``)
#: moves every ratio of a run at once. Measured here, one quick run of three
#: back to back: the floor process alone ran 4.4% slow on HS* and 3.1% on RS*
#: (every other adapter's fastest round within 1% of the other runs), and
#: only 67.5% of x over floor agreed within 5% with the others, against 98.9%
#: between the other two. With three floor processes a round's floor time is
#: their median (``jwtbench.measure.paired.burst_map``), so one process off
#: moves nothing (with them, 270 of 270 agreed within 5% between two runs).
#: The limit divides only x over limit, which agreed within 5% in 99% of the
#: 298 prepared JWS cells between the same runs with one limit process.
REPLICAS: Mapping[str, int] = {"floor": 3}


def members_of(cells: Sequence[Cell]) -> list[str]:
    """Adapters with at least one runnable cell, in matrix order."""
    return list(dict.fromkeys(c.adapter for c in cells if skip_reason(c) is None))


def replicated(columns: Sequence[str]) -> list[str]:
    """The lockstep sides of ``columns``: one each, and a reference's replicas spread evenly.

    Replicas are named ``COLUMN#2``, ``COLUMN#3`` (``jwtbench.envs.lockstep.replica_side``)
    and placed a third (a half...) of the turn order apart, so they do not run
    back to back in every round.
    """
    n = len(columns)
    placed: list[tuple[float, str]] = []
    for index, column in enumerate(columns):
        placed.append((index, column))
        copies = REPLICAS.get(column.partition("@")[0], 1)
        for replica in range(2, copies + 1):
            at = (index + (replica - 1) * n / copies) % n
            placed.append((math.floor(at) + replica / (copies + 1), replica_side(column, replica)))
    return [side for _, side in sorted(placed)]


def child_command(
    profile: str, selection: Selection, adapter: str, output: Path, label: str,
    slowdown: tuple[str, float] | None, *, machine_info: Path | None = None,
) -> list[str]:  # fmt: skip
    """One member's run (``jwtbench.measure.member``): its adapter only, no report, no grid."""
    cmd = [sys.executable, "-m", "jwtbench.measure.member"]
    cmd += ["--output", str(output), "--profile", profile, "--label", label]
    if machine_info is not None:
        cmd += ["--machine-info", str(machine_info)]
    cmd += selection.replace(adapters=(adapter,)).as_options()
    if slowdown and slowdown[0] == adapter:
        cmd.append(f"--inject-slowdown={slowdown[0]}={slowdown[1]}")
    return cmd


def run_grouped(
    profile_name: str = "quick",
    selection: Selection | None = None,
    *,
    label: str | None = None,
    results_dir: Path = Path("results"),
    output: Path | None = None,
    progress: Progress | None = None,
    interop: bool = True,
    slowdown: tuple[str, float] | None = None,
    bursts: int | None = None,
    visits: int = 1,
) -> RunOutcome:
    """Measure the selection group by group in lockstep children; write one results file.

    ``bursts``: bursts per cell and visit (default: the profile's); ``visits``:
    passes each child makes over its cells (``jwtbench.envs.lockstep``).
    """
    profile = PROFILES[profile_name]
    bursts = bursts or profile.bursts
    selection = selection or Selection()
    cells = build_matrix(profile, selection)
    if not cells:
        raise MatrixError(why_empty(profile, selection))
    path = output or run_path(results_dir, label or profile.name)
    check_output(path)
    shown = progress or LineProgress()
    members = members_of(cells)
    sides = replicated(members)
    runnable = sum(1 for c in cells if skip_reason(c) is None)
    pair = uuid.uuid4().hex[:12]
    started_iso, started = now_iso(), time.perf_counter()
    docs: dict[str, dict[str, Any]] = {}
    codes: dict[str, int] = {}
    interrupted = False
    with interruptible() as stop, tempfile.TemporaryDirectory(prefix="jwtbench-groups-") as tmp:
        folder = Path(tmp)
        outputs = {side: folder / f"{side}.json" for side in sides}
        machine = folder / "machine_info.json"  # py-cpuinfo once, not once per member
        info = pytest_benchmark_generate_machine_info()  # type: ignore[no-untyped-call]
        machine.write_text(json.dumps(info), "utf-8")
        commands = {
            side: child_command(
                profile.name, selection, side_column(side), outputs[side],
                label or profile.name, slowdown, machine_info=machine,
            )
            for side in sides
        }  # fmt: skip
        spread = f"{bursts} bursts per cell" if visits == 1 else f"{visits} visits x {bursts}"
        steps = runnable * visits  # progress counts cells, not replicas' turns
        shown.begin(
            f"jwtbench {profile.name}: {len(cells)} cells, {len(members)} adapters timed "
            f"together in {len(sides)} processes ({spread}) -> {path}",
            steps,
        )
        done = [0]

        def on_cell(side: str, cell: str, index: int, total: int) -> None:
            if side != side_column(side):
                return
            done[0] += 1
            elapsed = time.perf_counter() - started
            shown.cell(f"[{done[0]:>4}/{steps}] {elapsed:6.1f}s  {cell}", drop_side(side, cell))

        coordinator = Coordinator(
            commands,
            {side: proc.child_environ() for side in sides},
            cwd=folder,
            pair=pair,
            bursts=bursts,
            visits=visits,
            group=drop_side,
            on_cell=on_cell,
        )
        try:
            with stop.arming():
                codes = coordinator.run()
        except KeyboardInterrupt:
            interrupted = True
            codes = {s: c.proc.wait() for s, c in coordinator.children.items()}
        finally:
            shown.end()
        for side, out in outputs.items():
            if out.exists():
                docs[side] = load_results(out).raw
        logs = {a: proc.log_tail(c.log, 3) for a, c in coordinator.children.items()}
    interrupted = interrupted or stop.signum is not None
    interrupted = interrupted or any(d["jwtbench"].get("interrupted") for d in docs.values())
    records = _cells(cells, docs, codes, logs, interrupted)
    ok = {cell_key(r.params) for r in records if r.status is Status.OK}
    benches = _benchmarks(cells, docs, ok)
    add_paired_ratios(benches, REFERENCES)
    round_raw_data(benches)
    grid: list[dict[str, Any]] = []
    if interop and not interrupted:
        with stop.arming():
            grid = interop_grid(cells, shown.note)
    seconds = time.perf_counter() - started
    record = RunRecord(
        run=RunInfo(
            label=label or profile.name,
            profile=profile.name,
            selection=selection.to_json(),
            started=started_iso,
            finished=now_iso(),
            seconds=round(seconds, 2),
            # the visits the children reached (each child's file counts its own)
            passes=max((int(d["jwtbench"].get("passes", 1)) for d in docs.values()), default=0),
            interrupted=interrupted,
        ),
        adapters=adapters_info(cells),
        cells=records,
        provenance=Provenance.from_dict(provenance(), "this machine"),
        interop=tuple(grid),
        groups={
            "pair": pair,
            "bursts": bursts * visits,
            "visits": visits,
            "members": members,
            "replicas": {a: REPLICAS[a] for a in members if a in REPLICAS},
            "cpu": coordinator.cpu,
        },
    )
    first = next(iter(docs.values()), None)
    write_atomic(path, build_document(record, benches, first))
    load_results(path)  # never leave a file the loader would refuse
    counts = record.status_counts()
    ended = "interrupted" if interrupted else "done"
    shown.note(f"{ended} in {seconds:.1f}s: {len(cells)} cells, {count_line(counts)}")
    failed = any(code not in (0, 130, 143) for code in codes.values())
    return RunOutcome(path, counts, interrupted, seconds, 1 if failed else 0, stop.signum)


def _cells(
    cells: Sequence[Cell],
    docs: Mapping[str, Mapping[str, Any]],
    codes: Mapping[str, int],
    logs: Mapping[str, str],
    interrupted: bool,
    skip: Callable[[Cell], tuple[Status, str] | None] = skip_reason,
) -> tuple[CellRecord, ...]:
    """Every matrix cell's status: from its child's file, its skip reason, or why not.

    ``skip``: why a cell cannot run (here: the adapter's declared capabilities; an
    isolated run asks each member's own env).
    """
    seen: dict[CellKey, CellRecord] = {}
    for doc in docs.values():
        for record in RunRecord.from_dict(doc["jwtbench"], "child run").cells:
            seen[cell_key(record.params)] = record
    out = []
    for cell in cells:
        skipped = skip(cell)
        known = seen.get(cell_key(cell.params))
        if known is not None:
            out.append(known)
        elif skipped is not None:
            out.append(CellRecord(cell.params, skipped[0], skipped[1]))
        elif interrupted:
            out.append(CellRecord(cell.params, Status.NOT_RUN, "run interrupted"))
        else:
            code = codes.get(cell.adapter)
            why = logs.get(cell.adapter, "").strip().splitlines()[-1:] or [""]
            out.append(
                CellRecord(
                    cell.params, Status.ERROR, f"its run failed (exit {code}): {why[0].strip()}"
                )
            )
    return tuple(out)


def _benchmarks(
    cells: Sequence[Cell], docs: Mapping[str, Mapping[str, Any]], ok: set[CellKey]
) -> list[dict[str, Any]]:
    """The children's benchmark entries of ``ok`` cells, in matrix order.

    A replicated reference's entries (one per replica, ``REPLICAS``) are merged
    into one: rounds concatenated, ``extra_info.merged_runs`` one per replica,
    and ``extra_info.lockstep`` holding each replica's bursts under the same
    pair ids, which ``jwtbench.measure.paired.burst_map`` takes the median of.
    """
    entries: dict[CellKey, list[dict[str, Any]]] = {}
    for doc in docs.values():
        for bench in doc.get("benchmarks", []):
            entries.setdefault(cell_key(bench["params"]), []).append(dict(bench))
    keys = [cell_key(c.params) for c in cells]
    return [_one(entries[k]) for k in keys if k in entries and k in ok]


def _one(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One cell's entry from its replicas' (a single entry as it is)."""
    return entries[0] if len(entries) == 1 else merge_benchmarks([[e] for e in entries])[0]
