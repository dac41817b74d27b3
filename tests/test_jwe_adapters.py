"""JWE and nested tokens across libraries: every declared (adapter, alg, enc).

Each token an adapter makes must decrypt with every other adapter that
declares the pair (the floor included), each adapter must reject a flipped
ciphertext or tag byte, and nested tokens must verify in a different library
than the one that made them.
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtbench.adapters import ADAPTERS, Adapter, Expect
from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS
from jwtbench.adapters.keys import jwe_key, jws_key, load_claims
from jwtbench.measure.gate import flip_jwe_byte
from jwtbench.measure.matrix import NESTED_JWE_ALGS, NESTED_SIG_ALGS, adapter_or_reason

EXPECT = Expect()
AVAILABLE = {  # adapters that make tokens (the crypto limit times bare primitives)
    n: a for n in ADAPTERS if isinstance(a := adapter_or_reason(n), Adapter) and a.makes_tokens
}
TRIPLES = [
    (name, alg, enc)
    for name, adapter in AVAILABLE.items()
    for alg in JWE_ALGS
    for enc in JWE_ENCS
    if adapter.supports_jwe(alg, enc)
]


def _keys(adapter: Adapter, alg: str, enc: str, key_mode: str = "prepared") -> tuple[Any, Any]:
    material = jwe_key(alg, enc)
    mode: Any = key_mode
    return (
        adapter.key_for(alg, material, "encrypt", mode),
        adapter.key_for(alg, material, "decrypt", mode),
    )


def _consumers(alg: str, enc: str) -> list[Adapter]:
    return [a for a in AVAILABLE.values() if a.supports_jwe(alg, enc)]


def test_every_library_declares_jwe_except_pyjwt() -> None:
    assert not AVAILABLE["pyjwt"].jwe_algs  # PyJWT has no JWE: its cells are "unsupported"
    assert not AVAILABLE["josepy"].jwe_algs  # josepy is JWS only (ACME needs no JWE)
    for name in ("floor", "jwcrypto", "authlib", "python-jose", "joserfc", "jwskate"):
        assert AVAILABLE[name].jwe_algs, name
    assert len(TRIPLES) >= 250


@pytest.mark.parametrize(("name", "alg", "enc"), TRIPLES)
def test_cross_library_decryption(name: str, alg: str, enc: str) -> None:
    producer = AVAILABLE[name]
    claims = load_claims("small")
    token = producer.encrypt(claims, _keys(producer, alg, enc)[0], alg, enc)
    consumers = _consumers(alg, enc)
    assert len(consumers) >= 2, "no second implementation to cross-check with"
    for consumer in consumers:
        got = consumer.decrypt(token, _keys(consumer, alg, enc)[1], alg, enc, EXPECT)
        assert got == claims, f"{name} -> {consumer.name}"


@pytest.mark.parametrize(("name", "alg", "enc"), TRIPLES)
def test_tampering_rejected(name: str, alg: str, enc: str) -> None:
    adapter = AVAILABLE[name]
    floor = AVAILABLE["floor"] if name != "floor" else AVAILABLE["jwcrypto"]
    claims = load_claims("small")
    token = floor.encrypt(claims, _keys(floor, alg, enc)[0], alg, enc)
    decrypt_key = _keys(adapter, alg, enc)[1]
    assert adapter.decrypt(token, decrypt_key, alg, enc, EXPECT) == claims
    for part, what in ((3, "ciphertext"), (4, "tag")):
        with pytest.raises(Exception):  # noqa: B017 - each library has its own error types
            adapter.decrypt(flip_jwe_byte(token, part), decrypt_key, alg, enc, EXPECT)
            pytest.fail(f"{name} accepted a tampered {what}")


@pytest.mark.parametrize("name", [n for n in AVAILABLE if AVAILABLE[n].jwe_algs])
def test_raw_key_mode_round_trip(name: str) -> None:
    adapter = AVAILABLE[name]
    claims = load_claims("1kb")
    # One RSA key-management alg (pyjosers has RSA-OAEP-256 but not RSA-OAEP), AES KW, dir.
    rsa = next(a for a in ("RSA-OAEP", "RSA-OAEP-256") if adapter.supports_jwe(a, "A256GCM"))
    for alg, enc in ((rsa, "A256GCM"), ("A256KW", "A128CBC-HS256"), ("dir", "A256GCM")):
        seal, unseal = _keys(adapter, alg, enc, "raw")
        token = adapter.encrypt(claims, seal, alg, enc)
        assert adapter.decrypt(token, unseal, alg, enc, EXPECT) == claims


def test_pinned_algorithms_on_decrypt() -> None:
    """A dir/A256GCM token offered where A256KW/A256GCM is expected is refused by all."""
    claims = load_claims("small")
    floor = AVAILABLE["floor"]
    token = floor.encrypt(claims, jwe_key("dir", "A256GCM").secret, "dir", "A256GCM")
    for adapter in _consumers("A256KW", "A256GCM"):
        with pytest.raises(Exception):  # noqa: B017
            adapter.decrypt(token, _keys(adapter, "A256KW", "A256GCM")[1], "A256KW", "A256GCM",
                            EXPECT)  # fmt: skip
            pytest.fail(f"{adapter.name} decrypted a token with another alg")


NESTED = [
    (name, sig_alg, alg)
    for name, adapter in AVAILABLE.items()
    for sig_alg in NESTED_SIG_ALGS
    for alg in NESTED_JWE_ALGS
    if sig_alg in adapter.jws_algs and adapter.supports_jwe(alg, "A256GCM")
]


@pytest.mark.parametrize(("name", "sig_alg", "alg"), NESTED)
def test_nested_verified_by_other_libraries(name: str, sig_alg: str, alg: str) -> None:
    producer = AVAILABLE[name]
    claims = load_claims("small")
    sig_material = jws_key(sig_alg)
    token = producer.sign_encrypt(
        claims,
        producer.prepare_key(sig_alg, sig_material, "sign"),
        sig_alg,
        _keys(producer, alg, "A256GCM")[0],
        alg,
        "A256GCM",
    )
    others = [a for a in _consumers(alg, "A256GCM") if a.name != name and sig_alg in a.jws_algs]
    assert others, "nothing else to verify with"
    for other in others:
        got = other.decrypt_verify(
            token,
            _keys(other, alg, "A256GCM")[1],
            alg,
            "A256GCM",
            other.prepare_key(sig_alg, sig_material, "verify"),
            sig_alg,
            EXPECT,
        )
        assert got == claims, f"{name} -> {other.name}"
