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


def _jwe_mark(adapter: Adapter | str, alg: str) -> str:
    """``all`` encs, ``n/6``, ``-`` (none) or ``?`` (adapter unavailable)."""
    if isinstance(adapter, str):
        return "?"
    encs = [enc for enc in JWE_ENCS if adapter.supports_jwe(alg, enc)]
    if not encs:
        return "-"
    return "all" if len(encs) == len(JWE_ENCS) else f"{len(encs)}/{len(JWE_ENCS)}"


def _names(chosen: Sequence[str], known: Sequence[str]) -> str:
    if not chosen:
        return "none"
    return f"all {len(known)}" if set(chosen) >= set(known) else " ".join(chosen)


def _nested(adapter: Adapter, encs: Sequence[str]) -> str:
    """The nested (sign-then-encrypt) cells the matrix gives this adapter."""
    sigs = [alg for alg in NESTED_SIG_ALGS if alg in adapter.jws_algs]
    jwes = [a for a in NESTED_JWE_ALGS if any(adapter.supports_jwe(a, e) for e in encs)]
    if not sigs or not jwes:
        return "none" + ("" if adapter.jwe_algs else " (no JWE)")
    return f"{' '.join(sigs)} inside {' '.join(jwes)} ({'/'.join(encs)})"


def cmd_list(args: argparse.Namespace) -> int:
    """Adapters, versions and the declared capability matrix."""
    names = list(ADAPTERS)
    adapters = {name: adapter_or_reason(name) for name in names}
    column = max(11, *(len(n) for n in names))
    print(f"{'adapter':<12} {'version':<10} {'backend':<13} status")
    for name, adapter in adapters.items():
        if isinstance(adapter, str):
            print(f"{name:<12} {'-':<10} {'-':<13} unavailable: {adapter}")
        else:
            print(f"{name:<12} {adapter.version:<10} {adapter.backend:<13} available")

    width = max(len(alg) for alg in (*JWS_ALGS, *JWE_ALGS, "JWE alg (encs)"))
    print()
    print(_row("JWS", width, names, column))
    for alg in JWS_ALGS:
        marks = [
            "?" if isinstance(a, str) else ("yes" if alg in a.jws_algs else "-")
            for a in adapters.values()
        ]
        print(_row(alg, width, marks, column))
    print()
    print(_row("JWE alg (encs)", width, names, column))
    for alg in JWE_ALGS:
        print(_row(alg, width, [_jwe_mark(a, alg) for a in adapters.values()], column))
    print(f"{'':<{width}}  encs: {' '.join(JWE_ENCS)}")
    for name, adapter in adapters.items():
        if not isinstance(adapter, str) and 0 < len(adapter.jwe_encs) < len(JWE_ENCS):
            print(f"{'':<{width}}  {name} encs: {_names(sorted(adapter.jwe_encs), JWE_ENCS)}")

    print()
    print("nested JWT (signed, then encrypted; cty JWT):")
    encs = PROFILES["quick"].nested_encs
    for name, adapter in adapters.items():
        if not isinstance(adapter, str):
            print(f"  {name:<12} {_nested(adapter, encs)}")
    print()
    print("enabled by default (accepted by the library's shortest decode call, no alg list):")
    for name, adapter in adapters.items():
        if not isinstance(adapter, str):
            chosen = [alg for alg in JWS_ALGS if alg in adapter.enabled_by_default]
            print(f"  {name:<12} {_names(chosen, JWS_ALGS)}")
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
