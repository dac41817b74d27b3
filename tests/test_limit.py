"""The crypto limit (``jwtbench.adapters.limit``) and its correctness gate.

The limit times bare primitives on a token's bytes, so it makes no tokens: the
gate (``jwtbench.measure.limit_gate``) checks its raw signatures with direct
``cryptography`` calls and its JWE work against floor-made tokens, a broken
limit is ``invalid``, and the interop grid skips it (``makes_tokens = False``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jwtbench.adapters import ADAPTERS, VerificationError, load_adapter
from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS, JWS_ALGS
from jwtbench.adapters.keys import jwe_key, jws_key, load_claims
from jwtbench.adapters.limit import JweArgs, LimitAdapter, Sealed
from jwtbench.measure.gate import GateFailure, prepare
from jwtbench.measure.groups import run_grouped
from jwtbench.measure.interop import jws_grid
from jwtbench.measure.limit_gate import (
    direct_sign,
    direct_verifies,
    flip,
    flip_last_byte,
    signing_input,
)
from jwtbench.measure.matrix import PROFILES, adapter_or_reason, skip_reason
from jwtbench.measure.runner import LineProgress, run
from jwtbench.model.cell import Cell
from jwtbench.model.results import load_results
from jwtbench.model.selection import Selection

LIMIT = load_adapter("limit")
GRID = [(alg, mode) for alg in JWS_ALGS for mode in ("prepared", "raw")]


def _data(alg: str) -> bytes:
    return signing_input(alg, load_claims("small"))


@pytest.mark.parametrize(("alg", "key_mode"), GRID)
def test_round_trip_and_independent_check(alg: str, key_mode: str) -> None:
    material, mode, data = jws_key(alg), key_mode, _data(alg)
    args = LIMIT.primitive_args(alg)
    sign_key = LIMIT.key_for(alg, material, "sign", mode)  # type: ignore[arg-type]
    verify_key = LIMIT.key_for(alg, material, "verify", mode)  # type: ignore[arg-type]
    signature = LIMIT.sign_input(data, sign_key, alg, args)
    assert direct_verifies(alg, data, signature)  # cryptography itself, not the limit
    assert LIMIT.verify_input(data, signature, verify_key, alg, args) is True
    assert LIMIT.verify_input(data, direct_sign(alg, data), verify_key, alg, args) is True
    with pytest.raises(VerificationError):
        LIMIT.verify_input(data, flip_last_byte(signature), verify_key, alg, args)
    with pytest.raises(VerificationError):
        LIMIT.verify_input(data + b"x", signature, verify_key, alg, args)


def test_signing_input_is_the_floors() -> None:
    """The limit signs exactly what a floor token of the same claims signs."""
    floor, claims = load_adapter("floor"), load_claims("small")
    token = floor.sign(claims, floor.prepare_key("HS256", jws_key("HS256"), "sign"), "HS256")
    assert token.rsplit(".", 1)[0].encode() == signing_input("HS256", claims)


@pytest.mark.parametrize(("alg", "key_mode"), GRID)
def test_every_limit_cell_passes_the_gate(alg: str, key_mode: str) -> None:
    for op in ("sign", "verify"):
        work = prepare(Cell("limit", alg, op, key_mode, "small"))
        work.check(work.func(*work.args))  # what a timed call returns is checked too
        assert work.extra_info["checked_by"] == "direct cryptography calls"
        assert work.extra_info["input_bytes"] == len(_data(alg))


def test_describe_says_what_it_is() -> None:
    info = LIMIT.describe()
    assert info["label"] == "crypto limit" and info["role"] == "limit"
    assert info["makes_tokens"] is False
    assert "not a library anyone would pick" in info["notes"]
    assert info["jws_algs"] == list(JWS_ALGS)


#: Every key management once, the content ciphers spread over them, both key modes.
RAW_JWE = ("RSA-OAEP", "ECDH-ES+A128KW")
JWE_GRID = [
    (alg, JWE_ENCS[i % len(JWE_ENCS)], "raw" if alg in RAW_JWE else "prepared")
    for i, alg in enumerate(JWE_ALGS)
]


@pytest.mark.parametrize(("alg", "enc", "key_mode"), JWE_GRID)
def test_every_jwe_limit_cell_passes_the_gate(alg: str, enc: str, key_mode: str) -> None:
    assert skip_reason(Cell("limit", alg, "encrypt", key_mode, "small", enc=enc)) is None
    for op in ("encrypt", "decrypt"):
        work = prepare(Cell("limit", alg, op, key_mode, "small", enc=enc))
        work.check(work.func(*work.args))
        assert work.extra_info["input_bytes"] > 100  # the claims' JSON, not a stand-in


@pytest.mark.parametrize("enc", JWE_ENCS)
def test_seal_and_open_round_trip_and_refuse_tampering(enc: str) -> None:
    material, plaintext, aad = jwe_key("dir", enc), b'{"sub":"x"}' * 5, b"eyJhbGciOiJkaXIifQ"
    key, args = LIMIT.prepare_key("dir", material, "encrypt"), LIMIT.jwe_args("dir", enc)
    sealed = LIMIT.seal(plaintext, aad, key, args)
    assert LIMIT.open_sealed(sealed, aad, key, args) == plaintext
    assert LIMIT.seal(plaintext, aad, key, args).iv != sealed.iv  # a fresh IV per call
    for bad in (sealed._replace(tag=flip(sealed.tag)), sealed._replace(iv=flip(sealed.iv))):
        with pytest.raises(VerificationError):
            LIMIT.open_sealed(bad, aad, key, args)
    with pytest.raises(VerificationError):
        LIMIT.open_sealed(sealed, aad + b"x", key, args)  # the AAD is authenticated


@pytest.mark.parametrize(
    ("sig_alg", "alg", "key_mode"),
    [("ES256", "ECDH-ES", "prepared"), ("EdDSA", "dir", "prepared"), ("RS256", "A256KW", "raw")],
)
def test_nested_limit_cells_pass_the_gate(sig_alg: str, alg: str, key_mode: str) -> None:
    for op in ("sign_encrypt", "decrypt_verify"):
        cell = Cell("limit", alg, op, key_mode, "small", enc="A256GCM", sig_alg=sig_alg)
        work = prepare(cell)
        work.check(work.func(*work.args))


def test_interop_skips_adapters_that_make_no_tokens() -> None:
    grid = jws_grid(["HS256"])
    assert grid and all(e["ok"] for e in grid)
    assert "limit" not in {e["producer"] for e in grid} | {e["consumer"] for e in grid}


def test_token_calls_refuse() -> None:
    with pytest.raises(NotImplementedError, match="makes no tokens"):
        LIMIT.sign({}, b"k", "HS256")


class WrongKeyLimit(LimitAdapter):
    """Signs with another secret: a signature, but not one over the cell's key."""

    name = "wrongkey"

    def sign_input(self, data: bytes, key: Any, alg: str, args: tuple[Any, ...]) -> bytes:
        return super().sign_input(data, b"another secret", alg, args)


