"""The one view model of a results file that the Markdown report and the charts read.

``jws_view(results)`` and ``jwe_view(results)`` index every timed row and every
matrix cell of the JWS family (``JwsCell``) and of the JWE and nested
sign-then-encrypt families (``JweCell``). Both views share one base,
``CellView``, which holds what a cell of either family is asked: its status,
its usable row (a cell whose recorded status is not ``ok`` never yields a
number, even when a timed row exists for it: a check that fails *after*
timing, or a run cut off mid-measurement, leaves one), x over floor, x over
the fastest library, its failures. The derived metrics (token sizes, the cost
of encrypting) live in ``jwtbench.analysis.nested``. Pure computation: no Markdown, no
matplotlib.

Library identity (display label, chart colour, library, version) comes from
the results file's ``jwtbench.adapters`` entries (``Adapter.describe()``);
the floor is the adapter named ``FloorAdapter.name``; the limit (the bare crypto
primitive, no library) is ``LIMIT``. A run that timed groups interleaved stores
paired ratios (``jwtbench.analysis.intervals``): x over floor, x over limit and
the fastest library then come from them, with their intervals; an older file
falls back to unpaired ratios of medians (``CellView.paired`` says which).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, Protocol, Self, TypeVar

from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS, JWS_ALGS
from jwtbench.adapters.floor import FloorAdapter
from jwtbench.adapters.keys import PAYLOADS
from jwtbench.adapters.limit import LimitAdapter
from jwtbench.analysis.intervals import OVER_FLOOR, OVER_LIMIT, Interval, paired_ratio
from jwtbench.analysis.pairing import burst_times, paired_between, scatter
from jwtbench.measure.matrix import NESTED_JWE_ALGS, NESTED_SIG_ALGS
from jwtbench.model.cell import JWE_OPS, JWS_OPS, KEY_MODES, NESTED_OPS, Status
from jwtbench.model.results import Results, Row

#: The floor: the same work done directly with ``cryptography`` (not a library).
FLOOR: str = FloorAdapter.name
#: The limit: the bare primitive on the same signing input (not a library either).
LIMIT: str = LimitAdapter.name
#: The adapters that are no library: never picked, never "the fastest".
REFERENCES = (FLOOR, LIMIT)
#: The JWS op whose work a nested op contains (the baseline of "x over signing").
BASE_OPS = {"sign_encrypt": "sign", "decrypt_verify": "verify"}
#: The PBES2 iteration count (p2c) of this harness's tokens (jwcrypto's default; the floor's).
PBES2_P2C = 8192


def geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def family(alg: str) -> str:
    """``HS``, ``RS``, ``PS``, ``ES`` or ``EdDSA`` (other names are their own family)."""
    prefix = alg[:2]
    return prefix if prefix in ("HS", "RS", "PS", "ES") else alg


def ordered(seen: Iterable[str], canonical: Sequence[str]) -> tuple[str, ...]:
    """``seen`` (deduplicated), canonical names first in canonical order."""
    distinct = list(dict.fromkeys(seen))
    known = [c for c in dict.fromkeys(canonical) if c in distinct]
    return tuple(known + [s for s in distinct if s not in known])


# -- library identity -----------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    """How the results file names an adapter: ``colour`` is "" when it recorded none."""

    name: str
    label: str
    colour: str
    library: str
    version: str
    compiled: bool = False  # ``describe()["compiled"]``: a compiled (not pure-Python) library


def identities(results: Results) -> dict[str, Identity]:
    """``{adapter: Identity}`` from ``jwtbench.adapters`` (older files: the name as label)."""
    info: Mapping[str, Any] = results.meta.get("adapters", {})
    return {
        name: Identity(
            name=name,
            label=str(entry.get("label") or name),
            colour=str(entry.get("colour") or ""),
            library=str(entry.get("library") or ""),
            version=str(entry.get("version") or ""),
            compiled=_compiled(entry),
        )
        for name, entry in info.items()
    }


#: How a compiled adapter's ``backend`` reads (``jwtbench.adapters.compiled.rust_backend``).
NATIVE_BACKENDS = ("rust (",)


def _compiled(entry: Mapping[str, Any]) -> bool:
    """``compiled`` when the file says so, else a backend proven native at start-up."""
    if "compiled" in entry:
        return bool(entry["compiled"])
    return str(entry.get("backend") or "").startswith(NATIVE_BACKENDS)


# -- cells --------------------------------------------------------------------
class JwsCell(NamedTuple):
    adapter: str
    alg: str
    op: str
    key_mode: str
    payload: str

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> JwsCell | None:
        """The JWS cell of ``params``; None for other families (JWE) or incomplete params."""
        if "enc" in params or "sig_alg" in params:
            return None
        try:
            return cls(*(str(params[name]) for name in cls._fields))
        except KeyError:
            return None


class Group(NamedTuple):
    """One table's worth of cells: an op, a key mode and a payload."""

    op: str
    key_mode: str
    payload: str

    def cell(self, adapter: str, alg: str) -> JwsCell:
        return JwsCell(adapter, alg, self.op, self.key_mode, self.payload)

    @property
    def title(self) -> str:
        return f"{self.op}, {self.key_mode} key, {self.payload} payload"


