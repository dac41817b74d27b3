"""The sandbox child: one (library, call) batch, each case in its own fork under limits.

Run as ``python -m jwtbench.measure.conformance.child ADAPTER CALL FILE`` by
``sandbox.run_batch`` (``CALL`` is a decode call name, or ``vectors`` for the
published examples). The network is blocked first (``netblock``), before the
library is imported; the library is imported once; then every case runs in a
``fork()`` child with ``RLIMIT_AS`` (address space: the batch's own size plus
the allowance) and ``RLIMIT_CPU``, watched against a wall-clock deadline.
Each result is one ``@@`` JSON line on stdout.

Why a fork per case rather than a process per case: importing a library costs
0.2-1 s here (cryptography, pydantic-style models, Rust extensions) and the
matrix has ~40 cases x 3 calls x 11 libraries, ~20 minutes of imports on this
2-core machine; a fork costs a few milliseconds and still gives each case its
own address space, limits and clean state (nothing a case leaves behind
reaches the next one).
"""

from __future__ import annotations

from jwtbench.measure.conformance import netblock

netblock.install()  # before anything below can import a library

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

from jwtbench.measure.conformance.results import MARK  # noqa: E402

#: Exception types that, raised bare, are a library falling over rather than refusing.
UNCLEAN = (TypeError, KeyError, AttributeError)
_current: list[int] = []  # the running fork, killed if the batch is terminated


def emit(record: dict[str, Any]) -> None:
    sys.stdout.write(MARK + json.dumps(record) + "\n")
    sys.stdout.flush()


def _statm(field: int) -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - not Linux
        return 0


def _limit(seconds: float, memory: int) -> None:
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if memory and _statm(0):
        size = _statm(0) + memory
        resource.setrlimit(resource.RLIMIT_AS, (size, size))


def _died(status: int, timed_out: bool, seconds: float, memory: int) -> dict[str, Any]:
    if timed_out or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU):
        return {"outcome": "unsafe-timeout", "detail": f"still working after {seconds:.1f} s"}
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return {
            "outcome": "unsafe-memory",
            "detail": f"killed by {name} under the {memory >> 20} MiB address-space limit",
        }
    return {"outcome": "n/a", "detail": f"sandbox fork exited {os.WEXITSTATUS(status)} silently"}


def forked(work: Callable[[], dict[str, Any]], seconds: float, memory: int) -> dict[str, Any]:
    """Run ``work`` in a fork under the limits; its dict plus ``peak_rss_bytes``."""
    baseline = _statm(1)
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the fork (coverage does not follow)
        os.close(read_end)
        try:
            _limit(seconds, memory)
            data = json.dumps(work()).encode()
        except BaseException as exc:  # the harness's own failure: say so, never hide it
            data = json.dumps({"outcome": "harness-error", "detail": repr(exc)[:300]}).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        os._exit(0)
    _current[:] = [pid]
    os.close(write_end)
    chunks, deadline, timed_out = [], started + seconds, False
    while True:
        left = deadline - time.perf_counter()
        ready, _, _ = select.select([read_end], [], [], max(left, 0))
        if not ready:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _, status, usage = os.wait4(pid, 0)
    _current.clear()
    elapsed = time.perf_counter() - started
    if timed_out or not chunks:
        result = _died(status, timed_out, elapsed, memory) | {"seconds": elapsed}
    else:
        result = json.loads(b"".join(chunks))
    peak = usage.ru_maxrss * 1024
    return result | {"peak_rss_bytes": peak, "rss_growth_bytes": max(0, peak - baseline)}


def _exc(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}: {str(exc)[:200]}"