class GullibleLimit(LimitAdapter):
    """Accepts every signature."""

    name = "gullible-limit"

    def verify_input(
        self, data: bytes, signature: bytes, key: Any, alg: str, args: tuple[Any, ...]
    ) -> bool:
        return True


class TruthyLimit(LimitAdapter):
    """Verifies, but answers 1 rather than True (a result the gate does not trust)."""

    name = "truthy-limit"

    def verify_input(
        self, data: bytes, signature: bytes, key: Any, alg: str, args: tuple[Any, ...]
    ) -> bool:
        super().verify_input(data, signature, key, alg, args)
        return 1  # type: ignore[return-value]


class NoPrimitives(LimitAdapter):
    """Declares it makes no tokens yet offers nothing to time."""

    name = "no-primitives"
    sign_input = None  # type: ignore[assignment]


class LeakyLimit(LimitAdapter):
    """ "Encrypts" by leaving the plaintext in the clear (its own open agrees)."""

    name = "leaky-limit"

    def seal(self, plaintext: bytes, aad: bytes, key: Any, args: JweArgs) -> Sealed:
        sealed = super().seal(plaintext, aad, key, args)
        return sealed._replace(ciphertext=plaintext)


class RememberingLimit(LimitAdapter):
    """Decrypts once, then answers the same plaintext whatever it is given."""

    name = "remembering-limit"
    seen: bytes | None = None

    def open_sealed(self, sealed: Sealed, aad: bytes, key: Any, args: JweArgs) -> bytes:
        if self.seen is None:
            self.seen = super().open_sealed(sealed, aad, key, args)
        return self.seen