class Pair(NamedTuple):
    """A JWE key-management algorithm and content encryption."""

    alg: str
    enc: str


class Combo(NamedTuple):
    """A nested token: a JWS signed with ``sig_alg``, encrypted with ``alg``."""

    sig_alg: str
    alg: str


class JweCell(NamedTuple):
    adapter: str
    alg: str
    enc: str
    sig_alg: str  # the inner signature of a nested cell; "" for a plain JWE cell
    op: str
    key_mode: str
    payload: str

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> JweCell | None:
        """The JWE or nested cell of ``params``; None for JWS or incomplete params."""
        if "enc" not in params:
            return None
        try:
            return cls(
                adapter=str(params["adapter"]),
                alg=str(params["alg"]),
                enc=str(params["enc"]),
                sig_alg=str(params.get("sig_alg", "")),
                op=str(params["op"]),
                key_mode=str(params["key_mode"]),
                payload=str(params["payload"]),
            )
        except KeyError:
            return None

    @classmethod
    def at(cls, group: Group, adapter: str, alg: str, enc: str, sig_alg: str = "") -> JweCell:
        return cls(adapter, alg, enc, sig_alg, group.op, group.key_mode, group.payload)

    @property
    def nested(self) -> bool:
        return bool(self.sig_alg)

    @property
    def base(self) -> JwsCell | None:
        """The JWS cell whose work this nested cell contains (sign for sign_encrypt)."""
        op = BASE_OPS.get(self.op)
        if not self.sig_alg or op is None:
            return None
        return JwsCell(self.adapter, self.sig_alg, op, self.key_mode, self.payload)


class NestedGroup(NamedTuple):
    """One cost table's worth of nested cells: an enc, a key mode and a payload."""

    enc: str
    key_mode: str
    payload: str

    def cell(self, adapter: str, combo: Combo, op: str) -> JweCell:
        return JweCell(adapter, combo.alg, self.enc, combo.sig_alg, op, self.key_mode, self.payload)

    @property
    def title(self) -> str:
        return f"{self.key_mode} key, {self.payload} payload, enc {self.enc}"


# -- the shared view ------------------------------------------------------------
C = TypeVar("C", bound="AnyCell")


class AnyCell(Protocol):
    """What the shared view needs of a cell: its adapter, and a copy for another one."""

    @property
    def adapter(self) -> str: ...

    @property
    def op(self) -> str: ...

    @property
    def key_mode(self) -> str: ...

    @property
    def payload(self) -> str: ...

    def _replace(self, *, adapter: str = ...) -> Self: ...

    def __hash__(self) -> int: ...


