"""``jwtbench list``: adapters, versions and their declared capabilities.

Everything shown is the adapters' *declared* capability data (JWS algorithms,
JWE alg x enc pairs, nested tokens, the default allow-list), the same data the
matrix is built from, so ``list`` says what a run will measure or mark
unsupported.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from jwtbench.adapters import ADAPTERS
from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS, JWS_ALGS, Adapter
from jwtbench.measure.matrix import NESTED_JWE_ALGS, NESTED_SIG_ALGS, PROFILES, adapter_or_reason


def _row(first: str, width: int, marks: Sequence[str], column: int) -> str:
    return f"{first:<{width}}  " + "  ".join(f"{m:^{column}}" for m in marks)


def _jwe_mark(adapter: type[Adapter], alg: str) -> str:
    """``all`` encs, ``n/6`` or ``-`` (none), as the adapter class declares them."""
    encs = [enc for enc in JWE_ENCS if alg in adapter.jwe_algs and enc in adapter.jwe_encs]
    if not encs:
        return "-"
    return "all" if len(encs) == len(JWE_ENCS) else f"{len(encs)}/{len(JWE_ENCS)}"


def _names(chosen: Sequence[str], known: Sequence[str]) -> str:
    if not chosen:
        return "none"
    return f"all {len(known)}" if set(chosen) >= set(known) else " ".join(chosen)


def _nested(adapter: type[Adapter], encs: Sequence[str]) -> str:
    """The nested (sign-then-encrypt) cells the matrix gives this adapter."""
    sigs = [alg for alg in NESTED_SIG_ALGS if alg in adapter.jws_algs]
    jwes = [a for a in NESTED_JWE_ALGS if a in adapter.jwe_algs and set(encs) & adapter.jwe_encs]
    if not sigs or not jwes:
        return "none" + ("" if adapter.jwe_algs else " (no JWE)")
    return f"{' '.join(sigs)} inside {' '.join(jwes)} ({'/'.join(encs)})"


def cmd_list(args: argparse.Namespace) -> int:
    """Adapters, versions and the declared capability matrix."""
    names = list(ADAPTERS)
    adapters = {name: adapter_or_reason(name) for name in names}
    column = max(11, *(len(n) for n in names))
    backend = max(13, *(len(a.backend) for a in adapters.values() if not isinstance(a, str)))
    print(f"{'adapter':<{column}} {'version':<10} {'backend':<{backend}} status")
    for name, adapter in adapters.items():
        if isinstance(adapter, str):
            print(f"{name:<{column}} {'-':<10} {'-':<{backend}} unavailable: {adapter}")
        else:
            print(f"{name:<{column}} {adapter.version:<10} {adapter.backend:<{backend}} available")

    # capabilities are class data: shown for unavailable adapters too
    declared = {name: ADAPTERS[name] for name in names}
    width = max(len(alg) for alg in (*JWS_ALGS, *JWE_ALGS, "JWE alg (encs)"))
    print()
    print(_row("JWS", width, names, column))
    for alg in JWS_ALGS:
        marks = ["yes" if alg in cls.jws_algs else "-" for cls in declared.values()]
        print(_row(alg, width, marks, column))
    print()
    print(_row("JWE alg (encs)", width, names, column))
    for alg in JWE_ALGS:
        print(_row(alg, width, [_jwe_mark(cls, alg) for cls in declared.values()], column))
    print(f"{'':<{width}}  encs: {' '.join(JWE_ENCS)}")
    for name, cls in declared.items():
        if 0 < len(cls.jwe_encs) < len(JWE_ENCS):
            print(f"{'':<{width}}  {name} encs: {_names(sorted(cls.jwe_encs), JWE_ENCS)}")

    print()
    print("nested JWT (signed, then encrypted; cty JWT):")
    encs = PROFILES["quick"].nested_encs
    for name, cls in declared.items():
        print(f"  {name:<{column}} {_nested(cls, encs)}")
    print()
    print("enabled by default (accepted by the library's shortest decode call, no alg list):")
    for name, cls in declared.items():
        chosen = [alg for alg in JWS_ALGS if alg in cls.enabled_by_default]
        print(f"  {name:<{column}} {_names(chosen, JWS_ALGS)}")
    print()
    print("JWE enabled by default (alg x enc accepted by decrypt without an allow-list):")
    for name, cls in declared.items():
        if cls.jwe_algs or cls.enabled_by_default & set(JWE_ALGS):
            chosen = [alg for alg in JWE_ALGS if alg in cls.enabled_by_default]
            extra = sorted(set(chosen) - cls.jwe_algs)
            note = f"  (also {' '.join(extra)}, decrypt only)" if extra else ""
            print(f"  {name:<{column}} {_names(chosen, JWE_ALGS)}{note}")
    print()
    for profile in PROFILES.values():
        print(f"profile {profile.name}: {profile.description}")
    return 0


def add_parser(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``jwtbench list``."""
    listing = verbs.add_parser(
        "list",
        help="adapters, versions and capabilities",
        description="Show each adapter's library version and availability, and its declared "
        "capabilities: JWS algorithms, JWE key-management x content-encryption support, "
        "nested (sign-then-encrypt) tokens and the algorithms its decode call accepts by "
        "default. Unsupported cells of a run are the '-' here. Runs nothing.",
    )
    listing.set_defaults(func=cmd_list)