class WrongKekLimit(LimitAdapter):
    """Wraps the CEK with another key than the recipient's."""

    name = "wrongkek-limit"

    def seal(self, plaintext: bytes, aad: bytes, key: Any, args: JweArgs) -> Sealed:
        return super().seal(plaintext, aad, bytes(len(key)), args)


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for cls in (WrongKeyLimit, GullibleLimit, TruthyLimit, NoPrimitives, LeakyLimit,
                RememberingLimit, WrongKekLimit):  # fmt: skip
        monkeypatch.setitem(ADAPTERS, cls.name, cls)
    adapter_or_reason.cache_clear()
    yield
    adapter_or_reason.cache_clear()


@pytest.mark.usefixtures("broken")
def test_gate_refuses_broken_limits() -> None:
    with pytest.raises(GateFailure, match="does not verify with cryptography"):
        prepare(Cell("wrongkey", "HS256", "sign", "prepared", "small"))
    with pytest.raises(GateFailure, match="accepted a tampered ES256 signature"):
        prepare(Cell("gullible-limit", "ES256", "verify", "prepared", "small"))
    with pytest.raises(GateFailure, match="not True"):
        prepare(Cell("truthy-limit", "RS256", "verify", "raw", "small"))
    with pytest.raises(GateFailure, match="offers no primitives"):
        prepare(Cell("no-primitives", "HS256", "sign", "prepared", "small"))


@pytest.mark.usefixtures("broken")
def test_gate_refuses_broken_jwe_limits() -> None:
    with pytest.raises(GateFailure, match="shows the plaintext"):
        prepare(Cell("leaky-limit", "dir", "encrypt", "prepared", "small", enc="A256GCM"))
    with pytest.raises(GateFailure, match="opened a tampered tag"):
        prepare(Cell("remembering-limit", "A128KW", "decrypt", "prepared", "small", enc="A128GCM"))
    with pytest.raises(GateFailure, match="could not open what it sealed"):
        prepare(Cell("wrongkek-limit", "A256KW", "encrypt", "prepared", "small", enc="A128GCM"))


@pytest.mark.usefixtures("broken")
def test_run_records_a_broken_limit_as_invalid(tmp_path: Path) -> None:
    outcome = run(
        "quick",
        Selection(
            adapters=("limit", "wrongkey", "gullible-limit"),
            algs=("HS256",),
            key_modes=("prepared",),
        ),
        results_dir=tmp_path,
        echo=lambda line: None,
        passes=1,
    )
    results = load_results(outcome.path)
    status = {(c["params"]["adapter"], c["params"]["op"]): c for c in results.cells}
    assert status["limit", "sign"]["status"] == status["limit", "verify"]["status"] == "ok"
    assert status["wrongkey", "sign"]["status"] == "invalid"
    assert status["gullible-limit", "verify"]["status"] == "invalid"
    assert "tampered" in status["gullible-limit", "verify"]["reason"]
    entry = results.raw["jwtbench"]["adapters"]["limit"]
    assert entry["role"] == "limit" and entry["label"] == "crypto limit"


def test_a_grouped_run_pairs_jwe_cells_with_the_limit(tmp_path: Path) -> None:
    selection = Selection(
        adapters=("floor", "limit"), algs=("A128KW",), encs=("A256GCM",), key_modes=("prepared",),
    )  # fmt: skip
    outcome = run_grouped("quick", selection, output=tmp_path / "r.json", interop=False,
                          progress=LineProgress(lambda line: None))  # fmt: skip
    results = load_results(outcome.path)
    rows = {(r.params["adapter"], r.params["op"]): r for r in results.rows()}
    assert set(rows) == {(a, op) for a in ("floor", "limit") for op in ("encrypt", "decrypt")}
    for op in ("encrypt", "decrypt"):
        over = rows["floor", op].extra_info["over_limit"]
        assert over["rounds"] == PROFILES["quick"].bursts
        assert over["ci95"][0] <= over["ratio"] <= over["ci95"][1]
        assert rows["limit", op].extra_info["over_limit"]["ratio"] == 1.0