@dataclass(frozen=True)
class CellView(Generic[C]):
    """The rows and cells of one family, with the numbers both renderers derive."""

    rows: Mapping[C, Row]
    statuses: Mapping[C, tuple[str, str]]  # status, reason
    adapters: tuple[str, ...]
    ops: tuple[str, ...]
    key_modes: tuple[str, ...]
    payloads: tuple[str, ...]
    identity: Mapping[str, Identity]

    @property
    def floor(self) -> str:
        """The adapter that is no library (the baseline of x over floor)."""
        return FLOOR

    @property
    def libraries(self) -> tuple[str, ...]:
        """The adapters that are JOSE libraries (everything but the floor and the limit)."""
        return tuple(a for a in self.adapters if a not in REFERENCES)

    @property
    def drawn(self) -> tuple[str, ...]:
        """The adapters with at least one usable number: the ones a chart draws."""
        timed = {cell.adapter for cell in self.rows}
        return tuple(a for a in self.adapters if a in timed)

    def not_drawn(self, among: Sequence[str] | None = None) -> str:
        """The note naming the adapters left out (``not drawn (no usable number): jwt``), or ""."""
        left = [a for a in (self.adapters if among is None else among) if a not in self.drawn]
        return f"not drawn (no usable number): {', '.join(left)}" if left else ""

    @property
    def paired(self) -> bool:
        """Whether the run stored paired ratios (else every ratio is of unpaired medians)."""
        return any(paired_ratio(self.rows[c].extra_info, OVER_FLOOR) for c in self.timed())

    @property
    def has_limit(self) -> bool:
        return LIMIT in self.adapters

    def pure_python(self, adapter: str) -> bool:
        """A library written in Python (over ``cryptography``): the floor's own kind."""
        found = self.identity.get(adapter)
        return adapter not in REFERENCES and not (found and found.compiled)

    @property
    def versions(self) -> dict[str, str]:
        return {name: i.version for name, i in self.identity.items() if i.version}

    def label_of(self, adapter: str) -> str:
        """The display label the results file gives ``adapter`` (else its name)."""
        found = self.identity.get(adapter)
        return found.label if found else adapter

    @property
    def main_payload(self) -> str | None:
        """The payload the charts and token sizes use: ``small`` if present."""
        if "small" in self.payloads:
            return "small"
        return self.payloads[0] if self.payloads else None

    def status(self, cell: C) -> str | None:
        entry = self.statuses.get(cell)
        return entry[0] if entry else None

    def row(self, cell: C) -> Row | None:
        """The timed row of ``cell``, unless its status says its numbers are not to be used."""
        if self.status(cell) not in (None, "", Status.OK):
            return None
        return self.rows.get(cell)

    def timed(self) -> list[C]:
        """The cells with a usable row: a row whose cell status is not ``ok`` was not timed."""
        return [cell for cell in self.rows if self.row(cell) is not None]

    def floor_pairs(self) -> list[tuple[Row, Row]]:
        """Every timed library cell's row with its group's floor row (for ``pairing.scatter``)."""
        pairs = []
        for cell in self.timed():
            row, floor = self.row(cell), self.row(cell._replace(adapter=FLOOR))
            if cell.adapter not in REFERENCES and row is not None and floor is not None:
                pairs.append((row, floor))
        return pairs

    def not_run(self) -> list[C]:
        """The cells an interrupted run never finished measuring."""
        return [cell for cell, (status, _) in self.statuses.items() if status == Status.NOT_RUN]

    def fastest(self, cell: C) -> tuple[str, Row] | None:
        """The fastest library (the floor excluded): by paired x over floor when stored."""
        timed = [(a, r) for a in self.libraries if (r := self.row(cell._replace(adapter=a)))]
        ratios = [self.over_floor_interval(cell._replace(adapter=a)) for a, _ in timed]
        if not timed:
            return None
        if all(ratios):  # paired: ranked on ratios to the floor's rounds, not unpaired medians
            ranked = zip(timed, ratios, strict=True)
            return min(ranked, key=lambda item: item[1].value if item[1] else 0.0)[0]
        return min(timed, key=lambda item: item[1].median)

    def _paired(self, cell: C, key: str) -> Interval | None:
        row = self.row(cell)
        return paired_ratio(row.extra_info, key) if row is not None else None

    def _unpaired(self, cell: C, reference: str) -> float | None:
        row, ref = self.row(cell), self.row(cell._replace(adapter=reference))
        if row is None or ref is None or ref.median <= 0:
            return None
        return row.median / ref.median

    def over_floor_interval(self, cell: C) -> Interval | None:
        """The paired x over floor with its 95% interval (None: not stored, an older run)."""
        return self._paired(cell, OVER_FLOOR) if cell.adapter != FLOOR else None

    def over_floor(self, cell: C) -> float | None:
        """Paired x over floor when stored, else median time / the floor's median time."""
        found = self.over_floor_interval(cell)
        return found.value if found else self._unpaired(cell, FLOOR)

    def over_limit_interval(self, cell: C) -> Interval | None:
        return self._paired(cell, OVER_LIMIT) if cell.adapter != LIMIT else None

    def over_limit(self, cell: C) -> float | None:
        """Paired x over limit when stored, else median time / the limit's median time."""
        found = self.over_limit_interval(cell)
        return found.value if found else self._unpaired(cell, LIMIT)

    def over_fastest_interval(self, cell: C) -> Interval | None:
        """x slower than the fastest library, paired burst by burst, with its 95% interval.

        None when the two rows have no aligned bursts (an older, unpaired run:
        ``jwtbench.analysis.pairing``); the fastest itself is exactly 1.0x.
        """
        best, row = self.fastest(cell), self.row(cell)
        if best is None or row is None or cell.adapter in REFERENCES:
            return None
        if cell.adapter == best[0]:
            bursts = len(burst_times(row))
            return Interval(1.0, 1.0, 1.0, bursts) if bursts else None
        return paired_between(row, best[1])

    def over_fastest(self, cell: C) -> float | None:
        """x over floor of ``cell`` / that of the fastest library (paired or not, as stored).

        What the picks score (``jwtbench.analysis.decide``); the report's table of x
        slower than the fastest reads ``over_fastest_interval`` first.
        """
        best = self.fastest(cell)
        if best is None or cell.adapter in REFERENCES:
            return None
        mine, theirs = self.over_floor(cell), self.over_floor(cell._replace(adapter=best[0]))
        if mine is not None and theirs:
            return mine / theirs
        row = self.row(cell)
        return row.median / best[1].median if row is not None else None

    def tied_fastest(self, cell: C) -> tuple[str, ...]:
        """The libraries tied for fastest: paired intervals overlapping the fastest's.

        The fastest alone when it is faster beyond its interval; empty without
        paired intervals (an older run: no tie can be called, see ``paired``).
        """
        best = self.fastest(cell)
        top = self.over_floor_interval(cell._replace(adapter=best[0])) if best else None
        if best is None or top is None:
            return ()
        found = [(a, self.over_floor_interval(cell._replace(adapter=a))) for a in self.libraries]
        return tuple(a for a, i in found if i is not None and i.overlaps(top))

    def failures(self) -> list[tuple[C, str, str]]:
        """Every cell whose status is not ``ok``: (cell, status, reason), in matrix order."""
        failed = [(c, s, r) for c, (s, r) in self.statuses.items() if s != Status.OK]
        return sorted(failed, key=lambda item: self.sort_key(item[0]))

    def sort_key(self, cell: C) -> tuple[int, ...]:
        return (_at(self.adapters, cell.adapter),)

    def group_order(self, present: set[Group]) -> list[Group]:
        """The groups of ``present`` in report order (payload, key mode, op)."""
        return [
            Group(op, key_mode, payload)
            for payload in self.payloads
            for key_mode in self.key_modes
            for op in self.ops
            if Group(op, key_mode, payload) in present
        ]


