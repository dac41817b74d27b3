"""What one library costs beyond the hot path, measured inside its own interpreter.

Run by ``python -m jwtbench.measure.cost ADAPTER`` (``jwtbench.measure.cost`` starts
that child, with the python of whatever environment holds the library), this
module measures one adapter:

- **import**: ``python -X importtime -c "import MODULE"`` in a fresh interpreter
  per sample; the wall time of the ``import`` statement (perf_counter around it)
  and the heaviest modules by cumulative ``-X importtime`` microseconds (median
  per module over the samples);
- **first call with a cold key**: per algorithm family, a fresh interpreter imports
  the library first (before anything of the harness but the standard library),
  then starts the adapter and times its first ``prepare_key + sign`` and first
  ``prepare_key + verify``; the same two calls repeated give the warm time;
- **key preparation**: ``prepare_key`` from PEM (the secret bytes for HMAC) and
  from a JWK dict, warm, private (sign) and public (verify) keys;
- **memory**: tracemalloc's peak over one warm sign and one warm verify;
- **installed size**: the files in the distribution's RECORD, and in the closure
  of its declared requirements (no extras).

Every token timed here is verified by the floor (an independent implementation)
and every verify's claims are compared, after the timed calls; a call that fails
makes that entry an ``error`` with the reason. Nothing here is cached.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

#: The algorithm families measured (one key type each).
FAMILIES: tuple[str, ...] = ("HS256", "RS256", "ES256", "EdDSA")
#: How many of the heaviest imported modules are kept.
HEAVIEST = 5
#: The claim set every measurement signs.
PAYLOAD = "small"

# The snippet timed in a fresh interpreter; MODULE is substituted. ``time`` is built in.
_IMPORT_SNIPPET = (
    "import time as _t\n_s = _t.perf_counter()\nimport {module}\nprint(_t.perf_counter() - _s)"
)


class ProbeError(RuntimeError):
    """A measurement could not be made (the message says why)."""


# -- import time -------------------------------------------------------------------------


def parse_importtime(stderr: str) -> list[tuple[int, str, int, int]]:
    """``-X importtime`` lines as (depth, module, self us, cumulative us), in print order."""
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header line ("self [us] | cumulative | imported package")
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((depth, name.strip(), int(parts[0]), int(parts[1])))
    return rows


def used_modules(top: str) -> list[str]:
    """The modules of package ``top`` loaded in this interpreter, importable by their name.

    Called after the adapter has signed and verified: what an application doing the
    same work imports (``jwcrypto`` alone, for one, is an empty package).
    """
    found = []
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        if (name == top or name.startswith(top + ".")) and spec is not None and spec.name == name:
            found.append(name)
    return sorted(found) or [top]


def _one_import(
    python: str, modules: list[str], timeout: float
) -> tuple[float, list[tuple[int, str, int, int]]]:
    """One fresh interpreter: (seconds of the import statement, its -X importtime rows)."""
    code = _IMPORT_SNIPPET.format(module=", ".join(modules))
    done = _run([python, "-X", "importtime", "-c", code], timeout, f"import {modules[0]}")
    try:
        seconds = float(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ProbeError(f"import {modules[0]} printed no time: {done.stdout[-200:]!r}") from None
    return seconds, parse_importtime(done.stderr)


def import_cost(python: str, modules: list[str], samples: int, timeout: float) -> dict[str, Any]:
    """Median time of ``import MODULES`` over fresh interpreters, and the heaviest modules.

    The heaviest are by cumulative ``-X importtime`` microseconds (median per module),
    leaving out what the interpreter imports at start-up (a ``-c pass`` baseline) and
    the top-level imports themselves (their sum is ``importtime_cumulative_s``).
    """
    startup = {name for _, name, _, _ in _one_import(python, ["sys"], timeout)[1]}
    times: list[float] = []
    per_module: dict[str, list[int]] = {}
    top: dict[str, list[int]] = {}
    for _ in range(samples):
        seconds, rows = _one_import(python, modules, timeout)
        times.append(seconds)
        for depth, name, _, cum in rows:
            if name not in startup:
                (top if depth == 0 else per_module).setdefault(name, []).append(cum)
    medians = {name: statistics.median(v) for name, v in per_module.items()}
    heaviest = sorted(medians.items(), key=lambda item: -item[1])[:HEAVIEST]
    return {
        "modules": modules,
        "samples": len(times),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "samples_s": [float(f"{t:.6g}") for t in times],
        "importtime_cumulative_s": sum(statistics.median(v) for v in top.values()) / 1e6,
        "heaviest": [{"module": n, "cumulative_s": us / 1e6} for n, us in heaviest],
    }


def _run(command: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[str]:
    from jwtbench.envs.proc import child_environ, tail

    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=child_environ()
        )
    except subprocess.TimeoutExpired:
        raise ProbeError(f"{what}: timed out after {timeout:g} s") from None
    if done.returncode != 0:
        last = tail(done.stderr or done.stdout, 3).strip()
        raise ProbeError(f"{what}: exit {done.returncode}: {last}")
    return done


# -- timing helpers ----------------------------------------------------------------------


def per_call(func: Callable[[], Any], budget: float, max_calls: int = 2000) -> tuple[float, int]:
    """Median seconds of single calls of ``func`` over about ``budget`` seconds (>= 3 calls)."""
    times: list[float] = []
    clock = time.perf_counter
    end = clock() + budget
    while len(times) < 3 or (clock() < end and len(times) < max_calls):
        start = clock()
        func()
        times.append(clock() - start)
    return statistics.median(times), len(times)


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


# -- first call with a cold key (in a fresh interpreter per family) ----------------------


def first_call(name: str, modules: list[str], alg: str, budget: float) -> dict[str, Any]:
    """Cold then warm ``prepare_key + sign`` and ``prepare_key + verify`` of ``alg``.

    The library's modules (those its work loads) are imported first, before the
    harness (which imports ``cryptography`` to read its fixed keys), so the first
    call pays what it would in an application that has imported the library.
    """
    import_s, _ = _timed(lambda: [importlib.import_module(m) for m in modules])
    from jwtbench.adapters import load_adapter
    from jwtbench.adapters.keys import jws_key, load_claims

    start_s, adapter = _timed(lambda: load_adapter(name))
    material, claims = jws_key(alg), load_claims(PAYLOAD)
    expect = _expect()

    def sign() -> str:
        return str(adapter.sign(claims, adapter.prepare_key(alg, material, "sign"), alg))

    sign_cold, token = _timed(sign)

    def verify() -> Any:
        return adapter.verify(token, adapter.prepare_key(alg, material, "verify"), alg, expect)

    verify_cold, opened = _timed(verify)
    check_token(token, alg, claims)
    check_claims_equal(opened, claims, f"{name} {alg} verify")
    sign_warm, sign_calls = per_call(sign, budget)
    verify_warm, verify_calls = per_call(verify, budget)
    key, pub = (
        adapter.prepare_key(alg, material, "sign"),
        adapter.prepare_key(alg, material, "verify"),
    )
    sign_hot, _ = per_call(partial(adapter.sign, claims, key, alg), budget)
    verify_hot, _ = per_call(partial(adapter.verify, token, pub, alg, expect), budget)
    check_token(sign(), alg, claims)
    check_claims_equal(verify(), claims, f"{name} {alg} verify")
    return {
        "sign_hot_s": sign_hot,
        "verify_hot_s": verify_hot,
        "import_s": import_s,
        "adapter_start_s": start_s,
        "sign_cold_s": sign_cold,
        "sign_warm_s": sign_warm,
        "sign_warm_calls": sign_calls,
        "verify_cold_s": verify_cold,
        "verify_warm_s": verify_warm,
        "verify_warm_calls": verify_calls,
    }


# -- checks (outside every timed call) ---------------------------------------------------


def _expect() -> Any:
    from jwtbench.adapters.base import Expect

    return Expect()


def check_token(token: str, alg: str, claims: dict[str, Any]) -> None:
    """The floor (an independent implementation) must verify ``token`` to ``claims``."""
    from jwtbench.adapters.floor import FloorAdapter
    from jwtbench.adapters.keys import jws_key

    floor = FloorAdapter()
    key = floor.prepare_key(alg, jws_key(alg), "verify")
    check_claims_equal(floor.verify(token, key, alg, _expect()), claims, f"floor {alg} verify")


def check_claims_equal(opened: Any, claims: dict[str, Any], what: str) -> None:
    if opened != claims:
        raise ProbeError(f"{what} returned other claims than were signed")


def floor_token(alg: str) -> str:
    """A token of the fixed claims made by the floor, for timing a library's verify keys."""
    from jwtbench.adapters.floor import FloorAdapter
    from jwtbench.adapters.keys import jws_key, load_claims

    floor = FloorAdapter()
    return floor.sign(load_claims(PAYLOAD), floor.prepare_key(alg, jws_key(alg), "sign"), alg)


