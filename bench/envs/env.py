"""Virtualenvs for ``jwtbench ab``: one per requirement set, cached, exact versions frozen.

Each requirement set (``"pyjwt==2.10.1 cryptography==44.0.0"``) gets its own
virtualenv holding *this* jwtbench (:func:`harness`) with the set installed
after it, so the pins win. ``uv`` builds it when on PATH (seconds), else
``python -m venv`` + pip. Envs live under ``~/.cache/jwtbench/envs`` (or
``$XDG_CACHE_HOME``), keyed by the Python build, the sorted requirements and
the harness's identity; an env counts only once its marker file, written
last, is there, and a lock file keeps two jobs from building one env at once.
:func:`freeze` records what each env really holds (``name==version``), so a
results file names the exact versions it measured.

Where the harness comes from: from a source checkout, an editable install of
it (both sides run that tree's code); from an installed copy (``pip install
.``, ``pip install git+...``), the source its ``direct_url.json`` names; or
``--harness SPEC``. Otherwise :class:`EnvError` says in one line what is needed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from jwtbench.envs import proc
from jwtbench.model.errors import UserError
from jwtbench.model.results import now_iso

#: Written last into a built env: its presence means the env is complete.
MARKER = ".jwtbench-env.json"
_VERSION_OPS = "<>=!~"
Echo = Callable[[str], None]


class EnvError(UserError):
    """An env that cannot be made (bad requirement, failed install, no harness source)."""


# -- requirement sets -----------------------------------------------------------------


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
            raise EnvError(f"{spec!r}: installer options are not accepted in a requirement set")
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            first = str(exc).splitlines()[0]
            raise EnvError(f"{spec!r} is not a valid requirement ({first})") from None
        req.name = canonicalize_name(req.name)
        if req.name in seen:
            raise EnvError(f"{req.name} is named twice in {text!r}")
        seen.add(req.name)
        out.append(str(req))
    if not out:
        raise EnvError(f"empty requirement set {text!r}: give at least one, e.g. 'pyjwt==2.10.1'")
    return out


# -- where the harness comes from ------------------------------------------------------


@dataclass(frozen=True)
class Harness:
    """How each env installs this jwtbench: installer arguments and what identifies it."""

    install: tuple[str, ...]  # ("-e", checkout) | (checkout,) | (URL or wheel,)
    identity: str  # enters the env key: a change here means another env
    describe: str
    #: uv caches a local directory's build by its pyproject only: rebuild it each time.
    refresh: bool = False


def _tree_digest(root: Path) -> str:
    """sha256 of a checkout's pyproject and package sources (a copy, not a link, is installed)."""
    digest = hashlib.sha256()
    files = [root / "pyproject.toml"]
    for folder in ("bench", "adapters"):
        files += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    for path in files:
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def source_tree(package_file: str) -> Path | None:
    """The checkout holding the running jwtbench (``bench/`` next to pyproject), if any."""
    root = Path(package_file).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "bench").is_dir() else None


def _from_direct_url(text: str) -> Harness | None:
    """The source a ``direct_url.json`` (PEP 610) names, if it can be installed again."""
    data = json.loads(text)
    url = str(data.get("url", ""))
    if "vcs_info" in data:
        info = data["vcs_info"]
        spec = f"jwtbench @ {info.get('vcs', 'git')}+{url}@{info.get('commit_id', '')}"
        return Harness((spec,), spec, f"jwtbench from {url} at {info.get('commit_id', '?')[:12]}")
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None  # an archive URL: its contents may have changed since
    path = Path(unquote(parsed.path))
    if "dir_info" in data and (path / "pyproject.toml").is_file():
        identity = f"dir {path} {_tree_digest(path)}"
        return Harness((str(path),), identity, f"jwtbench built from {path}", refresh=True)
    if path.is_file():  # a wheel or sdist file
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return Harness((str(path),), f"file {path} {digest}", f"jwtbench from {path}")
    return None