def _at(seq: Sequence[str], name: str) -> int:
    return seq.index(name) if name in seq else len(seq)


# -- JWS ------------------------------------------------------------------------
@dataclass(frozen=True)
class JwsView(CellView[JwsCell]):
    """The JWS rows and cells of a results file."""

    algs: tuple[str, ...] = ()

    @property
    def groups(self) -> list[Group]:
        """Every (op, key mode, payload) with at least one cell, in report order."""
        return self.group_order(
            {Group(c.op, c.key_mode, c.payload) for c in (*self.rows, *self.statuses)}
        )

    @property
    def families(self) -> dict[str, list[str]]:
        """``{family: its algorithms}`` in ``algs`` order (see ``family``)."""
        out: dict[str, list[str]] = {}
        for alg in self.algs:
            out.setdefault(family(alg), []).append(alg)
        return out

    def fastest_of(self, group: Group, alg: str) -> tuple[str, Row] | None:
        """The fastest library (the floor excluded) for ``alg`` in ``group``."""
        return self.fastest(group.cell(FLOOR, alg))

    def token_sizes(self, payload: str) -> dict[str, dict[str, int]]:
        """``{alg: {adapter: token bytes}}`` from the sign cells of ``payload``."""
        sizes: dict[str, dict[str, int]] = {}
        for alg in self.algs:
            for adapter in self.adapters:
                for key_mode in self.key_modes:
                    row = self.row(JwsCell(adapter, alg, "sign", key_mode, payload))
                    if row is not None and row.token_bytes is not None:
                        sizes.setdefault(alg, {}).setdefault(adapter, row.token_bytes)
        return sizes

    def sort_key(self, cell: JwsCell) -> tuple[int, ...]:
        return (
            _at(self.adapters, cell.adapter),
            _at(self.algs, cell.alg),
            _at(self.ops, cell.op),
            _at(self.key_modes, cell.key_mode),
            _at(self.payloads, cell.payload),
        )