# -- key preparation ---------------------------------------------------------------------


def jwk_form(material: Any) -> Any:
    """``material`` whose ``raw(use)`` is the key as a JWK dict (private to sign)."""
    from dataclasses import dataclass, field, fields

    from jwtbench.adapters.keys import KeyMaterial

    @dataclass(frozen=True)
    class AsJwk(KeyMaterial):
        private_jwk: dict[str, Any] = field(default_factory=dict)
        public_jwk: dict[str, Any] = field(default_factory=dict)

        def raw(self, use: Any) -> Any:
            return self.private_jwk if use in ("sign", "decrypt") else self.public_jwk

    values = {f.name: getattr(material, f.name) for f in fields(material)}
    return AsJwk(**values, private_jwk=material.jwk(True), public_jwk=material.jwk(False))


def key_prep(adapter: Any, alg: str, budget: float) -> dict[str, Any]:
    """Warm key preparation per key form; a form the adapter refuses says why.

    ``sign_key_s`` is ``prepare_key`` + sign less a sign with a key prepared before
    (likewise verify): libraries that defer loading the key to its first use (a
    JWK object that builds its ``cryptography`` key on demand) pay it here too.
    """
    from jwtbench.adapters.keys import jws_key

    material = jws_key(alg)
    out: dict[str, Any] = {}
    for form, given in {"pem": material, "jwk": jwk_form(material)}.items():
        try:
            out[form] = _form_prep(adapter, alg, given, budget)
        except _Refused as exc:  # a form this adapter does not take: recorded, not timed
            out[form] = {"unsupported": f"prepare_key with a {form.upper()} key: {exc}"}
    return out