def harness(spec: str | None = None) -> Harness:
    """Where each env gets this jwtbench from (module docstring); ``EnvError`` if unknown."""
    import importlib.metadata

    import jwtbench

    if spec:
        local = Path(spec).expanduser()
        if local.is_dir() and (local / "pyproject.toml").is_file():
            local = local.resolve()
            return Harness((str(local),), f"dir {local} {_tree_digest(local)}", str(local), True)
        return Harness((spec,), f"spec {spec}", spec)
    tree = source_tree(jwtbench.__file__)
    if tree is not None:  # a checkout: editable, so both sides run this tree's code
        pyproject = hashlib.sha256((tree / "pyproject.toml").read_bytes()).hexdigest()
        return Harness(("-e", str(tree)), f"editable {tree} {pyproject}", f"jwtbench -e {tree}")
    found: Harness | None = None
    version = "?"
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        dist = importlib.metadata.distribution("jwtbench")
        version = dist.version
        mine = Path(str(dist.locate_file("jwtbench/__init__.py"))).resolve()
        direct = dist.read_text("direct_url.json")
        if direct and mine == Path(jwtbench.__file__).resolve():
            found = _from_direct_url(direct)
    if found is None:
        raise EnvError(
            f"ab installs jwtbench into each env, but this copy ({version}, "
            f"{Path(jwtbench.__file__).parent}) names no source to install it from: "
            "run ab from a checkout (pip install -e CHECKOUT) or give --harness CHECKOUT|WHEEL"
        )
    return found


# -- the env cache ----------------------------------------------------------------------


def env_key(
    requirements: Sequence[str], *, identity: str, python_version: str | None = None
) -> str:
    """16 hex digits identifying an env: Python build, sorted requirements, harness identity."""
    version = python_version or f"{sys.implementation.name} {sys.version}"
    text = "\n".join([version, *sorted(requirements), identity])
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
        raise EnvError("--installer uv: uv is not on PATH")
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

    def environ(self) -> dict[str, str]:
        """A child's environment inside this env."""
        return proc.child_environ(venv=self.path, bin_dir=self.bin)


def build_commands(installer: str, env: Env, source: Harness) -> list[list[str]]:
    """Create the venv, install the harness, then the requirement set (so its pins win)."""
    py = str(env.python)
    if installer == "uv":
        # --compile-bytecode: uv leaves .py files uncompiled, and with
        # PYTHONDONTWRITEBYTECODE set every round would recompile numpy & co.
        install = ["uv", "pip", "install", "--quiet", "--compile-bytecode", "--python", py]
        refresh = ["--refresh-package", "jwtbench"] if source.refresh else []
        return [
            ["uv", "venv", "--quiet", "--python", sys.executable, str(env.path)],
            [*install, *refresh, *source.install],
            [*install, *env.requirements],
        ]
    pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    return [
        [sys.executable, "-m", "venv", str(env.path)],
        [*pip, *source.install],
        [*pip, *env.requirements],
    ]


def freeze_command(installer: str, env: Env) -> list[str]:
    if installer == "uv":
        return ["uv", "pip", "freeze", "--python", str(env.python)]
    return [str(env.python), "-m", "pip", "freeze", "--disable-pip-version-check"]


def run_checked(cmd: Sequence[str], *, what: str, env: Env | None = None) -> str:
    """Run ``cmd`` (inside ``env``); its output, or ``EnvError`` naming ``what``."""
    environ = env.environ() if env is not None else proc.child_environ()
    try:
        return proc.run_checked(cmd, what=what, environ=environ)
    except proc.ProcError as exc:
        raise EnvError(str(exc)) from None


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


