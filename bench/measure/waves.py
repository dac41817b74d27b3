"""A grouped run: its visits to every cell, and optionally several sets of processes.

Visits first (``Profile.visits``; ``jwtbench.envs.lockstep``): a library's ratio
to the floor moves with the machine's state over seconds, and a cell's bursts
timed in one go all fall within a fraction of a second, one sample of it. So
each set of processes walks the matrix ``visits`` times, a share of each
cell's bursts per visit. Measured here (two quick runs back to back, 270
prepared JWS library cells): 1 set x 10 visits of 1 burst, 96% of x over floor
agreed within 5% in 130 s; 2 sets x 5 visits, 90% in 165-180 s; 2 sets x 5
bursts in one visit, 69%. The quick and full profiles use one set.

Why sets: pairing cancels the machine's moment-to-moment speed, but not what a
process carries for its whole life. Measured here, before bursts were timed
by their fastest round and before visits (floor, pyjwt and the limit,
HS256 and RS256, six identical grouped runs): pyjwt's HS256 verify read 3.53x
[3.47, 3.69] over the floor in one run and 4.67x [4.48, 4.78] in another, and
the floor's RS256 sign read 1.32x the bare primitive in one run and 1.02-1.07x
in the other five. Each interval was a few percent wide; the runs disagreed by
up to ~30%. Memory layout, the hash seed and where the allocator put a key
differ per process (pyperf spreads every benchmark over many worker processes
for the same reason).

How (``--processes``): ``processes`` sets of fresh children each time every
cell (``jwtbench.measure.groups.run_grouped``) with the bursts split between them;
the sets are merged cell by cell (``jwtbench.measure.merge.merge_rounds``, as
``jwtbench ab`` merges its rounds) and every paired ratio is recomputed with a
two-level bootstrap that resamples whole processes, then bursts
(``jwtbench.measure.paired.summarise_processes``), so the interval shows how
much the processes disagree. Ctrl-C or SIGTERM keeps the sets measured so far.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jwtbench.measure.groups import REFERENCES, run_grouped
from jwtbench.measure.matrix import (
    PROFILES,
    MatrixError,
    Profile,
    build_matrix,
    skip_reason,
    why_empty,
)
from jwtbench.measure.merge import merge_rounds
from jwtbench.measure.paired import add_paired_ratios
from jwtbench.measure.runner import LineProgress, Progress, RunOutcome, check_output, interruptible
from jwtbench.model.cell import Cell, Status
from jwtbench.model.records import RunRecord
from jwtbench.model.results import load_results, run_path, write_atomic
from jwtbench.model.selection import Selection


def split_bursts(bursts: int, processes: int, visits: int = 1) -> int:
    """Bursts per cell and visit for each set of processes.

    At least 3 per set, so each set has a median: with ``visits`` > 1 the set's
    bursts are spread over its visits (at least 1 each).
    """
    per_set = max(3, math.ceil(bursts / processes))
    return max(1, math.ceil(per_set / visits))


#: A selection of at most this many runnable cells is timed in (at least)
#: SMALL_RUN_PROCESSES sets of processes by default. Why: one set's process
#: carries its own offset, which pairing cannot see, and a small run is cheap
#: to repeat. Measured here, ten slowdown trials (two runs of 56 cells each,
#: pyjwt 10% slower in the second; ``tools/slowdown_trials.py``): one set
#: flagged every slowed cell in 6-9 trials with 6-9 false alarms in 320 other
#: cells, mostly a whole group at once whose floor process ran off; three
#: sets, every slowed cell in 10 of 10 trials and no false alarm, at ~55 s a
#: run instead of ~20 s. The quick matrix (764 cells) would take ~6.5 min.
#: Since the floor runs in three processes (``groups.REPLICAS``), in a noisy
#: spell one set gave 9 of 10 and no false alarm, three sets 9 of 10 and 4
#: (single cells that moved 6-13% in all three sets of one run alike: the
#: machine's state, not a process); in a calm hour three sets gave 10 of 10 and
#: none. The library processes still carry their own offsets, so three stay.
SMALL_RUN_CELLS = 150
SMALL_RUN_PROCESSES = 3


def default_processes(profile: Profile, cells: Sequence[Cell]) -> int:
    """Sets of processes when none are asked for: more for a small selection (see above)."""
    runnable = sum(1 for cell in cells if skip_reason(cell) is None)
    if runnable <= SMALL_RUN_CELLS:
        return max(profile.processes, SMALL_RUN_PROCESSES)
    return profile.processes


def run_waves(
    profile_name: str = "quick",
    selection: Selection | None = None,
    *,
    processes: int | None = None,
    visits: int | None = None,
    label: str | None = None,
    results_dir: Path = Path("results"),
    output: Path | None = None,
    progress: Progress | None = None,
    interop: bool = True,
    slowdown: tuple[str, float] | None = None,
) -> RunOutcome:
    """Time the selection in ``processes`` sets of lockstep children; write one results file.

    ``processes``: :func:`default_processes` unless given (``--processes``);
    ``visits``: the profile's unless given (``--visits``).
    """
    profile = PROFILES[profile_name]
    cells = build_matrix(profile, selection or Selection())
    sets = processes or default_processes(profile, cells)
    visits = visits or profile.visits
    common: dict[str, Any] = {"progress": progress, "slowdown": slowdown, "visits": visits}
    if sets <= 1:
        return run_grouped(
            profile_name, selection, label=label, results_dir=results_dir, output=output,
            interop=interop, bursts=split_bursts(profile.bursts, 1, visits), **common,
        )  # fmt: skip
    if not cells:
        raise MatrixError(why_empty(profile, selection or Selection()))
    path = output or run_path(results_dir, label or profile.name)
    check_output(path)
    shown = progress or LineProgress()
    bursts = split_bursts(profile.bursts, sets, visits)
    spread = f"{bursts} bursts per cell" if visits == 1 else f"{visits} visits x {bursts} bursts"
    docs: list[dict[str, Any]] = []
    outcome: RunOutcome | None = None
    with interruptible() as stop, tempfile.TemporaryDirectory(prefix="jwtbench-waves-") as tmp:
        for index in range(sets):
            shown.note(f"set {index + 1}/{sets} of fresh processes ({spread} per cell)")
            try:
                outcome = run_grouped(
                    profile_name, selection, label=label, output=Path(tmp) / f"set{index}.json",
                    interop=interop and index == sets - 1, bursts=bursts, **common,
                )  # fmt: skip
            except KeyboardInterrupt:  # between two sets: keep the sets already measured
                break
            docs.append(load_results(outcome.path).raw)
            if outcome.interrupted or stop.signum is not None:
                break
    if not docs:
        raise KeyboardInterrupt
    doc = _merged(docs, label or profile.name, sets)
    write_atomic(path, doc)
    load_results(path)  # never leave a file the loader would refuse
    info = doc["jwtbench"]
    counts = RunRecord.from_dict(info, "merged run").status_counts()
    interrupted = bool(info["interrupted"])
    signum = stop.signum or (outcome.signum if outcome else None)
    code = max((outcome.exit_code if outcome else 0), 0)
    return RunOutcome(path, counts, interrupted, float(info["seconds"]), code, signum)


def _reached_only(docs: list[dict[str, Any]]) -> None:
    """A set cut off by Ctrl-C: its cells never reached keep the earlier sets' record.

    Without this, merging would mark them ``not run`` and drop what the earlier,
    complete sets measured.
    """
    first = {_key(c["params"]): c for c in docs[0]["jwtbench"]["cells"]}
    for doc in docs[1:]:
        doc["jwtbench"]["cells"] = [
            first.get(_key(c["params"]), c) if c["status"] == Status.NOT_RUN.value else c
            for c in doc["jwtbench"]["cells"]
        ]


def _key(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(params.items()))


def _merged(docs: list[dict[str, Any]], label: str, sets: int) -> dict[str, Any]:
    """The sets merged cell by cell, paired ratios recomputed over all of them."""
    _reached_only(docs)
    doc = merge_rounds(docs, label=label)
    info = doc["jwtbench"]
    ok = {Status.OK.value}
    # a cell not ok in some set keeps that set's status and no number
    keep = {_key(c["params"]) for c in info["cells"] if c["status"] in ok}
    doc["benchmarks"] = [b for b in doc["benchmarks"] if _key(b["params"]) in keep]
    for bench in doc["benchmarks"]:
        for field in REFERENCES:
            bench.get("extra_info", {}).pop(field, None)
    add_paired_ratios(doc["benchmarks"], REFERENCES)
    groups = [d["jwtbench"].get("groups") or {} for d in docs]
    info["groups"] = dict(groups[0], pair=[g.get("pair") for g in groups], processes=len(docs))
    info["interop"] = docs[-1]["jwtbench"].get("interop", [])
    info["interrupted"] = bool(info["interrupted"]) or len(docs) < sets
    info["passes"] = sum(int(d["jwtbench"].get("passes", 1)) for d in docs)
    return doc