class _Refused(Exception):
    """The adapter's prepare_key (or the key it made) did not work with this key form."""


def _form_prep(adapter: Any, alg: str, given: Any, budget: float) -> dict[str, Any]:
    from jwtbench.adapters.keys import load_claims

    claims, expect, token = load_claims(PAYLOAD), _expect(), floor_token(alg)

    def sign_with_key() -> str:
        return str(adapter.sign(claims, adapter.prepare_key(alg, given, "sign"), alg))

    def verify_with_key() -> Any:
        return adapter.verify(token, adapter.prepare_key(alg, given, "verify"), alg, expect)

    try:  # the key must really work, checked before and after timing
        key, pub = (
            adapter.prepare_key(alg, given, "sign"),
            adapter.prepare_key(alg, given, "verify"),
        )
        check_token(adapter.sign(claims, key, alg), alg, claims)
        check_claims_equal(adapter.verify(token, pub, alg, expect), claims, "verify")
    except Exception as exc:
        raise _Refused(why(exc)) from None
    out: dict[str, Any] = {}
    for use, with_key, hot in (
        ("sign", sign_with_key, partial(adapter.sign, claims, key, alg)),
        ("verify", verify_with_key, partial(adapter.verify, token, pub, alg, expect)),
    ):
        with_s, calls = per_call(with_key, budget)
        hot_s, _ = per_call(hot, budget)
        out |= {f"{use}_key_s": with_s - hot_s, f"{use}_with_key_s": with_s}
        out |= {f"{use}_hot_s": hot_s, f"{use}_key_calls": calls}
    check_token(sign_with_key(), alg, claims)
    check_claims_equal(verify_with_key(), claims, "verify")
    return out


