"""Dependency A/B in one job: the same matrix under two requirement sets, in lockstep.

A committed baseline from another machine (or from last week on a shared CI
runner) is only indicative: absolute times drift 10-25% between machines and
jobs. ``jwtbench ab`` measures both sides *on the same machine, at the same
moments*, so the only difference left is the dependencies:

1. each side's requirement set (``"pyjwt==2.10.1 cryptography==44.0.0"``) gets
   its own virtualenv holding this jwtbench project (editable, so both sides
   run the same harness code) with the set installed *after* it (the pins
   win). Envs are cached under ``--env-dir`` by a key of the Python version,
   the sorted requirements, the project path and its ``pyproject.toml``; an env
   counts only once its marker file, written last, is there;
2. each round starts the base and the head ``jwtbench run`` together and runs
   them in lockstep (``jwtbench.envs.lockstep``): pinned to one CPU, they take turns
   every ~5 ms burst, so each base burst has a head burst measured at the same
   machine speed next to it. ``--no-interleave`` runs all base rounds, then
   all head rounds (ordinary runs with their passes) instead;
3. each side's rounds are merged by concatenating every cell's raw rounds,
   saved as ``results/<machine-id>/<ts>_ab-base.json`` and ``_ab-head.json``
   (valid pytest-benchmark + jwtbench files, with the exact installed
   versions of each env in ``jwtbench.ab``), and compared as by ``jwtbench
   compare``: burst pair by burst pair for lockstep rounds
   (``jwtbench.analysis.stats.compare_paired``), run by run otherwise.

Why lockstep and not ABBA over whole runs: this VM's speed flips between two
levels ~1.8x apart within a second, so two runs seconds apart are independent
draws and alternating them cancels nothing. Measured with ``jwtbench
calibrate`` (figures in the README): in lockstep, identical code was never
flagged and a 1.2x slowdown was caught in 10 of 10 trials (1.15x in 9), where
sequential runs needed 2x (1.5x: 5 of 10).

How many rounds: one lockstep round gives :data:`jwtbench.envs.lockstep.BURSTS` pairs
per cell; ``DEFAULT_ROUNDS`` = 3 gives 60, and the bootstrap over rounds
sees whether the two processes of a round differed as a whole.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwtbench
from jwtbench.analysis.compare import Comparison, compare_results, measured_rows, split_runs
from jwtbench.cli.compare import add_verdict_options, report
from jwtbench.envs.lockstep import Coordinator, log_tail
from jwtbench.measure.merge import merge_rounds
from jwtbench.model.cell import CellKey, cell_key, cell_label
from jwtbench.model.results import Results, load_results, now_iso, run_path, write_atomic
from jwtbench.present.fmt import format_seconds

SIDES = ("base", "head")
#: Rounds by default (lockstep pairs of runs; see the module docstring).
DEFAULT_ROUNDS = 3
#: Written last into a built env: its presence means the env is complete.
MARKER = ".jwtbench-env.json"
#: Lines of installer / child output shown when something fails.
TAIL_LINES = 15
#: Child output lines passed through as progress.
PROGRESS = re.compile(r"^\[\s*\d+/\d+\]|^(done|interrupted) in ")
_VERSION_OPS = "<>=!~"
Echo = Callable[[str], None]


class AbError(RuntimeError):
    """An A/B run that cannot go on (bad requirement, failed install, failed round)."""


# -- requirement sets and the env cache ----------------------------------------------


def parse_requirements(text: str) -> list[str]:
    """Split a space- or comma-separated requirement set into PEP 508 specs.

    A comma inside a specifier (``cryptography>=42,<45``) or extras
    (``python-jose[cryptography,pycryptodome]``) stays in its requirement;
    ``PyJWT == 2.10.1`` and ``pyjwt @ URL`` are joined back. Names are
    normalized (``PyJWT`` -> ``pyjwt``); a name given twice is an error.
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    pieces: list[tuple[str, str]] = []  # (separator before it: "," or " ", piece)
    token, sep, depth = "", "", 0
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if depth == 0 and (ch.isspace() or ch == ","):
            if token:
                pieces.append((sep, token))
                token, sep = "", ""
            sep = "," if ch == "," else (sep or " ")
            continue
        token += ch
    if token:
        pieces.append((sep, token))

    joined: list[str] = []
    for sep, piece in pieces:
        if joined and (piece[0] in _VERSION_OPS + "@" or joined[-1][-1] in _VERSION_OPS + "@"):
            # "PyJWT ==" "2.10.1", "pyjwt" "@" URL, "cryptography>=42" "<45"
            has_spec = any(op in joined[-1] for op in _VERSION_OPS)
            glue = "," if sep == "," and has_spec and piece[0] in _VERSION_OPS else " "
            joined[-1] = f"{joined[-1]}{glue}{piece}"
        else:
            joined.append(piece)

    out: list[str] = []
    seen: set[str] = set()
    for spec in joined:
        if spec.startswith("-"):
            raise AbError(f"{spec!r}: installer options are not accepted in a requirement set")
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            first = str(exc).splitlines()[0]
            raise AbError(f"{spec!r} is not a valid requirement ({first})") from None
        req.name = canonicalize_name(req.name)
        if req.name in seen:
            raise AbError(f"{req.name} is named twice in {text!r}")
        seen.add(req.name)
        out.append(str(req))
    if not out:
        raise AbError(f"empty requirement set {text!r}: give at least one, e.g. 'pyjwt==2.10.1'")
    return out