def env_is_valid(env: Env) -> bool:
    """Marker present and matching, interpreter and jwtbench there and importable."""
    try:
        marker = json.loads((env.path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("key") != env.key or not (env.python.exists() and env.jwtbench.exists()):
        return False
    try:
        proc.run_checked([str(env.python), "-c", "import jwtbench.cli.main"], what="probe",
                         environ=env.environ())  # fmt: skip
    except proc.ProcError:
        return False
    return True


def _remove_env(path: Path) -> None:
    """Delete a half-built or stale env; refuse anything that does not look like one."""
    if not path.exists():
        return
    if not ((path / "pyvenv.cfg").exists() or (path / MARKER).exists() or not any(path.iterdir())):
        raise EnvError(f"refusing to replace {path}: it is not a jwtbench env")
    shutil.rmtree(path)


def ensure_env(
    requirements: Sequence[str],
    root: Path,
    *,
    installer: str,
    source: Harness | None = None,
    side: str = "env",
    rebuild: bool = False,
    echo: Echo = print,
    verb: str = "ab",
) -> tuple[Env, bool]:
    """The env for ``requirements`` under ``root``, built unless cached; (env, was_built)."""
    source = source or harness()
    key = env_key(requirements, identity=source.identity)
    env = Env(root / key, tuple(requirements), key)
    what = f"{side} requirement set {' '.join(requirements)!r}"
    with _locked(root / f"{key}.lock"):
        if not rebuild and env_is_valid(env):
            echo(f"{verb}: {side}: {' '.join(requirements)} -> cached env {env.path}")
            return env, False
        _remove_env(env.path)
        echo(f"{verb}: {side}: {' '.join(requirements)} -> building env {env.path} ({installer})")
        started = time.perf_counter()
        steps = ("creating the virtualenv for", "installing jwtbench for", "installing")
        for step, cmd in zip(steps, build_commands(installer, env, source), strict=True):
            run_checked(cmd, what=f"{step} the {what}", env=env)
        marker: dict[str, Any] = {
            "key": key,
            "requirements": list(requirements),
            "harness": source.identity,
            "python": sys.version,
            "installer": installer,
            "built": now_iso(),
        }
        (env.path / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        echo(f"{verb}: {side}: env ready in {time.perf_counter() - started:.1f}s")
        return env, True


#: A ``pip freeze`` line naming a distribution (installers' warnings are not).
_FREEZE_LINE = re.compile(r"^(-e\s+)?[A-Za-z0-9][A-Za-z0-9._-]*(\[.*\])?\s*(==|@)\s*\S")


def freeze(env: Env, installer: str) -> list[str]:
    """The exact installed distributions of ``env`` (``name==version`` lines)."""
    out = run_checked(freeze_command(installer, env), what=f"listing packages of {env.path}")
    return sorted(line.strip() for line in out.splitlines() if _FREEZE_LINE.match(line.strip()))


def _freeze_map(lines: Sequence[str]) -> dict[str, str]:
    from packaging.utils import canonicalize_name

    out: dict[str, str] = {}
    for line in lines:
        name = re.split(r"[=@ ]", line.removeprefix("-e "), maxsplit=1)[0]
        out[canonicalize_name(name)] = line
    return out


def env_differences(
    freezes: Mapping[str, Sequence[str]],
    requirements: Mapping[str, Sequence[str]],
    sides: tuple[str, str] = ("base", "head"),
) -> list[str]:
    """Installed packages that differ between the envs *and* are pinned by neither set.

    Such a difference (an env cached last week resolved an older numpy or
    cryptography) confounds the A/B; rebuilding with ``--rebuild`` removes it.
    """
    from packaging.requirements import Requirement

    pinned = {Requirement(r).name for reqs in requirements.values() for r in reqs}
    base, head = (_freeze_map(freezes[side]) for side in sides)
    return [
        f"{base.get(name, name + ' (absent)')} vs {head.get(name, name + ' (absent)')}"
        for name in sorted(set(base) | set(head))
        if name not in pinned and base.get(name) != head.get(name) and name != "jwtbench"
    ]
