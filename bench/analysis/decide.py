"""What to pick, computed as records: the presentation layer only renders them.

A ``Pick`` scores every library over a set of cells (a JWS family's algorithms
in one op, key mode and payload; or the JWE pairs / nested combinations every
library measured) by the geometric mean of *x slower than the fastest
library*, and says who wins, who follows, by how much, and whether that is a
tie. With paired ratios (a run that timed each group interleaved) a tie is the
same rule as the report's tables: the runner-up's interval (the geometric mean
of its paired x over floor over the pick's cells, ``intervals.geomean_interval``)
overlaps the winner's. Without them (an older run) a tie is a gap under ``TIE``.
A pick made from an interrupted run carries a caveat: cells cut off before they
were measured may hide a library's slow cells, so the pick is provisional
(``Decisions.caveats`` says so for the run; ``Pick.caveats`` counts the
``not run`` cells behind each pick).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from jwtbench.analysis.intervals import Interval, geomean_interval
from jwtbench.analysis.views import (
    FLOOR,
    Group,
    JweCell,
    JweView,
    JwsCell,
    JwsView,
    geomean,
)
from jwtbench.model.cell import Status

#: Without paired intervals, two libraries closer than this (ratio of geometric means) tie.
TIE = 1.10
#: The scope of the pick over the algorithms every library measured.
COMMON = "common"


@dataclass(frozen=True)
class Score:
    """A library's geometric mean of x slower than the fastest, over ``count`` cells."""

    library: str
    score: float
    count: int
    #: Geometric mean of its paired x over floor over the same cells, with its 95%
    #: interval; None when the run stored no paired ratios.
    over_floor: Interval | None = None


@dataclass(frozen=True)
class Pick:
    """The winner of one comparison, with the figures behind it."""

    group: Group
    scope: str  # a family (``HS``), ``COMMON``, or a JWE scope (``pairs``, ``combinations``)
    scores: tuple[Score, ...]  # best first
    tie: bool  # paired: the intervals overlap; else the runner-up is within ``TIE``
    gap: float | None  # runner-up score / pick score
    caveats: tuple[str, ...] = ()
    common: int = 0  # JWE: how many pairs (combinations) every library measured
    paired: bool = False  # the tie was called on paired intervals

    @property
    def pick(self) -> str | None:
        return self.scores[0].library if self.scores else None

    @property
    def runners_up(self) -> tuple[Score, ...]:
        return self.scores[1:]


@dataclass(frozen=True)
class PickRow:
    """One row of the JWS table: a pick per family, and one over the common algorithms."""

    group: Group
    families: tuple[Pick, ...]
    common: Pick


@dataclass(frozen=True)
class Coverage:
    library: str
    missing: tuple[str, ...]  # algorithms without a usable number in any group


@dataclass(frozen=True)
class RawCost:
    """The floor's raw / prepared median time per family (largest first)."""

    op: str
    payload: str
    costs: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Decisions:
    """Everything "what to pick" says, for the JWS and the JWE families."""

    families: tuple[str, ...]
    rows: tuple[PickRow, ...]
    overall: tuple[Pick, ...]  # per group, over every algorithm each library ran
    coverage: tuple[Coverage, ...]
    raw_costs: tuple[RawCost, ...]
    jwe: tuple[Pick, ...]
    caveats: tuple[str, ...]  # about the run: every pick above is subject to them
    algs: int  # how many JWS algorithms the run has
    #: Pure-Python libraries faster than the floor beyond their interval (a finding).
    below_floor: tuple[BelowFloor, ...] = ()
    paired: bool = False  # the run stored paired ratios (ties called on intervals)


@dataclass(frozen=True)
class BelowFloor:
    """A library cell whose paired x over floor is below 1.0x beyond its 95% interval.

    The floor is the same work and checks in straight-line Python over the same
    ``cryptography`` calls: a pure-Python library cannot really do less, so it
    either skips work the floor does or the floor is not lean; the report says so.
    """

    cell: JwsCell
    over_floor: Interval


def below_floor(view: JwsView) -> tuple[BelowFloor, ...]:
    """The pure-Python library cells whose whole paired interval is below 1.0x."""
    found = []
    for cell in sorted(view.timed(), key=view.sort_key):
        interval = view.over_floor_interval(cell)
        if interval and interval.high < 1.0 and view.pure_python(cell.adapter):
            found.append(BelowFloor(cell, interval))
    return tuple(found)


def _pick(group: Group, scope: str, scores: list[Score], caveats: tuple[str, ...]) -> Pick:
    ranked = tuple(sorted(scores, key=lambda s: s.score))
    gap = ranked[1].score / ranked[0].score if len(ranked) > 1 else None
    first, second = (ranked[0].over_floor, ranked[1].over_floor) if gap else (None, None)
    if first is not None and second is not None:
        return Pick(group, scope, ranked, first.overlaps(second), gap, caveats, paired=True)
    return Pick(group, scope, ranked, gap is not None and gap < TIE, gap, caveats)


def _score(library: str, ratios: list[float], intervals: list[Interval | None]) -> Score:
    """The geometric means of ``ratios`` and (all present: paired) of ``intervals``."""
    paired = [i for i in intervals if i is not None]
    both = geomean_interval(paired) if paired and len(paired) == len(intervals) else None
    return Score(library, geomean(ratios), len(ratios), both)


def _not_run(statuses: Iterable[str | None]) -> tuple[str, ...]:
    """The caveat of a pick made over cells with these statuses, when some never ran."""
    count = sum(1 for status in statuses if status == Status.NOT_RUN)
    if not count:
        return ()
    return (f"{count} cell not run" if count == 1 else f"{count} cells not run",)