_Cell = TypeVar("_Cell", bound=Hashable)


def _split(
    results: Results, of: Callable[[Mapping[str, Any]], _Cell | None]
) -> tuple[dict[_Cell, Row], dict[_Cell, tuple[str, str]]]:
    """Timed rows and (status, reason) per cell, for the cells ``of`` recognises."""
    rows: dict[_Cell, Row] = {}
    for row in results.rows():
        cell = of(row.params)
        if cell is not None:
            rows[cell] = row
    statuses: dict[_Cell, tuple[str, str]] = {}
    for entry in results.cells:
        cell = of(entry.get("params", {}))
        if cell is not None:
            statuses[cell] = (str(entry.get("status", "")), str(entry.get("reason", "")))
    return rows, statuses


def jws_view(results: Results) -> JwsView:
    """The JWS part of ``results`` (rows and cells with ``enc`` are left out)."""
    rows, statuses = _split(results, JwsCell.of)
    cells = [*rows, *statuses]
    identity = identities(results)
    return JwsView(
        rows=rows,
        statuses=statuses,
        adapters=ordered((c.adapter for c in cells), (FLOOR, *identity)),
        ops=ordered((c.op for c in cells), JWS_OPS),
        key_modes=ordered((c.key_mode for c in cells), KEY_MODES),
        payloads=ordered((c.payload for c in cells), PAYLOADS),
        identity=identity,
        algs=ordered((c.alg for c in cells), JWS_ALGS),
    )