def run_case(adapter: Any, call: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Control first (must pass, else n/a), then the attack, timed; classify the outcome."""
    key_bytes = base64.b64decode(spec["key"])
    expect = _expect(spec["expect"])
    try:
        key = adapter.conformance_key(key_bytes, spec["form"], spec["kty"])
    except Exception as exc:
        return {"outcome": "n/a", "detail": f"the {spec['form']} key is not accepted: {_exc(exc)}"}
    algs = list(spec["algs"])

    def decode(token: str, with_key: Any = key) -> Any:
        if spec["kind"] == "jws":
            return adapter.decode_jws(call, token, with_key, algs, expect)
        return adapter.decode_jwe(call, token, with_key, algs[0], algs[1])

    try:
        opened = decode(spec["control"])
    except Exception as exc:
        return {"outcome": "n/a", "detail": f"positive control refused: {_exc(exc)}"}
    plaintext = spec.get("plaintext")
    if plaintext is not None and bytes(opened) != base64.b64decode(plaintext):
        return {"outcome": "n/a", "detail": "positive control decrypted to other bytes"}
    netblock.ATTEMPTS.clear()
    started = time.perf_counter()
    try:
        result = decode(spec["token"])
    except MemoryError:
        return {
            "outcome": "unsafe-memory",
            "seconds": time.perf_counter() - started,
            "detail": "MemoryError under the address-space limit",
        }
    except BaseException as exc:  # SystemExit from a library is its refusal too, if unclean
        seconds = time.perf_counter() - started
        if netblock.ATTEMPTS:
            return {
                "outcome": "unsafe",
                "seconds": seconds,
                "detail": f"refused after a network attempt: {netblock.ATTEMPTS[0]}",
            }
        clean = isinstance(exc, Exception) and type(exc) not in UNCLEAN
        outcome = "safe" if clean else "unclean-reject"
        return {"outcome": outcome, "seconds": seconds, "detail": _exc(exc)}
    seconds = time.perf_counter() - started
    verdict = _accepted(spec, result)
    if verdict["outcome"] == "unsafe" and spec["kind"] == "jws":
        verdict["detail"] += _fresh(
            lambda: decode(
                spec["token"], adapter.conformance_key(key_bytes, spec["form"], spec["kty"])
            )
        )
    return {"seconds": seconds, **verdict}


def _fresh(attempt: Callable[[], Any]) -> str:
    """The attack again with a key object that has verified nothing (some keep state)."""
    try:
        attempt()
    except Exception as exc:
        return (
            f"; a fresh key object refuses it ({type(exc).__name__}): state kept after the control"
        )
    return "; a fresh key object accepts it too"


def _accepted(spec: dict[str, Any], result: Any) -> dict[str, str]:
    if netblock.ATTEMPTS:
        return {"outcome": "unsafe", "detail": f"network attempt: {netblock.ATTEMPTS[0]}"}
    limit = spec.get("max_plaintext")
    if limit is not None and isinstance(result, bytes | bytearray):
        size = len(result)
        if size <= limit:
            return {"outcome": "safe", "detail": f"accepted, {size} bytes back (not inflated)"}
        return {"outcome": "unsafe", "detail": f"inflated to {size} bytes"}
    return {"outcome": "unsafe", "detail": f"accepted: {_short(result)}"}


def _short(result: Any) -> str:
    """What an accepting call returned, without building a huge string."""
    if isinstance(result, bytes | bytearray | str):
        return f"{len(result)} {'chars' if isinstance(result, str) else 'bytes'}"
    if isinstance(result, dict):
        return "claims " + ", ".join(sorted(str(name) for name in result)[:8])
    return type(result).__name__


def _expect(data: dict[str, str]) -> Any:
    from jwtbench.adapters.base import Expect

    return Expect(audience=data["audience"], issuer=data["issuer"])


def run_example(adapter: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """One published example: ``verified``, ``failed`` or ``n/a`` (with the reason)."""
    key, payload = base64.b64decode(spec["key"]), base64.b64decode(spec["payload"])
    try:
        if spec["kind"] == "jws":
            if spec["alg"] not in adapter.jws_algs:
                return {"outcome": "n/a", "detail": f"{spec['alg']} not implemented"}
            opened = adapter.verify_bytes(spec["token"], key, spec["alg"])
        else:
            if not adapter.supports_jwe(spec["alg"], spec["enc"]):
                return {"outcome": "n/a", "detail": f"{spec['alg']}/{spec['enc']} not implemented"}
            _, opened = adapter.decrypt_bytes(spec["token"], key, spec["alg"], spec["enc"])
    except NotImplementedError as exc:
        return {"outcome": "n/a", "detail": str(exc)}
    except Exception as exc:
        return {"outcome": "failed", "detail": _exc(exc)}
    if bytes(opened) != payload:
        return {"outcome": "failed", "detail": "payload differs from the RFC's"}
    return {"outcome": "verified", "detail": ""}


def _one(adapter: Any, call: str, spec: dict[str, Any], seconds: float, memory: int) -> Any:
    if call == "vectors":
        return {"name": spec["id"], **forked(lambda: run_example(adapter, spec), seconds, memory)}
    return {"name": spec["name"], **forked(lambda: run_case(adapter, call, spec), seconds, memory)}


def _adapter(path: str) -> Any:
    """``module:Class`` outside the registry (the tests' fake libraries)."""
    import importlib

    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)()


def _terminate(signum: int, frame: Any) -> None:
    for pid in _current:
        os.kill(pid, signal.SIGKILL)
    os._exit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jwtbench-sandbox")
    parser.add_argument("adapter")
    parser.add_argument("call")
    parser.add_argument("cases")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--memory", type=int, default=768 << 20, help="bytes of address space")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it sends SIGTERM
    signal.signal(signal.SIGTERM, _terminate)
    from jwtbench.adapters import ADAPTERS, AdapterUnavailable, load_adapter

    for module in getattr(ADAPTERS.get(args.adapter), "hidden_modules", ()):
        sys.modules[module] = None  # type: ignore[assignment]  # import now raises ImportError
    try:
        adapter = _adapter(args.adapter) if ":" in args.adapter else load_adapter(args.adapter)
    except AdapterUnavailable as exc:
        emit({"unavailable": str(exc)})
        return 0
    emit({"adapter": adapter.describe()})
    with open(args.cases, encoding="utf-8") as handle:
        specs = json.load(handle)
    for spec in specs:
        emit(_one(adapter, args.call, spec, args.timeout, args.memory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
