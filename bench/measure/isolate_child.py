"""The child side of ``jwtbench run --isolate``: what a member's env answers, as JSON.

``python -m jwtbench.measure.isolate_child probe|produce|consume ADAPTER ARG``
runs inside a member's env (``jwtbench.measure.isolate``) and prints one JSON
line: ``probe`` the adapter's ``describe()`` (or why it cannot load there) and
each planned cell's skip reason; ``produce`` one signed token per JWS
algorithm; ``consume`` a verdict per token given. Tokens and verdicts are
plain strings and booleans: nothing but data crosses between envs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jwtbench.envs import proc
from jwtbench.measure.assemble import adapters_info as _adapters_info
from jwtbench.measure.matrix import adapter_or_reason, skip_reason
from jwtbench.model.cell import Cell


def _probe_here(adapter: str, plan: str) -> dict[str, Any]:
    cells = [Cell.from_params(p) for p in json.loads(Path(plan).read_text(encoding="utf-8"))]
    info = _adapters_info([Cell(adapter, "HS256", "sign", "prepared", "small")])[adapter]
    skips = [None if (s := skip_reason(c)) is None else [s[0].value, s[1]] for c in cells]
    return {"info": info.to_dict(), "skips": skips}


def _produce_here(adapter: str, specs: str) -> list[dict[str, Any]]:
    """One token per spec: ``ALG`` (JWS) or ``ALG/ENC`` (JWE; skipped unless supported)."""
    from jwtbench.adapters.keys import jwe_key, jws_key, load_claims

    made = adapter_or_reason(adapter)
    assert not isinstance(made, str), made
    out: list[dict[str, Any]] = []
    for spec in specs.split(","):
        alg, _, enc = spec.partition("/")
        entry: dict[str, Any] = {"family": "jwe" if enc else "jws", "alg": alg}
        if enc:
            entry["enc"] = enc
            if not made.supports_jwe(alg, enc):
                continue
        try:
            if enc:
                key = made.prepare_key(alg, jwe_key(alg, enc), "encrypt")
                token = made.encrypt(load_claims("small"), key, alg, enc)
            else:
                key = made.prepare_key(alg, jws_key(alg), "sign")
                token = made.sign(load_claims("small"), key, alg)
            out.append({**entry, "token": token})
        except Exception as exc:
            out.append({**entry, "token": None, "error": f"producer failed: {_failure(exc)}"})
    return out


def _consume_here(adapter: str, plan: str) -> list[dict[str, Any]]:
    """Each token opened with this adapter's own key object: ok, why not, or skip (JWE pair
    the adapter does not support)."""
    from jwtbench.adapters.base import Expect
    from jwtbench.adapters.keys import jwe_key, jws_key, load_claims

    made = adapter_or_reason(adapter)
    assert not isinstance(made, str), made
    out: list[dict[str, Any]] = []
    for entry in json.loads(Path(plan).read_text(encoding="utf-8")):
        alg, enc = entry["alg"], entry.get("enc")
        if enc and not made.supports_jwe(alg, enc):
            out.append({"skip": True})
            continue
        if entry.get("token") is None:
            out.append({"ok": False, "error": entry.get("error", "no token")})
            continue
        try:
            if enc:
                key = made.prepare_key(alg, jwe_key(alg, enc), "decrypt")
                claims = made.decrypt(entry["token"], key, alg, enc, Expect())
            else:
                key = made.prepare_key(alg, jws_key(alg), "verify")
                claims = made.verify(entry["token"], key, alg, Expect())
            same = claims == load_claims("small")
            out.append({"ok": same, "error": "" if same else "different claims"})
        except Exception as exc:
            out.append({"ok": False, "error": _failure(exc)})
    return out


def _failure(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


#: The answers, by verb (a member of this very env is asked in-process, same functions).
VERBS: dict[str, Callable[[str, str], Any]] = {
    "probe": _probe_here,
    "produce": _produce_here,
    "consume": _consume_here,
}


def ask(python: str | None, environ: Mapping[str, str], verb: str, adapter: str, arg: str) -> Any:
    """``verb`` answered by ``python`` (a member's env) or, for None, by this process."""
    if python is None:
        return json.loads(json.dumps(VERBS[verb](adapter, arg)))  # the same data as a child's
    cmd = [python, "-m", "jwtbench.measure.isolate_child", verb, adapter, arg]
    out = proc.run_checked(cmd, what=f"{verb} of {adapter}", environ=environ)
    return json.loads(out.strip().splitlines()[-1])


def main(argv: Sequence[str]) -> int:
    """``probe|produce|consume ADAPTER ARG``: one JSON line on stdout."""
    verbs = VERBS
    if len(argv) != 3 or argv[0] not in verbs:
        print(
            "usage: python -m jwtbench.measure.isolate_child probe|produce|consume ADAPTER ARG",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(verbs[argv[0]](argv[1], argv[2])))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