def _jws_pick(view: JwsView, group: Group, scope: str, algs: Sequence[str]) -> Pick:
    scores = []
    for library in view.libraries:
        cells = [c for alg in algs if view.over_fastest(c := group.cell(library, alg))]
        ratios = [r for c in cells if (r := view.over_fastest(c))]
        if ratios:
            scores.append(_score(library, ratios, [view.over_floor_interval(c) for c in cells]))
    statuses = (view.status(group.cell(a, alg)) for a in view.adapters for alg in algs)
    return _pick(group, scope, scores, _not_run(statuses))


def common_algs(view: JwsView, group: Group) -> list[str]:
    """The algorithms every library measured in ``group`` has a number for (else all)."""
    timed = {lib: {a for a in view.algs if view.row(group.cell(lib, a))} for lib in view.libraries}
    measured = [algs for algs in timed.values() if algs]
    common = set.intersection(*measured) if measured else set()
    return [alg for alg in view.algs if alg in common] or list(view.algs)


def _coverage(view: JwsView) -> tuple[Coverage, ...]:
    found = []
    for library in view.libraries:
        missing = tuple(
            alg for alg in view.algs if not any(view.row(g.cell(library, alg)) for g in view.groups)
        )
        if missing:
            found.append(Coverage(library, missing))
    return tuple(found)


def _raw_cost(view: JwsView, algs: Sequence[str], op: str, payload: str) -> float | None:
    """Geometric mean over ``algs`` of the floor's raw / prepared median time."""
    ratios = []
    for alg in algs:
        raw = view.row(JwsCell(FLOOR, alg, op, "raw", payload))
        prepared = view.row(JwsCell(FLOOR, alg, op, "prepared", payload))
        if raw and prepared and prepared.median > 0:
            ratios.append(raw.median / prepared.median)
    return geomean(ratios) if ratios else None


def _raw_costs(view: JwsView) -> tuple[RawCost, ...]:
    """How much slower the floor is when it parses the key on every call, per op and family."""
    if not {"prepared", "raw"} <= set(view.key_modes):
        return ()
    found = []
    for payload in view.payloads:
        for op in view.ops:
            costs = [
                (fam, cost)
                for fam, algs in view.families.items()
                if (cost := _raw_cost(view, algs, op, payload))
            ]
            if costs:
                ranked = tuple(sorted(costs, key=lambda item: -item[1]))
                found.append(RawCost(op, payload, ranked))
    return tuple(found)


# -- JWE ----------------------------------------------------------------------------
def _jwe_keys(jwe: JweView, nested: bool) -> list[tuple[str, str, str]]:
    """(alg, enc, sig_alg) of every pair (or nested combination)."""
    if not nested:
        return [(p.alg, p.enc, "") for p in jwe.pairs]
    return [(c.alg, enc, c.sig_alg) for c in jwe.combos for enc in jwe.nested_encs]


def _jwe_pick(jwe: JweView, group: Group, nested: bool) -> Pick | None:
    """Over the pairs (combinations) every library with a number for the op measured."""
    keys = _jwe_keys(jwe, nested)
    timed = {
        lib: {k for k in keys if jwe.row(JweCell.at(group, lib, k[0], k[1], k[2]))}
        for lib in jwe.libraries
    }
    measured = [ks for ks in timed.values() if ks]
    common = set.intersection(*measured) if measured else set()
    scores = []
    for lib, own in timed.items():
        cells = [
            c for k in keys if k in common and jwe.over_fastest(c := JweCell.at(group, lib, *k))
        ]
        ratios = [r for c in cells if (r := jwe.over_fastest(c))]
        if own and ratios:
            scores.append(_score(lib, ratios, [jwe.over_floor_interval(c) for c in cells]))
    if not scores:
        return None
    statuses = (jwe.status(JweCell.at(group, a, *k)) for a in jwe.adapters for k in keys)
    pick = _pick(group, "combinations" if nested else "pairs", scores, _not_run(statuses))
    return dataclasses.replace(pick, common=len(common))


def _jwe_picks(jwe: JweView) -> tuple[Pick, ...]:
    picks = []
    for nested in (False, True):
        for group in jwe.groups(nested):
            pick = _jwe_pick(jwe, group, nested)
            if pick is not None:
                picks.append(pick)
    return tuple(picks)


# -- the decisions ---------------------------------------------------------------
def _run_caveats(jws: JwsView, jwe: JweView, interrupted: bool) -> tuple[str, ...]:
    not_run = len(jws.not_run()) + len(jwe.not_run())
    if not interrupted and not not_run:
        return ()
    return (
        f"the run was interrupted: {not_run:,} cells were never measured (`not run`), so "
        "every pick is provisional: a library can rank higher only because its slower "
        "cells were cut off",
    )


def decide(jws: JwsView, jwe: JweView, interrupted: bool = False) -> Decisions:
    """The picks of a run; ``interrupted`` is the results file's ``jwtbench.interrupted``."""
    families = jws.families
    groups = jws.groups if jws.libraries else []  # the floor alone: no pick to make
    rows = tuple(
        PickRow(
            group,
            tuple(_jws_pick(jws, group, fam, algs) for fam, algs in families.items()),
            _jws_pick(jws, group, COMMON, common_algs(jws, group)),
        )
        for group in groups
    )
    return Decisions(
        families=tuple(families),
        rows=rows,
        overall=tuple(_jws_pick(jws, group, "all", jws.algs) for group in groups),
        coverage=_coverage(jws),
        raw_costs=_raw_costs(jws),
        jwe=_jwe_picks(jwe),
        caveats=_run_caveats(jws, jwe, interrupted),
        algs=len(jws.algs),
        below_floor=below_floor(jws),
        paired=jws.paired or jwe.paired,
    )
