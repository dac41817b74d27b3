"""A results row's raw rounds cut back into the runs (and lockstep bursts) they came from.

Rounds timed in one go share the machine's state of that moment (a shared VM's
speed swings by tens of percent between seconds), so they are not independent
samples of the code's speed. A results file records how many raw rounds each
run contributed to ``stats.data`` in ``extra_info.merged_runs`` (every pass of
a ``jwtbench run`` is one, and so is every round merged by ``jwtbench ab``,
``jwtbench.measure.merge``); a row without it is one run. Cells timed in
lockstep record their bursts in ``extra_info.lockstep`` (pair id and burst
sizes per round, ``jwtbench.envs.lockstep``).
"""

from __future__ import annotations

from collections.abc import Sequence

from jwtbench.model.results import Row


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