def project_dir() -> Path:
    """The jwtbench source tree (the folder holding the ``bench`` package and pyproject)."""
    root = Path(jwtbench.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise AbError(f"ab needs jwtbench's source tree; no pyproject.toml in {root}")
    return root


def env_key(
    requirements: Sequence[str],
    *,
    python_version: str | None = None,
    project: Path | None = None,
) -> str:
    """16 hex digits identifying an env: Python build, sorted requirements, project.

    The project enters by its path (an editable install runs *that* tree's
    code) and its ``pyproject.toml`` contents (its dependencies).
    """
    project = project or project_dir()
    pyproject = hashlib.sha256((project / "pyproject.toml").read_bytes()).hexdigest()
    version = python_version or f"{sys.implementation.name} {sys.version}"
    text = "\n".join([version, *sorted(requirements), str(project.resolve()), pyproject])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def default_env_root() -> Path:
    """``$XDG_CACHE_HOME/jwtbench/envs`` (``~/.cache/jwtbench/envs``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "jwtbench" / "envs"


def pick_installer(name: str = "auto") -> str:
    """``uv`` when asked or when on PATH (auto), else ``pip``."""
    if name == "auto":
        return "uv" if shutil.which("uv") else "pip"
    if name == "uv" and not shutil.which("uv"):
        raise AbError("--installer uv: uv is not on PATH")
    return name


@dataclass(frozen=True)
class Env:
    """One side's virtualenv."""

    path: Path
    requirements: tuple[str, ...]
    key: str

    @property
    def bin(self) -> Path:
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    @property
    def jwtbench(self) -> Path:
        return self.bin / ("jwtbench.exe" if os.name == "nt" else "jwtbench")


def build_commands(installer: str, env: Env, project: Path) -> list[list[str]]:
    """Create the venv, install the project, then the requirement set (so its pins win)."""
    py = str(env.python)
    if installer == "uv":
        # --compile-bytecode: uv leaves .py files uncompiled, and with
        # PYTHONDONTWRITEBYTECODE set every round would recompile numpy & co.
        install = ["uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", py]
        return [
            ["uv", "venv", "--quiet", "--python", sys.executable, str(env.path)],
            [*install, "-e", str(project)],
            [*install, *env.requirements],
        ]
    pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    return [
        [sys.executable, "-m", "venv", str(env.path)],
        [*pip, "-e", str(project)],
        [*pip, *env.requirements],
    ]


def freeze_command(installer: str, env: Env) -> list[str]:
    if installer == "uv":
        return ["uv", "pip", "freeze", "--python", str(env.python)]
    return [str(env.python), "-m", "pip", "freeze", "--disable-pip-version-check"]


def child_environ(env: Env | None = None) -> dict[str, str]:
    """The environment for installers and rounds: no leaked PYTHONPATH, unbuffered output."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    environ["PYTHONUNBUFFERED"] = "1"
    if env is not None:
        environ["VIRTUAL_ENV"] = str(env.path)
        environ["PATH"] = os.pathsep.join([str(env.bin), environ.get("PATH", "")])
    return environ


def tail(text: str, lines: int = TAIL_LINES) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in kept)


def run_checked(cmd: Sequence[str], *, what: str, env: Env | None = None) -> str:
    """Run ``cmd`` and return its output; ``AbError`` naming ``what`` with its last lines."""
    try:
        proc = subprocess.run(
            list(cmd), capture_output=True, text=True, env=child_environ(env), check=False
        )
    except OSError as exc:
        raise AbError(f"{what}: cannot run {cmd[0]} ({exc.strerror})") from None
    if proc.returncode != 0:
        raise AbError(
            f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            + tail(proc.stderr + "\n" + proc.stdout)
        )
    return proc.stdout


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock file, so two jobs never build the same env at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def env_is_valid(env: Env, project: Path) -> bool:
    """Marker present and matching, interpreter and jwtbench there and importable."""
    try:
        marker = json.loads((env.path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("key") != env.key or marker.get("project") != str(project):
        return False
    if not (env.python.exists() and env.jwtbench.exists()):
        return False
    probe = subprocess.run(
        [str(env.python), "-c", "import jwtbench.cli.main"],
        capture_output=True,
        env=child_environ(env),
        check=False,
    )
    return probe.returncode == 0


def _remove_env(path: Path) -> None:
    """Delete a half-built or stale env; refuse anything that does not look like one."""
    if not path.exists():
        return
    if not ((path / "pyvenv.cfg").exists() or (path / MARKER).exists() or not any(path.iterdir())):
        raise AbError(f"refusing to replace {path}: it is not a jwtbench env")
    shutil.rmtree(path)


def ensure_env(
    requirements: Sequence[str],
    root: Path,
    *,
    installer: str,
    side: str = "",
    rebuild: bool = False,
    echo: Echo = print,
) -> tuple[Env, bool]:
    """The env for ``requirements`` under ``root``, built unless cached; (env, was_built)."""
    project = project_dir()
    key = env_key(requirements, project=project)
    env = Env(root / key, tuple(requirements), key)
    side = side or "env"
    what = f"{side} requirement set {' '.join(requirements)!r}"
    with _locked(root / f"{key}.lock"):
        if not rebuild and env_is_valid(env, project):
            echo(f"ab: {side}: {' '.join(requirements)} -> cached env {env.path}")
            return env, False
        _remove_env(env.path)
        echo(f"ab: {side}: {' '.join(requirements)} -> building env {env.path} ({installer})")
        started = time.perf_counter()
        steps = ("creating the virtualenv for", "installing jwtbench for", "installing")
        for step, cmd in zip(steps, build_commands(installer, env, project), strict=True):
            run_checked(cmd, what=f"{step} the {what}", env=env)
        marker = {
            "key": key,
            "requirements": list(requirements),
            "project": str(project),
            "python": sys.version,
            "installer": installer,
            "built": now_iso(),
        }
        (env.path / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        echo(f"ab: {side}: env ready in {time.perf_counter() - started:.1f}s")
        return env, True


def freeze(env: Env, installer: str) -> list[str]:
    """The exact installed distributions of ``env`` (``name==version`` lines)."""
    out = run_checked(freeze_command(installer, env), what=f"listing packages of {env.path}")
    return sorted(line.strip() for line in out.splitlines() if line.strip())


def _freeze_map(lines: Sequence[str]) -> dict[str, str]:
    from packaging.utils import canonicalize_name

    out: dict[str, str] = {}
    for line in lines:
        name = re.split(r"[=@ ]", line.removeprefix("-e "), maxsplit=1)[0]
        out[canonicalize_name(name)] = line
    return out


def env_differences(
    freezes: Mapping[str, Sequence[str]], requirements: Mapping[str, Sequence[str]]
) -> list[str]:
    """Installed packages that differ between the envs *and* are pinned by neither set.

    Such a difference (an env cached last week resolved an older numpy or
    cryptography) confounds the A/B; rebuilding with ``--rebuild`` removes it.
    """
    from packaging.requirements import Requirement

    pinned = {Requirement(r).name for reqs in requirements.values() for r in reqs}
    base, head = (_freeze_map(freezes[side]) for side in SIDES)
    return [
        f"{base.get(name, name + ' (absent)')} vs {head.get(name, name + ' (absent)')}"
        for name in sorted(set(base) | set(head))
        if name not in pinned and base.get(name) != head.get(name) and name != "jwtbench"
    ]


# -- rounds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What each round measures: the ``jwtbench run`` selection options."""

    profile: str = "quick"
    adapters: str | None = None
    algs: str | None = None
    encs: str | None = None
    ops: str | None = None
    key_modes: str | None = None
    payloads: str | None = None

    def args(self) -> list[str]:
        out = ["--profile", self.profile]
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name != "profile" and value:
                out += [f"--{field.name.replace('_', '-')}", value]
        return out

    def check(self) -> None:
        """Validate every name now (``MatrixError``), before any env is built."""
        from jwtbench.measure.matrix import PROFILES, build_matrix
        from jwtbench.model import selection

        chosen = selection.Selection.parse({f: getattr(self, f) for f in selection.FIELDS})
        cells = build_matrix(PROFILES[self.profile], chosen)
        if not cells:
            raise AbError("the selection has no cell: nothing to measure")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def round_plan(rounds: int, *, interleave: bool = True) -> list[tuple[int, str]]:
    """(round, side) in run order: ABBA... when interleaved, else all base then all head."""
    if interleave:
        return [(i, side) for i in range(rounds) for side in (SIDES if i % 2 == 0 else SIDES[::-1])]
    return [(i, side) for side in SIDES for i in range(rounds)]


@dataclass(frozen=True)
class Side:
    """How to start one side's ``jwtbench run``: command prefix, environment, extra args."""

    command: tuple[str, ...]  # (env's jwtbench,) or (python, "-m", "jwtbench.cli.main")
    environ: Mapping[str, str]
    extra: tuple[str, ...] = ()

    @classmethod
    def of_env(cls, env: Env) -> Side:
        return cls((str(env.jwtbench),), child_environ(env))

    def run_command(self, side: str, output: Path, selection: Selection) -> list[str]:
        cmd = [*self.command, "run", "--no-report", "--no-interop", "--output", str(output)]
        return [*cmd, *selection.args(), "--label", f"ab-{side}", *self.extra]


def run_round(
    runner: Side, side: str, output: Path, selection: Selection, *, echo: Echo, cwd: Path
) -> None:
    """One ``jwtbench run`` of one side, its progress lines echoed with the side as prefix."""
    cmd = runner.run_command(side, output, selection)
    last: collections.deque[str] = collections.deque(maxlen=TAIL_LINES * 4)
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(runner.environ),
        cwd=cwd,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            last.append(line)
            if PROGRESS.search(line):
                echo(f"  {side:<4} | {line}")
        code = proc.wait()
    finally:
        if proc.poll() is None:  # interrupted: do not leave the child running
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if code != 0 or not output.exists():
        raise AbError(
            f"{side} round failed (exit {code}): {' '.join(cmd)}\n" + tail("\n".join(last))
        )


def run_lockstep_round(
    runners: Mapping[str, Side],
    outputs: Mapping[str, Path],
    selection: Selection,
    *,
    echo: Echo,
    cwd: Path,
) -> None:
    """Both sides' runs at once, taking turns burst by burst (``jwtbench.envs.lockstep``)."""
    cwd.mkdir(parents=True, exist_ok=True)
    commands = {side: runners[side].run_command(side, outputs[side], selection) for side in SIDES}
    coordinator = Coordinator(
        commands,
        {side: runners[side].environ for side in SIDES},
        cwd=cwd,
        pair=uuid.uuid4().hex[:12],
        echo=echo,
    )
    codes = coordinator.run()
    for side in SIDES:
        if codes[side] != 0 or not outputs[side].exists():
            log = coordinator.children[side].log if side in coordinator.children else cwd
            raise AbError(
                f"{side} lockstep round failed (exit {codes.get(side)}): "
                f"{' '.join(commands[side])}\n" + log_tail(log)
            )


def measure_rounds(
    runners: Mapping[str, Side],
    selection: Selection,
    *,
    rounds: int,
    interleave: bool,
    folder: Path,
    echo: Echo,
    describe: Mapping[str, str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Each side's ``rounds`` results, raw: in lockstep, or all base rounds then all head."""
    files: dict[str, list[Path]] = {side: [] for side in SIDES}
    describe = describe or {}
    if interleave:
        for index in range(rounds):
            echo(f"ab: round {index + 1}/{rounds}: base and head in lockstep")
            outputs = {side: folder / f"{side}_{index}.json" for side in SIDES}
            run_lockstep_round(runners, outputs, selection, echo=echo, cwd=folder / f"round{index}")
            for side in SIDES:
                files[side].append(outputs[side])
    else:
        plan = round_plan(rounds, interleave=False)
        for step, (index, side) in enumerate(plan, start=1):
            what = f" ({describe[side]})" if side in describe else ""
            echo(f"ab: [{step}/{len(plan)}] round {index + 1}/{rounds}: {side}{what}")
            output = folder / f"{side}_{index}.json"
            run_round(runners[side], side, output, selection, echo=echo, cwd=folder)
            files[side].append(output)
    return {side: [load_results(p).raw for p in files[side]] for side in SIDES}


def run_medians(results: Results) -> dict[CellKey, list[float]]:
    """Each measured cell's median per merged run (from ``extra_info.merged_runs``)."""
    return {
        key: [statistics.median(run) for run in split_runs(row)]
        for key, row in measured_rows(results).items()
    }


def disagreeing_runs(results: Mapping[str, Results], threshold: float) -> list[str]:
    """Cells whose runs on one side differ by more than ``threshold`` among themselves.

    One line per cell (its worse side), largest spread first.

    All runs of one side ran the same code: a spread that large means the
    machine's speed changed during the A/B (a neighbour's job, throttling). The
    run-level test takes that spread into account, so it does not make verdicts
    wrong, but a change smaller than it needs many rounds to be seen.
    """
    worst: dict[CellKey, tuple[float, str]] = {}
    for side, result in results.items():
        params = {cell_key(r.params): r.params for r in result.rows()}
        for key, medians in run_medians(result).items():
            if len(medians) < 2:
                continue
            spread = max(medians) / min(medians)
            if spread > 1 + threshold and spread > worst.get(key, (0.0, ""))[0]:
                worst[key] = (
                    spread,
                    f"{cell_label(params[key])} ({side} runs {format_seconds(min(medians))}"
                    f"-{format_seconds(max(medians))}, {spread:.2f}x apart)",
                )
    return [text for _, text in sorted(worst.values(), reverse=True)]


# -- the whole A/B -----------------------------------------------------------------


@dataclass
class AbOutcome:
    base_path: Path
    head_path: Path
    comparison: Comparison
    envs: dict[str, Env]
    seconds: float


def run_ab(
    base: str,
    head: str,
    *,
    selection: Selection,
    rounds: int = DEFAULT_ROUNDS,
    interleave: bool = True,
    env_root: Path | None = None,
    results_dir: Path = Path("results"),
    installer: str = "auto",
    rebuild: bool = False,
    threshold: float = 0.10,
    alpha: float = 0.01,
    echo: Echo = print,
) -> AbOutcome:
    """Build (or reuse) both envs, run the rounds, merge, save and compare."""
    if rounds < 1:
        raise AbError(f"--rounds must be at least 1, got {rounds}")
    started = time.perf_counter()
    requirements = {"base": parse_requirements(base), "head": parse_requirements(head)}
    selection.check()
    tool = pick_installer(installer)
    root = env_root or default_env_root()
    envs: dict[str, Env] = {}
    for side in SIDES:
        same = [envs[s] for s in envs if sorted(envs[s].requirements) == sorted(requirements[side])]
        if same:  # the same requirement set on both sides: one env
            envs[side] = same[0]
            echo(f"ab: {side}: same requirement set, same env {same[0].path}")
            continue
        envs[side], _ = ensure_env(
            requirements[side], root, installer=tool, side=side, rebuild=rebuild, echo=echo
        )
    freezes = {side: freeze(envs[side], tool) for side in SIDES}
    drift = env_differences(freezes, requirements)
    if drift:
        echo("ab: warning: the envs also differ in " + "; ".join(drift) + " (try --rebuild)")

    runners = {side: Side.of_env(envs[side]) for side in SIDES}
    with tempfile.TemporaryDirectory(prefix="jwtbench-ab-") as tmp:
        loaded = measure_rounds(
            runners,
            selection,
            rounds=rounds,
            interleave=interleave,
            folder=Path(tmp),
            echo=echo,
            describe={side: " ".join(requirements[side]) for side in SIDES},
        )

    when = dt.datetime.now(dt.timezone.utc)
    ab_meta: dict[str, Any] = {
        side: {
            "requirements": requirements[side],
            "freeze": freezes[side],
            "env": str(envs[side].path),
        }
        for side in SIDES
    }
    if interleave:  # each round runs both sides at once
        order = [f"base{i + 1}+head{i + 1}" for i in range(rounds)]
    else:
        order = [f"{side}{i + 1}" for i, side in round_plan(rounds, interleave=False)]
    ab_meta |= {
        "rounds": rounds,
        "interleaved": interleave,
        "order": order,
        "env_differences": drift,
    }
    paths: dict[str, Path] = {}
    for side in SIDES:
        merged = merge_rounds(loaded[side], label=f"ab-{side}")
        merged["jwtbench"]["ab"] = {**ab_meta, "side": side}
        paths[side] = run_path(results_dir, f"ab-{side}", when)
        write_atomic(paths[side], merged)
        echo(f"ab: {side} results: {paths[side]}")
    results: dict[str, Results] = {side: load_results(paths[side]) for side in SIDES}
    cmp = compare_results(results["base"], results["head"], threshold=threshold, alpha=alpha)
    if drift:
        cmp.warnings.append("the envs also differ in " + "; ".join(drift))
    noisy = [] if interleave else disagreeing_runs(results, threshold)
    if noisy:
        shown = "; ".join(noisy[:3]) + (f"; and {len(noisy) - 3} more" if len(noisy) > 3 else "")
        cmp.warnings.append(
            f"runs of the same side disagree by more than {threshold:.0%} in "
            f"{_plural(len(noisy), 'cell')}: {shown}. The machine's speed changed during "
            "the A/B; the run-level test allows for it, so a change smaller than that "
            "spread needs more --rounds (or a quieter machine) to be flagged"
        )
    seconds = time.perf_counter() - started
    return AbOutcome(paths["base"], paths["head"], cmp, envs, seconds)


def cmd_ab(args: argparse.Namespace) -> int:
    """Dependency A/B: build/reuse both envs, interleave rounds, merge, compare."""
    from jwtbench.model.errors import UsageError

    selection = Selection(
        profile="quick" if args.quick else args.profile,
        adapters=args.adapters,
        algs=args.algs,
        encs=args.encs,
        ops=args.ops,
        key_modes=args.key_modes,
        payloads=args.payloads,
    )
    try:
        outcome = run_ab(
            args.base,
            args.head,
            selection=selection,
            rounds=args.rounds,
            interleave=not args.no_interleave,
            env_root=Path(args.env_dir).expanduser() if args.env_dir else None,
            results_dir=Path(args.results_dir),
            installer=args.installer,
            rebuild=args.rebuild,
            threshold=args.threshold,
            alpha=args.alpha,
        )
    except AbError as exc:
        raise UsageError(str(exc)) from None
    print(f"ab: done in {outcome.seconds:.1f}s")
    return report(outcome.comparison, args)


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench ab``."""
    from jwtbench.measure.matrix import PROFILES

    parser = verbs.add_parser(
        "ab",
        help="A/B two dependency sets in one job (isolated envs, lockstep rounds)",
        description=(
            "Measure the same selection under two requirement sets, each in its own "
            "cached virtualenv. Each round runs both sides at once in lockstep: pinned to "
            "one CPU, they take turns every ~5 ms burst, so each base burst has a head "
            "burst timed at the same machine speed, and the comparison is burst pair by "
            "burst pair. Requirement sets are space- or comma-separated pip specs, e.g. "
            '"pyjwt==2.10.1 cryptography==44.0.0".'
        ),
    )
    parser.add_argument("--base", required=True, metavar="REQS", help="the reference set")
    parser.add_argument("--head", required=True, metavar="REQS", help="the set to judge")
    parser.add_argument(
        "--rounds",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"rounds (default {DEFAULT_ROUNDS}): each runs base and head once, in lockstep "
        "(with --no-interleave: one ordinary run per side)",
    )
    parser.add_argument("--quick", action="store_true", help="the quick profile (the default)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument("--adapters", help="comma-separated adapters (default: all)")
    parser.add_argument("--algs", help="comma-separated JWS and/or JWE algorithms")
    parser.add_argument("--encs", help="comma-separated JWE content encryptions")
    parser.add_argument("--ops", help="comma-separated ops")
    parser.add_argument("--key-modes", help="comma-separated: prepared, raw")
    parser.add_argument("--payloads", help="comma-separated: small, 1kb, 16kb")
    parser.add_argument(
        "--no-interleave",
        action="store_true",
        help="no lockstep: all base runs, then all head runs, compared run by run "
        "(to see what lockstep buys)",
    )
    parser.add_argument(
        "--env-dir",
        help=f"where the envs are cached (default: {default_env_root()})",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the envs, even if cached")
    parser.add_argument(
        "--installer",
        choices=("auto", "uv", "pip"),
        default="auto",
        help="uv if on PATH (auto, the default), else python -m venv + pip",
    )
    parser.add_argument("--results-dir", default="results", help="default: ./results")
    add_verdict_options(parser)
    parser.set_defaults(func=cmd_ab)
