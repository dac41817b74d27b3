"""The sandbox survives a library that hangs, allocates without bound or phones home.

A tiny fake "library" (written to tmp_path, loaded by the child as
``module:Class``) misbehaves on cue; the child runs each case in a fork
under the limits and must report each misdeed as the right outcome while
the batch itself carries on. The netblock is never installed in the test
process (it would block sockets for the rest of the suite).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jwtbench.measure.conformance.results import MARK

FAKE = """
import socket

class Fake:
    name = "fake"
    jws_algs = frozenset({"RS256"})

    def describe(self):
        return {"name": "fake", "version": "0"}

    def conformance_key(self, data, form, kty):
        return data

    def decode_jws(self, call, token, key, algs, expect):
        if token == "control":
            return {"sub": "alice"}
        if token == "hang":
            while True:
                pass
        if token == "alloc":
            hoard = []
            while True:
                hoard.append(bytearray(1 << 24))
        if token == "socket":
            socket.create_connection(("evil.example.com", 443))
        if token == "socket-swallowed":
            try:
                socket.socket().connect(("192.0.2.1", 80))
            except OSError:
                pass
            return {"sub": "alice"}
        if token == "typeerror":
            raise TypeError("bare")
        if token == "accept":
            return {"sub": "mallory"}
        raise ValueError("refused")
"""

EXPECTED = {
    "hang": "unsafe-timeout",
    "alloc": "unsafe-memory",
    "socket": "unsafe",
    "socket-swallowed": "unsafe",
    "typeerror": "unclean-reject",
    "accept": "unsafe",
    "refuse": "safe",
}


def _spec(name: str, token: str, control: str = "control") -> dict[str, Any]:
    return {
        "name": name,
        "kind": "jws",
        "token": token,
        "control": control,
        "key": base64.b64encode(b"k").decode(),
        "form": "pem",
        "kty": "RSA",
        "algs": ["RS256"],
        "expect": {"audience": "a", "issuer": "i"},
        "max_plaintext": None,
        "plaintext": None,
    }


def _run(tmp_path: Path, specs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    (tmp_path / "fakelib.py").write_text(FAKE, encoding="utf-8")
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(specs), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    command = [
        sys.executable,
        "-m",
        "jwtbench.measure.conformance.child",
        "fakelib:Fake",
        "default",
        str(cases),
        "--timeout",
        "2.5",  # generous for a loaded machine: allocating 128 MiB must not take that long
        "--memory",
        str(128 << 20),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    records = [
        json.loads(line[len(MARK) :]) for line in done.stdout.splitlines() if line.startswith(MARK)
    ]
    assert records[0] == {"adapter": {"name": "fake", "version": "0"}}
    return {r["name"]: r for r in records[1:]}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork + RLIMIT_AS + /proc")
def test_each_misbehaviour_is_reported_and_the_batch_survives(tmp_path: Path) -> None:
    specs = [_spec(name, "refused" if name == "refuse" else name) for name in EXPECTED]
    specs.append(_spec("control-fails", "accept", control="nope"))
    results = _run(tmp_path, specs)
    assert {n: results[n]["outcome"] for n in EXPECTED} == EXPECTED, results
    assert results["control-fails"]["outcome"] == "n/a"
    assert "positive control refused" in results["control-fails"]["detail"]
    assert "network" in results["socket-swallowed"]["detail"]
    assert results["hang"]["seconds"] >= 2.5
    for record in results.values():
        assert record["peak_rss_bytes"] > 0
