"""The parent side of the sandbox: start one batch child, stream its results.

``run_batch`` starts ``python -m jwtbench.measure.conformance.child`` with the
given ``python`` (default ``sys.executable``: the seam for isolated
environments, whose interpreter must have jwtbench installed), reads its
``@@`` result lines as they come, and stops it (SIGTERM, which also kills the
running fork) on an overall deadline, an error or an interrupt.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jwtbench.envs.proc import ProcError, child_environ, running
from jwtbench.measure.conformance.cases import Crafted
from jwtbench.measure.conformance.results import MARK

#: Seconds a batch may take beyond its cases' own time limits (start-up, imports).
BATCH_SLACK = 60.0


@dataclass(frozen=True)
class Limits:
    """Per case: wall-clock seconds (CPU seconds: that + 2) and extra address space."""

    timeout: float = 10.0
    memory: int = 768 << 20


DEFAULT_LIMITS = Limits()


class SandboxError(RuntimeError):
    """The sandbox itself failed (not a library): the run cannot be trusted."""


def spec_of(crafted: Crafted) -> dict[str, Any]:
    """What the child needs for one case (JSON: bytes as base64)."""
    case = crafted.case
    plaintext = crafted.plaintext
    return {
        "name": case.name,
        "kind": case.kind,
        "token": crafted.token,
        "control": crafted.control,
        "key": base64.b64encode(crafted.key).decode(),
        "form": case.form,
        "kty": crafted.kty,
        "algs": list(case.algs),
        "expect": {"audience": case.expect.audience, "issuer": case.expect.issuer},
        "max_plaintext": case.max_plaintext,
        "plaintext": None if plaintext is None else base64.b64encode(plaintext).decode(),
    }


def write_specs(path: Path, specs: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(specs), encoding="utf-8")
    return path


def run_batch(
    adapter: str,
    call: str,
    specs: Path,
    count: int,
    *,
    python: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[dict[str, Any]]:
    """Yield the child's records: first ``{"adapter": ...}`` or ``{"unavailable": ...}``."""
    command = [
        python or sys.executable,
        "-m",
        "jwtbench.measure.conformance.child",
        adapter,
        call,
        str(specs),
        "--timeout",
        str(limits.timeout),
        "--memory",
        str(limits.memory),
    ]
    deadline = count * (limits.timeout + 5) + BATCH_SLACK
    with running(command, environ=child_environ(), what=f"sandbox {adapter} {call}") as child:
        timer = threading.Timer(deadline, child.stop)
        timer.start()
        try:
            for line in child.lines():
                if line.startswith(MARK):
                    record = json.loads(line[len(MARK) :])
                    if record.get("outcome") == "harness-error":
                        raise SandboxError(f"{adapter} {call} {record['name']}: {record['detail']}")
                    yield record
            code = child.wait()
        finally:
            timer.cancel()
    if code != 0:
        raise SandboxError(str(child.failure(f"sandbox {adapter} {call}", code)))


__all__ = ["Limits", "ProcError", "SandboxError", "run_batch", "spec_of", "write_specs"]
