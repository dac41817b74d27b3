"""Who is measured where in ``jwtbench run --isolate`` / ``--lib``: the run's members.

A member is a column of the results: an adapter, and the library spec of its
own env (None: it runs in this process's env). ``jwtbench.measure.isolate``
builds the envs and runs them; this module only decides (see its docstring
for the rules) and says what each env installs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jwtbench.adapters import ADAPTERS, adapter_class
from jwtbench.measure.matrix import MatrixError, skip_reason
from jwtbench.model.cell import Cell, Status
from jwtbench.model.errors import UsageError
from jwtbench.model.selection import Selection


@dataclass(frozen=True)
class Member:
    """One column of the results: an adapter, and the library spec of its env (None: here)."""

    adapter: str
    spec: str | None = None
    versioned: bool = False  # a --lib member: its column names the installed version

    def column(self, version: str | None = None) -> str:
        return f"{self.adapter}@{version or self.pin}" if self.versioned else self.adapter

    @property
    def pin(self) -> str:
        """The ``==`` version of ``spec`` (or the spec itself, for a column name before install)."""
        from packaging.requirements import Requirement

        assert self.spec is not None
        exact = [s.version for s in Requirement(self.spec).specifier if s.operator == "=="]
        return exact[0] if exact else self.spec


def _requirements() -> list[Any]:
    import importlib.metadata

    from packaging.requirements import Requirement

    out = []
    for text in importlib.metadata.requires("jwtbench") or []:
        req = Requirement(text)
        if req.marker is None or "extra" not in str(req.marker):
            out.append(req)
    return out


def _libraries() -> set[str]:
    from packaging.utils import canonicalize_name

    return {canonicalize_name(cls.library) for cls in ADAPTERS.values() if cls.role == "library"}


def measuring_requirements() -> list[str]:
    """jwtbench's own requirements minus every measured library (pytest, numpy, cryptography...)."""
    from packaging.utils import canonicalize_name

    libraries = _libraries()
    return [str(r) for r in _requirements() if canonicalize_name(r.name) not in libraries]


def default_spec(adapter: str) -> str:
    """What an adapter's env installs by default: jwtbench's requirement for it, or its name."""
    from packaging.utils import canonicalize_name

    library = canonicalize_name(adapter_class(adapter).library)
    for req in _requirements():
        if canonicalize_name(req.name) == library:
            # no environment marker: ryjwt's "python_version >= '3.12'" would install
            # nothing here; without it the installer says why it cannot (its reason)
            req.marker = None
            return str(req)
    return library


def _adapter_for_lib(spec: str, among: Sequence[str] | None) -> str:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        name = canonicalize_name(Requirement(spec).name)
    except InvalidRequirement as exc:
        raise UsageError(f"--lib {spec!r} is not a requirement ({exc})") from None
    able = [
        n
        for n, c in ADAPTERS.items()
        if c.role == "library" and canonicalize_name(c.library) == name
    ]
    if not able:
        raise UsageError(f"--lib {spec}: no adapter measures {name}; known: {', '.join(ADAPTERS)}")
    chosen = [n for n in able if among and n in among]
    return (chosen or able)[0]


def needs_isolation(selection: Selection, libs: Sequence[str]) -> bool:
    """Isolation is automatic with ``--lib`` or when named adapters share a module."""
    return bool(libs) or bool(selection.adapters and _shared_module(selection.adapters))


def _shared_module(adapters: Sequence[str]) -> bool:
    """Two libraries install one module (pyjwt, jwt: ``jwt``); unknown names are the matrix's.

    Two adapters of one library (python-jose and python-jose-native) are no conflict.
    """
    known = [ADAPTERS[n] for n in adapters if n in ADAPTERS]
    owners: dict[str, set[str]] = {}
    for cls in known:
        if cls.role == "library":
            owners.setdefault(cls.module, set()).add(cls.library)
    return any(len(libraries) > 1 for libraries in owners.values())


def plan_members(selection: Selection, libs: Sequence[str], *, everything: bool) -> list[Member]:
    """The run's columns (module docstring): here, own env, or one env per ``--lib``.

    With ``--lib`` and no ``--adapters``, the other columns are the floor and the limit.
    """
    named = selection.adapters
    unknown = [n for n in named or () if n not in ADAPTERS]
    if unknown:
        raise MatrixError(f"unknown adapter {', '.join(unknown)}; known: {', '.join(ADAPTERS)}")
    lib_members = [Member(_adapter_for_lib(s, named), s, versioned=True) for s in libs]
    if named:
        adapters = list(named)
    elif libs:
        adapters = [n for n, c in ADAPTERS.items() if c.role != "library"]
    else:
        adapters = list(ADAPTERS)
    members: list[Member] = []
    for name in adapters:
        if any(m.adapter == name for m in lib_members) and not named:
            continue
        cls = adapter_class(name)
        here = skip_reason(Cell(name, "HS256", "sign", "prepared", "small"))
        unavailable_here = here is not None and here[0] is Status.UNAVAILABLE
        if cls.role != "library" or not (everything or unavailable_here):
            members.append(Member(name))
        else:
            members.append(Member(name, default_spec(name)))
    members += lib_members
    columns = [m.column() for m in members]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise UsageError(f"--lib: column {', '.join(twice)} would be measured twice")
    return members