# -- JWE and nested ---------------------------------------------------------------
@dataclass(frozen=True)
class JweView(CellView[JweCell]):
    """The JWE and nested rows and cells of a results file."""

    pairs: tuple[Pair, ...] = ()  # of the plain JWE cells
    combos: tuple[Combo, ...] = ()  # of the nested cells
    nested_encs: tuple[str, ...] = ()

    def cells(self, nested: bool) -> list[JweCell]:
        """Every cell (timed or with a status) of the plain JWE or of the nested family."""
        return [c for c in dict.fromkeys((*self.rows, *self.statuses)) if c.nested == nested]

    def groups(self, nested: bool) -> list[Group]:
        """Every (op, key mode, payload) of the family with at least one cell, in report order."""
        return self.group_order({Group(c.op, c.key_mode, c.payload) for c in self.cells(nested)})

    @property
    def nested_groups(self) -> list[NestedGroup]:
        present = {NestedGroup(c.enc, c.key_mode, c.payload) for c in self.cells(True)}
        return [
            NestedGroup(enc, key_mode, payload)
            for payload in self.payloads
            for key_mode in self.key_modes
            for enc in self.nested_encs
            if NestedGroup(enc, key_mode, payload) in present
        ]

    def measured(self, nested: bool) -> tuple[str, ...]:
        """The adapters with at least one usable number in the family (table columns)."""
        timed = {c.adapter for c in self.cells(nested) if self.row(c)}
        return tuple(a for a in self.adapters if a in timed)

    def sizes(self, cell: JweCell) -> list[int]:
        """Token bytes of the cell's work, over every adapter that timed it."""
        rows = [self.row(cell._replace(adapter=a)) for a in self.adapters]
        return sorted({r.token_bytes for r in rows if r and r.token_bytes is not None})


def jwe_view(results: Results) -> JweView:
    """The JWE and nested part of ``results`` (rows and cells with ``enc``)."""
    rows, statuses = _split(results, JweCell.of)
    cells = [*rows, *statuses]
    identity = identities(results)
    return JweView(
        rows=rows,
        statuses=statuses,
        adapters=ordered((c.adapter for c in cells), (FLOOR, *identity)),
        ops=ordered((c.op for c in cells), JWE_OPS + NESTED_OPS),
        key_modes=ordered((c.key_mode for c in cells), KEY_MODES),
        payloads=ordered((c.payload for c in cells), PAYLOADS),
        identity=identity,
        pairs=_pairs(c for c in cells if not c.nested),
        combos=_combos(c for c in cells if c.nested),
        nested_encs=ordered((c.enc for c in cells if c.nested), JWE_ENCS),
    )


def _rank(canonical: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    return lambda name: (canonical.index(name) if name in canonical else len(canonical), name)


def _pairs(cells: Iterable[JweCell]) -> tuple[Pair, ...]:
    """The (alg, enc) pairs of ``cells``, by algorithm then content encryption."""
    alg, enc = _rank(JWE_ALGS), _rank(JWE_ENCS)
    pairs = {Pair(c.alg, c.enc) for c in cells}
    return tuple(sorted(pairs, key=lambda p: (alg(p.alg), enc(p.enc))))


def _combos(cells: Iterable[JweCell]) -> tuple[Combo, ...]:
    """The (signature, JWE alg) combinations of ``cells``, by signature then JWE alg."""
    sig, alg = _rank((*NESTED_SIG_ALGS, *JWS_ALGS)), _rank((*NESTED_JWE_ALGS, *JWE_ALGS))
    combos = {Combo(c.sig_alg, c.alg) for c in cells}
    return tuple(sorted(combos, key=lambda c: (sig(c.sig_alg), alg(c.alg))))


def run_scatter(results: Results) -> tuple[float, int] | None:
    """The run's noise over its JWS and JWE library cells (``pairing.scatter``), or None.

    None for a file of instruction counts too: a count does not scatter.
    """
    if results.record.units.counts:
        return None
    return scatter([*jws_view(results).floor_pairs(), *jwe_view(results).floor_pairs()])