# -- memory ------------------------------------------------------------------------------


def traced_peak(func: Callable[[], Any]) -> tuple[int, Any]:
    """tracemalloc's peak bytes over one call of ``func`` (allocations it made only)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        out = func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before, out


def memory(adapter: Any, alg: str) -> dict[str, Any]:
    """Peak traced bytes of one warm sign and one warm verify (prepared keys)."""
    from jwtbench.adapters.keys import jws_key, load_claims

    material, claims, expect = jws_key(alg), load_claims(PAYLOAD), _expect()
    key = adapter.prepare_key(alg, material, "sign")
    pub = adapter.prepare_key(alg, material, "verify")
    adapter.verify(adapter.sign(claims, key, alg), pub, alg, expect)  # warm both once
    sign_peak, token = traced_peak(lambda: adapter.sign(claims, key, alg))
    verify_peak, opened = traced_peak(lambda: adapter.verify(token, pub, alg, expect))
    check_token(token, alg, claims)
    check_claims_equal(opened, claims, f"{adapter.name} {alg} verify")
    return {
        "sign_peak_bytes": sign_peak,
        "verify_peak_bytes": verify_peak,
        "token_bytes": len(token),
    }


# -- installed size ----------------------------------------------------------------------


def dist_bytes(dist: importlib.metadata.Distribution) -> tuple[int, int]:
    """(bytes, files) of the files a distribution's RECORD lists (stat where no size)."""
    total = count = 0
    for entry in dist.files or ():
        size = entry.size
        if size is None:
            located = entry.locate()
            size = located.stat().st_size if located.is_file() else 0  # type: ignore[attr-defined]
        total += int(size)
        count += 1
    return total, count


def closure(names: Iterable[str]) -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions ``names`` require, transitively (markers, no extras)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, importlib.metadata.Distribution] = {}
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found[name] = dist
        for text in dist.requires or ():
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return found


def installed(library: str, also: Iterable[str]) -> dict[str, Any]:
    """The library's installed bytes, and its requirement closure's (plus ``also``)."""
    try:
        dist = importlib.metadata.distribution(library)
    except importlib.metadata.PackageNotFoundError:
        return {"error": f"distribution {library} is not installed"}
    own, files = dist_bytes(dist)
    deps = closure([library, *also])
    sizes = {name: dist_bytes(d)[0] for name, d in sorted(deps.items())}
    return {
        "distribution": library,
        "version": dist.version,
        "bytes": own,
        "files": files,
        "closure_bytes": sum(sizes.values()),
        "closure": sizes,
    }


def why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def guarded(what: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``what()``, or ``{"error": reason}`` when the library (or a check) raised."""
    try:
        return what()
    except Exception as exc:  # a crashing library makes one entry an error, never the run
        return {"error": why(exc)}


__all__ = [
    "FAMILIES",
    "ProbeError",
    "first_call",
    "guarded",
    "import_cost",
    "installed",
    "key_prep",
    "memory",
    "parse_importtime",
    "per_call",
]

if __name__ == "__main__":  # pragma: no cover - run through jwtbench.measure.cost
    sys.exit("run python -m jwtbench.measure.cost ADAPTER")
