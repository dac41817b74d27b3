"""Probe what a library really runs in an env of its own (no jwtbench, nothing else).

Why: advice such as "use python-jose with PyCryptodome" is a claim about an
install (``pip install 'python-jose[pycryptodome]'``) that jwtbench's own envs
cannot check, because jwtbench needs ``cryptography`` and python-jose prefers
it whenever it is there. :func:`probe_python_jose` builds a bare, cached env
holding only that install, then asks it, in a fresh interpreter, which class
python-jose would sign with per key type, whether importing every jose module
pulls in PyCryptodome (``Crypto``/``Cryptodome``), and whether any jose
source file imports it at all (an ``ast`` walk, not a text search).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jwtbench.envs import proc
from jwtbench.envs.env import Echo, Env, EnvError, env_key, freeze, pick_installer, run_checked

#: Runs inside the bare env: prints one JSON object.
_JOSE_PROBE = r"""
import ast, importlib, importlib.metadata as md, json, pkgutil, sys, pathlib
import jose, jose.backends as b
for mod in pkgutil.walk_packages(jose.__path__, "jose."):
    try:
        importlib.import_module(mod.name)
    except ImportError:
        pass
def where(cls):
    return None if cls is None else f"{cls.__module__}.{cls.__name__}"
importers = []
for path in sorted(pathlib.Path(jose.__file__).parent.rglob("*.py")):
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(n.split(".")[0] in ("Crypto", "Cryptodome") for n in names):
            importers.append(path.name)
def version(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None
print(json.dumps({
    "classes": {"RSAKey": where(b.RSAKey), "ECKey": where(b.ECKey),
                "HMACKey": where(b.HMACKey), "AESKey": where(b.AESKey)},
    "pycryptodome_loaded": any(m.split(".")[0] in ("Crypto", "Cryptodome") for m in sys.modules),
    "modules_importing_pycryptodome": sorted(set(importers)),
    "versions": {d: version(d) for d in ("python-jose", "pycryptodome", "cryptography",
                                         "rsa", "ecdsa")},
}))
"""


def ensure_bare_env(
    requirements: Sequence[str], root: Path, *, installer: str = "auto", echo: Echo = print
) -> tuple[Env, bool]:
    """A cached env holding only ``requirements`` (no jwtbench); (env, was_built)."""
    installer = pick_installer(installer)
    key = env_key(requirements, identity="bare")
    env = Env(root / f"bare-{key}", tuple(requirements), key)
    marker = env.path / ".jwtbench-bare.json"
    if marker.exists() and env.python.exists():
        return env, False
    echo(f"probe: building bare env {env.path} for {' '.join(requirements)}")
    if installer == "uv":
        steps = [
            ["uv", "venv", "--quiet", "--python", sys.executable, str(env.path)],
            ["uv", "pip", "install", "--quiet", "--python", str(env.python), *requirements],
        ]
    else:
        steps = [[sys.executable, "-m", "venv", str(env.path)],
                 [str(env.python), "-m", "pip", "install", "--quiet", *requirements]]  # fmt: skip
    for cmd in steps:
        run_checked(cmd, what=f"building the bare env for {' '.join(requirements)}", env=env)
    marker.write_text(json.dumps({"key": key, "requirements": list(requirements)}) + "\n")
    return env, True


def probe_python_jose(
    spec: str = "python-jose[pycryptodome]", root: Path | None = None, *, echo: Echo = print
) -> dict[str, Any]:
    """What ``pip install SPEC`` of python-jose really runs (module docstring)."""
    from jwtbench.envs.env import default_env_root

    started = time.perf_counter()
    env, built = ensure_bare_env([spec], root or default_env_root(), echo=echo)
    try:
        out = proc.run_checked([str(env.python), "-c", _JOSE_PROBE], what=f"probing {spec}",
                               environ=env.environ())  # fmt: skip
    except proc.ProcError as exc:
        raise EnvError(str(exc)) from None
    found: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    classes = found["classes"]
    native = all(
        str(classes[k]).startswith(
            ("jose.backends.rsa_backend", "jose.backends.ecdsa_backend", "jose.backends.native")
        )
        for k in ("RSAKey", "ECKey", "HMACKey")
    )
    found["backend"] = "native" if native else "cryptography"
    found["install"] = spec
    found["freeze"] = freeze(env, pick_installer("auto"))
    found["env_built"] = built
    found["seconds"] = round(time.perf_counter() - started, 2)
    return found
