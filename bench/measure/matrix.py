"""The one place that builds the benchmark matrix.

A cell is (adapter, alg[, enc][, sig_alg], op, key_mode, payload). The matrix
holds *every* requested cell, supported or not: an unsupported or unavailable
cell stays in the matrix with its reason, so it is reported as such and never
silently dropped or replaced by another algorithm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from jwtbench.adapters import ADAPTERS, AdapterUnavailable, load_adapter
from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS, JWS_ALGS, Adapter
from jwtbench.adapters.keys import PAYLOADS
from jwtbench.model.cell import ALL_OPS, JWE_OPS, JWS_OPS, KEY_MODES, NESTED_OPS, Cell, Status
from jwtbench.model.errors import UserError
from jwtbench.model.selection import Selection

#: The quick profile's JWE pairs: each key-management alg with A256GCM, and
#: each content alg with dir and RSA-OAEP.
REPRESENTATIVE_JWE: tuple[tuple[str, str], ...] = tuple(
    dict.fromkeys(
        [(alg, "A256GCM") for alg in JWE_ALGS]
        + [(alg, enc) for enc in JWE_ENCS for alg in ("dir", "RSA-OAEP")]
    )
)
#: The quick profile's JWE pairs for the whole matrix: each key-management
#: family once with A256GCM (no 192-bit or second-size variants), and each
#: content alg with dir. Naming algorithms or encs brings back the above.
LEAN_JWE: tuple[tuple[str, str], ...] = tuple(
    dict.fromkeys(
        [(alg, "A256GCM") for alg in ("RSA-OAEP", "RSA-OAEP-256", "RSA1_5", "A128KW", "A256KW",
                                       "dir", "ECDH-ES", "ECDH-ES+A256KW", "A256GCMKW",
                                       "PBES2-HS256+A128KW")]
        + [("dir", enc) for enc in JWE_ENCS]
    )
)  # fmt: skip
#: Nested (sign-then-encrypt) cells: the common choices an access token meets.
NESTED_SIG_ALGS: tuple[str, ...] = ("HS256", "RS256", "ES256", "EdDSA")
NESTED_JWE_ALGS: tuple[str, ...] = ("dir", "A256KW", "RSA-OAEP", "ECDH-ES")


@dataclass(frozen=True)
class Profile:
    """How much of the matrix to run and how long to time each cell.

    The timing fields are pytest-benchmark options and apply to each of the
    ``passes`` passes over the matrix (``jwtbench.measure.runner.run`` says why a run
    makes several): a cell is timed for about ``passes * max_time`` in all.
    ``min_time`` sets the length of one round (iterations are batched up to
    it), which keeps the number of stored raw rounds bounded for fast
    operations.
    """

    name: str
    payloads: tuple[str, ...]
    key_modes: tuple[str, ...]
    min_rounds: int
    max_time: float
    min_time: float
    #: Warm up for 1000 calls (bounded by max_time) rather than 20.
    warmup: bool
    #: Passes over the matrix, each timing every cell for ``max_time``.
    passes: int
    #: JWE: "representative" pairs or the full alg x enc cross product, and
    #: which key modes / payloads JWE and nested cells use.
    jwe_pairs: Literal["representative", "all"] = "representative"
    jwe_key_modes: tuple[str, ...] = ("prepared",)
    jwe_payloads: tuple[str, ...] = ("small",)
    nested_encs: tuple[str, ...] = ("A256GCM",)
    nested_payloads: tuple[str, ...] = ("small",)
    description: str = field(default="", compare=False)
    #: Grouped runs (``jwtbench.measure.groups``): ~5 ms bursts per cell, each
    #: one paired with the same burst of the group's other members.
    bursts: int = 20
    #: Sets of fresh processes the bursts are split between (``jwtbench.measure.waves``:
    #: a process's own speed offset averages out and shows in the interval).
    processes: int = 2
    #: Visits per cell in each set (``jwtbench.envs.lockstep``): the set's bursts of a
    #: cell are spread over that many passes over the matrix, seconds apart, so they
    #: sample the machine at that many moments instead of one.
    visits: int = 1
    #: Trims of the whole matrix (None: no trim). A selection that names
    #: algorithms, encs or key modes is not trimmed: it gets what it names.
    #: JWS algorithms timed with raw keys:
    raw_algs: tuple[str, ...] | None = None
    #: JWE pairs, instead of ``jwe_pairs``:
    lean_jwe_pairs: tuple[tuple[str, str], ...] | None = None
    #: Outer JWE algorithms of nested cells, instead of ``NESTED_JWE_ALGS``:
    lean_nested_jwe_algs: tuple[str, ...] | None = None

    def pytest_options(self, *, warm_up: bool = True) -> list[str]:
        """Options for one pass; ``warm_up=False`` for passes after the first.

        First calls fill caches and import lazily: the first pass warms up
        before timing (a few calls in quick, more in full; both bounded by
        ``max_time``); later passes run in the same, already warm process.
        """
        return [
            f"--benchmark-min-rounds={self.min_rounds}",
            f"--benchmark-max-time={self.max_time}",
            f"--benchmark-min-time={self.min_time}",
            f"--benchmark-warmup={'on' if warm_up else 'off'}",
            f"--benchmark-warmup-iterations={1000 if self.warmup else 20}",
        ]


PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick",
        payloads=("small",),
        key_modes=KEY_MODES,
        min_rounds=1,
        max_time=0.015,
        min_time=0.0005,
        warmup=False,
        passes=5,
        bursts=10,
        # one set of processes visiting every cell 10 times, one burst each: measured
        # (two quick runs back to back, 270 prepared JWS library cells), 96% of x over
        # floor agreed within 5% and the run took 130 s; 2 sets x 5 visits: 90%, 165-180 s;
        # 2 sets x 5 bursts in one go (each cell seeing the machine twice): 69%
        processes=1,
        visits=10,
        raw_algs=("HS256", "RS256", "ES256", "EdDSA"),
        lean_jwe_pairs=LEAN_JWE,
        lean_nested_jwe_algs=("dir", "RSA-OAEP"),
        description=(
            "every adapter and JWS algorithm with prepared keys, raw keys for HS256, RS256, "
            "ES256 and EdDSA (one per key type); JWE: each key-management family with "
            "A256GCM and each enc with dir; nested: 4 signatures x dir/RSA-OAEP; small "
            "payload; 10 paired bursts per cell, one on each of 10 visits seconds apart "
            "(~3 min on 2 cores with the cost step and report). Naming --algs, --encs or "
            "--key-modes lifts the trims"
        ),
    ),
    "full": Profile(
        name="full",
        payloads=PAYLOADS,
        key_modes=KEY_MODES,
        min_rounds=2,
        max_time=0.04,
        min_time=0.001,
        warmup=True,
        passes=5,
        # 30, not 60: 5208 runnable cells x 60 bursts of 5 ms is 26 min of bursts alone,
        # and the 438 raw-RSA private-key cells (one ~50 ms call per burst) 22 min more
        bursts=30,
        processes=1,
        visits=10,  # 3 bursts per visit
        jwe_pairs="all",
        jwe_key_modes=KEY_MODES,
        jwe_payloads=("small",),
        nested_encs=("A256GCM",),
        nested_payloads=("small", "1kb"),
        description=(
            "every JWS payload, the full JWE alg x enc cross product (small payload), "
            "nested tokens at small and 1kb, both key modes, 30 paired bursts per cell over "
            "10 visits (37 min measured on 2 cores; the example workflow runs it in 4 shards)"
        ),
    ),
}


#: The whole matrix of a profile.
ALL = Selection()


class MatrixError(UserError, ValueError):
    """A requested name (adapter, alg, op...) is not known."""


@cache
def adapter_or_reason(name: str) -> Adapter | str:
    """The adapter instance, or the reason it is unavailable (cached per process)."""
    try:
        return load_adapter(name)
    except AdapterUnavailable as exc:
        return str(exc)


def _check(kind: str, wanted: Sequence[str] | None, known: Sequence[str]) -> None:
    unknown = [name for name in wanted or () if name not in known]
    if unknown:
        raise MatrixError(f"unknown {kind} {', '.join(unknown)}; known: {', '.join(known)}")


def _pick(wanted: Sequence[str] | None, default: Sequence[str]) -> tuple[str, ...]:
    """``default`` narrowed to ``wanted`` (if given), in canonical order.

    A selection that names none of a dimension's values empties it: ``--algs
    HS256`` selects no JWE cell, ``--ops encrypt`` no JWS cell.
    """
    if not wanted:
        return tuple(default)
    return tuple(name for name in default if name in wanted)


def build_matrix(profile: Profile, selection: Selection = ALL) -> list[Cell]:
    """Every cell of the selection, in report order, unsupported ones included.

    ``selection.algs`` may name JWS and JWE algorithms; each family keeps the
    ones of its kind (nested cells need both their signature and their JWE
    algorithm). May be empty: ``why_empty`` says which dimensions emptied it.
    """
    adapters, algs, encs = selection.adapters, selection.algs, selection.encs
    ops, key_modes, payloads = selection.ops, selection.key_modes, selection.payloads
    _check("adapter", adapters, tuple(ADAPTERS))
    _check("algorithm", algs, JWS_ALGS + JWE_ALGS)
    _check("enc", encs, JWE_ENCS)
    _check("op", ops, ALL_OPS)
    _check("key mode", key_modes, KEY_MODES)
    _check("payload", payloads, PAYLOADS)
    jws_algs = _pick(algs and [a for a in algs if a in JWS_ALGS], JWS_ALGS)
    jwe_algs = _pick(algs and [a for a in algs if a in JWE_ALGS], JWE_ALGS)
    if algs and not any(a in JWS_ALGS for a in algs):
        jws_algs = ()
    if algs and not any(a in JWE_ALGS for a in algs):
        jwe_algs = ()
    names = _pick(adapters, tuple(ADAPTERS))
    whole = not (algs or encs or key_modes)  # the profile's trims apply (Profile.raw_algs)
    raw_algs = profile.raw_algs if whole else None
    cells = [
        Cell(adapter, alg, op, key_mode, payload)
        for adapter in names
        for alg in jws_algs
        for op in _pick(ops, JWS_OPS)
        for key_mode in _pick(key_modes, profile.key_modes)
        if key_mode != "raw" or raw_algs is None or alg in raw_algs
        for payload in _pick(payloads, profile.payloads)
    ]
    pairs = (
        [(a, e) for a in JWE_ALGS for e in JWE_ENCS]
        if profile.jwe_pairs == "all"
        else list(REPRESENTATIVE_JWE)
    )
    if whole and profile.lean_jwe_pairs is not None:
        pairs = list(profile.lean_jwe_pairs)
    nested_jwe = NESTED_JWE_ALGS
    if whole and profile.lean_nested_jwe_algs is not None:
        nested_jwe = profile.lean_nested_jwe_algs
    pairs = [(a, e) for a, e in pairs if a in jwe_algs and (not encs or e in encs)]
    jwe_modes = _pick(key_modes, profile.jwe_key_modes)
    jwe_payloads = _pick(payloads, profile.jwe_payloads)
    cells += [
        Cell(adapter, alg, op, key_mode, payload, enc=enc)
        for adapter in names
        for alg, enc in pairs
        for op in _pick(ops, JWE_OPS)
        for key_mode in jwe_modes
        for payload in jwe_payloads
    ]
    cells += [
        Cell(adapter, alg, op, key_mode, payload, enc=enc, sig_alg=sig_alg)
        for adapter in names
        for sig_alg in NESTED_SIG_ALGS
        if sig_alg in jws_algs
        for alg in nested_jwe
        if alg in jwe_algs
        for enc in _pick(encs, profile.nested_encs)
        for op in _pick(ops, NESTED_OPS)
        for key_mode in jwe_modes
        for payload in _pick(payloads, profile.nested_payloads)
    ]
    return selection.shard.slice(cells) if selection.shard else cells


def why_empty(profile: Profile, selection: Selection) -> str:
    """Why ``selection`` matches no cell: the options that, together, leave nothing.

    Each narrowed dimension is left out in turn; the ones whose absence gives
    cells are the ones that emptied the matrix (one alone, or a clash).
    """
    given = selection.given()
    shown = " ".join(f"--{n.replace('_', '-')} {','.join(v)}" for n, v in given.items())
    culprits = [
        f"--{name.replace('_', '-')}"
        for name in given
        if build_matrix(profile, selection.replace(**{name: None}))
    ]
    if not culprits:
        return f"no cell of the {profile.name} profile matches {shown}"
    return (
        f"no cell of the {profile.name} profile matches {shown}: "
        f"leaving out {' or '.join(culprits)} would select some"
    )


def skip_reason(cell: Cell) -> tuple[Status, str] | None:
    """Why ``cell`` cannot run here (unavailable / unsupported), or None if it can.

    Decided from the adapter's *declared* capabilities only.
    """
    adapter = adapter_or_reason(cell.adapter)
    if isinstance(adapter, str):
        return Status.UNAVAILABLE, adapter
    if cell.family == "jws" and cell.alg not in adapter.jws_algs:
        return Status.UNSUPPORTED, adapter.unsupported_reason(cell.alg)
    if cell.enc is not None and not adapter.supports_jwe(cell.alg, cell.enc):
        return Status.UNSUPPORTED, adapter.unsupported_reason(cell.alg, cell.enc)
    if cell.sig_alg is not None and cell.sig_alg not in adapter.jws_algs:
        return Status.UNSUPPORTED, adapter.unsupported_reason(cell.sig_alg)
    return None


def selected_algs(cells: Iterable[Cell]) -> list[str]:
    """The distinct algorithms in ``cells``, in first-seen order."""
    return list(dict.fromkeys(cell.alg for cell in cells))
