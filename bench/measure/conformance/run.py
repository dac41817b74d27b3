"""Run the safety matrix: every case through every library's decode calls, in the sandbox.

Cases are crafted once (a crafting crash fails the run), then each
(library, call) is one sandbox batch; cells a call cannot apply to (a JWS-only
library's JWE cases, a wrong ``aud`` through a call given no audience) are
``n/a`` with the reason, recorded without running. The published examples
are one more batch per library. An interrupt keeps what was measured.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jwtbench.adapters import ADAPTERS
from jwtbench.adapters.base import CALLS, Adapter
from jwtbench.measure.conformance.cases import Case, Crafted
from jwtbench.measure.conformance.catalogue import craft, without_audience
from jwtbench.measure.conformance.results import CaseResult, Conformance, ExampleResult
from jwtbench.measure.conformance.sandbox import (
    DEFAULT_LIMITS,
    Limits,
    run_batch,
    spec_of,
    write_specs,
)
from jwtbench.measure.conformance.vectors import Example, example_spec

Progress = Callable[[str], None]


def _skip_reason(cls: type[Adapter], call: str, case: Case) -> str:
    """Why ``case`` cannot run through ``call`` ("" when it can)."""
    spec = cls.decode_calls[call]
    if (spec.jws if case.kind == "jws" else spec.jwe) is None:
        return f"no {case.kind.upper()} {call} call"
    if case.needs_expect is True and not spec.passes_expect:
        return "the call is given no expected audience/issuer"
    if case.needs_expect is False and spec.passes_expect:
        return "the call is always given the expected audience"
    return ""


def _calls(cls: type[Adapter]) -> dict[str, Any]:
    return {
        name: {"jws": c.jws, "jwe": c.jwe, "passes_expect": c.passes_expect}
        for name, c in cls.decode_calls.items()
    }


def _catalogue(cases: Sequence[Case]) -> list[dict[str, Any]]:
    return [
        {
            "case": c.id,
            "variant": c.variant,
            "kind": c.kind,
            "crafts": c.crafts,
            "reproduces": c.reproduces,
            "safe": c.safe,
        }
        for c in cases
    ]


def provenance(python: str | None) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "sandbox_python": python or sys.executable,
        "cryptography": importlib.metadata.version("cryptography"),
        "platform": platform.platform(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def run_conformance(
    adapters: Sequence[str],
    cases: Sequence[Case],
    examples: Sequence[Example],
    *,
    python: str | None = None,
    pythons: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress = print,
) -> Conformance:
    """The whole matrix; on KeyboardInterrupt, what ran so far with ``interrupted`` set.

    ``pythons``: an interpreter per library that lives in its own env (else ``python``).
    """
    started = time.perf_counter()
    run = Conformance(
        catalogue=_catalogue(cases),
        provenance=provenance(python),
        published=[e.describe() for e in examples],
    )
    progress(f"crafting {len(cases)} cases")
    with_aud = {case.name: craft(case) for case in cases}
    no_aud = {
        c.name: craft(without_audience(c)) if c.kind == "jws" else with_aud[c.name] for c in cases
    }
    crafted = {True: with_aud, False: no_aud}
    with tempfile.TemporaryDirectory(prefix="jwtbench-conformance-") as tmp:
        try:
            for name in adapters:
                here = (pythons or {}).get(name, python)
                _one_library(run, name, cases, crafted, examples, Path(tmp), here, limits, progress)
        except KeyboardInterrupt:
            run.interrupted = True
            progress("interrupted: keeping what was measured")
    run.wall_seconds = time.perf_counter() - started
    return run


def _one_library(
    run: Conformance,
    name: str,
    cases: Sequence[Case],
    crafted: dict[bool, dict[str, Crafted]],
    examples: Sequence[Example],
    tmp: Path,
    python: str | None,
    limits: Limits,
    progress: Progress,
) -> None:
    cls = ADAPTERS[name]
    version = "unknown"
    for call in [c for c in CALLS if c in cls.decode_calls]:
        runnable = [case for case in cases if not _skip_reason(cls, call, case)]
        made = crafted[cls.decode_calls[call].passes_expect]
        specs = write_specs(tmp / f"{name}-{call}.json", [spec_of(made[c.name]) for c in runnable])
        for record in run_batch(name, call, specs, len(runnable), python=python, limits=limits):
            if "unavailable" in record:
                run.libraries[name] = {"unavailable": record["unavailable"]}
                progress(f"{name}: unavailable: {record['unavailable']}")
                return
            if "adapter" in record:
                version = record["adapter"]["version"]
                run.libraries[name] = record["adapter"] | {"decode_calls": _calls(cls)}
                continue
            result = _result(name, version, call, record, cases)
            run.cases.append(result)
            progress(
                f"{name} {version} {call:<8} {result.name:<32} {result.outcome:<14} {_cost(result)}"
            )
        for case in cases:
            if reason := _skip_reason(cls, call, case):
                run.cases.append(
                    CaseResult(
                        name, version, call, case.id, case.variant, "n/a", None, None, reason
                    )
                )
    _examples(run, name, version, examples, tmp, python, limits, progress)


def _result(
    name: str, version: str, call: str, record: dict[str, Any], cases: Sequence[Case]
) -> CaseResult:
    case = next(c for c in cases if c.name == record["name"])
    return CaseResult(
        library=name,
        library_version=version,
        call=call,
        case=case.id,
        variant=case.variant,
        outcome=record["outcome"],
        seconds=record.get("seconds"),
        peak_rss_bytes=record.get("peak_rss_bytes"),
        detail=record.get("detail", ""),
        rss_growth_bytes=record.get("rss_growth_bytes"),
    )


def _cost(result: CaseResult) -> str:
    if result.seconds is None:
        return result.detail[:60]
    return f"{result.seconds * 1e3:9.1f} ms  +{(result.rss_growth_bytes or 0) >> 20} MiB"


def _examples(
    run: Conformance,
    name: str,
    version: str,
    examples: Sequence[Example],
    tmp: Path,
    python: str | None,
    limits: Limits,
    progress: Progress,
) -> None:
    if not examples:
        return
    specs = write_specs(tmp / f"{name}-vectors.json", [example_spec(e) for e in examples])
    for record in run_batch(name, "vectors", specs, len(examples), python=python, limits=limits):
        if "unavailable" in record:
            run.libraries[name] = {"unavailable": record["unavailable"]}
            progress(f"{name}: unavailable: {record['unavailable']}")
            return
        if "adapter" in record:
            version = record["adapter"]["version"]
            run.libraries.setdefault(name, record["adapter"] | {"decode_calls": {}})
            continue
        run.examples.append(
            ExampleResult(
                name, version, record["name"], record["outcome"], record.get("detail", "")
            )
        )
    verified = sum(e.outcome == "verified" for e in run.examples if e.library == name)
    progress(f"{name} {version} published examples: {verified}/{len(examples)} verified")
