"""``jwtbench run --isolate``: each library in its own cached virtualenv, groups still paired.

Why: some libraries cannot share an environment. PyPI's ``pyjwt`` and ``jwt``
(GehirnInc) both install module ``jwt``; two versions of one library
(``--lib pyjwt==2.8.0 --lib pyjwt==2.15.1``) cannot both be installed at all.

How: every *member* (a column of the results) is an adapter plus where it
runs. The floor and the limit run here (they need only ``cryptography``);
each library member gets one env per (library, version) from
``jwtbench.envs.env.ensure_env`` (uv, else venv + pip; cached under
``default_env_root()``), holding this jwtbench installed ``--no-deps`` plus
its measuring dependencies (:func:`measuring_requirements`: jwtbench's own
requirements minus every measured library, so the ``jwt`` env never pulls
PyJWT) and that one library. In each env a probe (``python -m
jwtbench.measure.isolate_child probe``) loads the adapter there, so its
availability, backend, version and every cell's skip reason come from the env
it runs in, never from this process. Then the grouped run's machinery
(``jwtbench.measure.groups``) starts one lockstep child per member with that
env's python: the coordinator does not care which interpreter a child is, so
every group stays paired across envs. The children's files merge into one,
with each env's requirements and ``pip freeze`` in ``adapters[column].env``.

Columns: an adapter keeps its name; a ``--lib SPEC`` member is named
``ADAPTER@VERSION`` with the version its env really installed
(``pyjwt@2.8.0``). A library whose install fails is ``unavailable`` with the
installer's last lines as the reason, and the run goes on without it.

Isolation is automatic when ``--lib`` is given or when two adapters named in
``--adapters`` install the same module (pyjwt and jwt); then only the members
that cannot run here (unavailable in this env) get an env of their own.
``--isolate`` puts every library in its own.

The interop grid crosses envs with tokens as data: each member signs one token
per JWS algorithm and encrypts one per JWE pair in its own interpreter
(``produce``) and every member opens every token it supports in its own
(``consume``); keys are the fixed files every env's jwtbench ships, so the
only things exchanged are strings.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jwtbench.envs import proc
from jwtbench.envs.env import Env, EnvError, Harness, ensure_env, freeze, harness, pick_installer
from jwtbench.envs.lockstep import Coordinator, drop_side, side_column
from jwtbench.measure import isolate_child
from jwtbench.measure.assemble import round_raw_data as _round_raw_data
from jwtbench.measure.groups import (
    REFERENCES,
    REPLICAS,
    _benchmarks,
    _cells,
    child_command,
    replicated,
)
from jwtbench.measure.interop_envs import INTEROP_COVERS, cross_env_grid
from jwtbench.measure.matrix import PROFILES, MatrixError, build_matrix, why_empty
from jwtbench.measure.members import Member, measuring_requirements, plan_members
from jwtbench.measure.paired import add_paired_ratios
from jwtbench.measure.runner import (
    LineProgress,
    Progress,
    RunOutcome,
    check_output,
    count_line,
    interruptible,
)
from jwtbench.measure.waves import split_bursts
from jwtbench.model.cell import Cell, CellKey, Status, cell_key
from jwtbench.model.records import (
    AdapterInfo,
    Provenance,
    RunInfo,
    RunRecord,
    build_document,
)
from jwtbench.model.results import load_results, now_iso, provenance, run_path, write_atomic
from jwtbench.model.selection import Selection

Echo = Callable[[str], None]
Skip = tuple[Status, str] | None


# -- the envs and what their adapters say -------------------------------------------------------


@dataclass
class Placed:
    """A member after its env is built (or failed) and its adapter probed there."""

    member: Member
    column: str
    env: Env | None
    info: AdapterInfo
    skips: dict[CellKey, Skip] = field(default_factory=dict)

    @property
    def adapter(self) -> str:
        return self.member.adapter

    @property
    def isolated(self) -> bool:
        """It runs in an env of its own (not this process's)."""
        return self.env is not None

    @property
    def python(self) -> str:
        return str(self.env.python) if self.env is not None else sys.executable

    def environ(self) -> dict[str, str]:
        return self.env.environ() if self.env is not None else proc.child_environ()


def isolated_harness(source: Harness) -> Harness:
    """The harness installed ``--no-deps`` (its libraries must not come along)."""
    return dataclasses.replace(
        source,
        install=("--no-deps", *source.install),
        identity=f"{source.identity} no-deps",
        describe=f"{source.describe} (no deps)",
    )


def build_env(
    member: Member, root: Path, installer: str, source: Harness, echo: Echo
) -> tuple[Env | None, dict[str, Any]]:
    """The member's env (None: it failed) and what to record about it."""
    assert member.spec is not None
    requirements = [*measuring_requirements(), member.spec]
    started = time.perf_counter()
    record: dict[str, Any] = {
        "spec": member.spec,
        "requirements": requirements,
        "installer": installer,
    }
    try:
        env, built = ensure_env(
            requirements,
            root,
            installer=installer,
            source=source,
            side=member.column(),
            verb="isolate",
            echo=echo,
        )
        record |= {
            "path": str(env.path),
            "key": env.key,
            "built": built,
            "installed": freeze(env, installer),
        }
    except EnvError as exc:
        record |= {"error": str(exc)}
        env = None
    record["seconds"] = round(time.perf_counter() - started, 2)
    return env, record


def _installed_version(record: Mapping[str, Any], spec: str) -> str | None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    name = canonicalize_name(Requirement(spec).name)
    for line in record.get("installed", []):
        dist, _, version = line.partition("==")
        if canonicalize_name(dist) == name and version:
            return str(version)
    return None


def probe(
    python: str | None,
    environ: Mapping[str, str],
    adapter: str,
    cells: Sequence[Cell],
    folder: Path,
) -> tuple[AdapterInfo, list[Skip]]:
    """The adapter's ``describe()`` (or reason) and each cell's skip reason, asked in its env

    (``python`` None: this process's env, asked in-process).
    """
    plan = folder / f"probe-{adapter}.json"
    plan.write_text(json.dumps([c.params for c in cells]), encoding="utf-8")
    found = isolate_child.ask(python, environ, "probe", adapter, str(plan))
    info = AdapterInfo.from_dict(adapter, found["info"], f"probe of {adapter}")
    skips: list[Skip] = [
        None if s is None else (Status.of(s[0]), str(s[1])) for s in found["skips"]
    ]
    return info, skips


def place(
    members: Sequence[Member],
    base_cells: Sequence[Cell],
    *,
    root: Path,
    installer: str,
    source: Harness,
    folder: Path,
    echo: Echo,
) -> list[Placed]:
    """Build each member's env, probe its adapter there; a failed install stays, unavailable."""
    placed = []
    for member in members:
        mine = [c for c in base_cells if c.adapter == member.adapter]
        record: dict[str, Any] | None = None
        env: Env | None = None
        if member.spec is not None:
            env, record = build_env(member, root, installer, source, echo)
        installed = None if record is None else _installed_version(record, member.spec or "")
        column = member.column(installed)
        if record is not None and env is None:
            reason = f"installing {member.spec} failed: {record['error']}"
            info = AdapterInfo(column, False, reason, {"adapter": member.adapter, "env": record})
            skips: list[Skip] = [(Status.UNAVAILABLE, reason)] * len(mine)
        else:
            python = str(env.python) if env is not None else None
            environ = env.environ() if env is not None else proc.child_environ()
            try:
                info, skips = probe(python, environ, member.adapter, mine, folder)
            except proc.ProcError as exc:
                reason = f"its adapter could not be probed: {exc}".splitlines()[0]
                info, skips = (
                    AdapterInfo(member.adapter, False, reason),
                    [(Status.ERROR, reason)] * len(mine),
                )
            extra = {"adapter": member.adapter, **({"env": record} if record else {})}
            info = AdapterInfo(column, info.available, info.reason, {**info.details, **extra})
        keys = [cell_key(dataclasses.replace(c, adapter=column).params) for c in mine]
        placed.append(Placed(member, column, env, info, dict(zip(keys, skips, strict=True))))
        where = "here" if record is None else record.get("path", "its install failed")
        echo(f"isolate: {column}: {where}")
    return placed


# -- the run -------------------------------------------------------------------------------------


def _rename(doc: dict[str, Any], adapter: str, column: str) -> dict[str, Any]:
    """A child's results with its adapter's cells named by the member's column."""
    if adapter == column:
        return doc
    for bench in doc.get("benchmarks", []):
        if bench.get("params", {}).get("adapter") == adapter:
            bench["params"]["adapter"] = column
            for key in ("name", "fullname"):
                if isinstance(bench.get(key), str):
                    bench[key] = bench[key].replace(f"[{adapter}-", f"[{column}-")
    for cell in doc["jwtbench"].get("cells", []):
        if cell.get("params", {}).get("adapter") == adapter:
            cell["params"]["adapter"] = column
    return doc


@dataclass
class IsolatedRun:
    """What ``run_isolated`` is asked (the CLI's options)."""

    profile_name: str = "quick"
    selection: Selection = field(default_factory=Selection)
    libs: tuple[str, ...] = ()
    everything: bool = True  # --isolate: every library in its own env
    env_root: Path | None = None
    installer: str = "auto"
    label: str | None = None
    results_dir: Path = Path("results")
    output: Path | None = None
    progress: Progress | None = None
    interop: bool = True
    slowdown: tuple[str, float] | None = None


def run_isolated(ask: IsolatedRun) -> RunOutcome:
    """Measure the members, each in its env, group by group in lockstep; one results file."""
    from jwtbench.envs.env import default_env_root

    profile = PROFILES[ask.profile_name]
    members = plan_members(ask.selection, ask.libs, everything=ask.everything)
    base = build_matrix(profile, ask.selection.replace(adapters=[m.adapter for m in members]))
    if not base:
        raise MatrixError(why_empty(profile, ask.selection))
    path = ask.output or run_path(ask.results_dir, ask.label or profile.name)
    check_output(path)
    shown = ask.progress or LineProgress()
    installer = pick_installer(ask.installer)
    source = isolated_harness(harness()) if any(m.spec for m in members) else harness_none()
    started_iso, started = now_iso(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jwtbench-isolate-") as tmp:
        folder = Path(tmp)
        placed_list = place(
            members,
            base,
            root=ask.env_root or default_env_root(),
            installer=installer,
            source=source,
            folder=folder,
            echo=shown.note,
        )
        envs_seconds = round(time.perf_counter() - started, 2)
        placed = {p.column: p for p in placed_list}
        cells = [
            dataclasses.replace(c, adapter=p.column)
            for p in placed_list
            for c in base
            if c.adapter == p.member.adapter
        ]
        timed = _timed(ask, profile.name, cells, placed, folder, shown)
        docs, codes, logs, interrupted, cpu, pair, stop = timed
        records = _cells(
            cells, docs, codes, logs, interrupted,
            skip=lambda cell: placed[cell.adapter].skips.get(cell_key(cell.params)),
        )  # fmt: skip
        ok = {cell_key(r.params) for r in records if r.status is Status.OK}
        benches = _benchmarks(cells, docs, ok)
        add_paired_ratios(benches, REFERENCES)
        _round_raw_data(benches)
        grid: list[dict[str, Any]] = []
        if ask.interop and not interrupted:
            shown.note("cross-library check across environments (JWS tokens as data)...")
            grid = cross_env_grid(cells, list(placed.values()), folder)
            bad = sum(1 for g in grid if not g["ok"])
            shown.note(f"  {len(grid) - bad}/{len(grid)} producer->consumer pairs open")
    seconds = time.perf_counter() - started
    record = RunRecord(
        run=RunInfo(
            label=ask.label or profile.name,
            profile=profile.name,
            selection=ask.selection.to_json(),
            started=started_iso,
            finished=now_iso(),
            seconds=round(seconds, 2),
            passes=profile.visits,
            interrupted=interrupted,
        ),
        adapters={p.column: p.info for p in placed_list},
        cells=records,
        provenance=Provenance.from_dict(provenance(), "this machine"),
        interop=tuple(grid),
        groups={
            "pair": pair,
            "bursts": _bursts_per_visit(profile.name) * profile.visits,
            "visits": profile.visits,
            "cpu": cpu,
            "members": [c for c in placed if c in codes],
            "replicas": {c: REPLICAS[c] for c in placed if c in codes and c in REPLICAS},
            "isolated": {
                "columns": {p.column: p.member.spec for p in placed_list},
                "envs_seconds": envs_seconds,
                "interop": INTEROP_COVERS,
            },
        },
    )
    first = next(iter(docs.values()), None)
    write_atomic(path, build_document(record, benches, first))
    load_results(path)
    counts = record.status_counts()
    shown.note(
        f"{'interrupted' if interrupted else 'done'} in {seconds:.1f}s: "
        f"{len(cells)} cells, {count_line(counts)}"
    )
    failed = any(code not in (0, 130, 143) for code in codes.values())
    return RunOutcome(path, counts, interrupted, seconds, 1 if failed else 0, stop)


def _bursts_per_visit(profile: str) -> int:
    """Each member's bursts per cell and visit: the profile's bursts over its visits, one set."""
    return split_bursts(PROFILES[profile].bursts, 1, PROFILES[profile].visits)


def harness_none() -> Harness:
    """No env is built: nothing is installed, so where jwtbench comes from does not matter."""
    return Harness((), "none", "none")


def _timed(
    ask: IsolatedRun,
    profile: str,
    cells: Sequence[Cell],
    placed: Mapping[str, Placed],
    folder: Path,
    shown: Progress,
) -> tuple[
    dict[str, dict[str, Any]], dict[str, int], dict[str, str], bool, int | None, str, int | None
]:
    """The lockstep children, one per member with a runnable cell; their docs, codes, logs."""
    runnable = [c for c in cells if placed[c.adapter].skips.get(cell_key(c.params)) is None]
    columns = list(dict.fromkeys(c.adapter for c in runnable))
    sides = replicated(columns)
    outputs = {side: folder / f"{side}.json" for side in sides}
    label = ask.label or profile
    commands, environs = {}, {}
    for side in sides:
        member = placed[side_column(side)]
        cmd = child_command(
            profile, ask.selection, member.member.adapter, outputs[side], label, ask.slowdown
        )
        commands[side] = [member.python, *cmd[1:]]
        environs[side] = member.environ()
    pair = uuid.uuid4().hex[:12]
    visits = PROFILES[profile].visits
    steps = len(runnable) * visits  # progress counts cells, not replicas' turns
    shown.begin(
        f"jwtbench {profile}: {len(cells)} cells, {len(columns)} members in "
        f"{sum(1 for c in columns if placed[c].env)} isolated envs, timed together",
        steps,
    )
    done, began = [0], time.perf_counter()

    def on_cell(side: str, cell: str, index: int, total: int) -> None:
        if side != side_column(side):
            return
        done[0] += 1
        shown.cell(f"[{done[0]:>4}/{steps}] {time.perf_counter() - began:6.1f}s  {side} {cell}")

    docs: dict[str, dict[str, Any]] = {}
    codes: dict[str, int] = {}
    interrupted = False
    with interruptible() as stop:
        coordinator = Coordinator(
            commands,
            environs,
            cwd=folder,
            pair=pair,
            bursts=_bursts_per_visit(profile),
            visits=visits,
            group=drop_side,
            on_cell=on_cell,
        )
        try:
            with stop.arming():
                codes = coordinator.run() if commands else {}
        except KeyboardInterrupt:
            interrupted = True
            codes = {s: c.proc.wait() for s, c in coordinator.children.items()}
        finally:
            shown.end()
    for side, out in outputs.items():
        if out.exists():
            col = side_column(side)
            docs[side] = _rename(load_results(out).raw, placed[col].member.adapter, col)
    logs = {s: proc.log_tail(c.log, 3) for s, c in coordinator.children.items()}
    interrupted = interrupted or stop.signum is not None
    interrupted = interrupted or any(d["jwtbench"].get("interrupted") for d in docs.values())
    return docs, codes, logs, interrupted, coordinator.cpu, pair, stop.signum
