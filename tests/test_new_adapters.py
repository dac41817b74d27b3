"""joserfc, jwskate and josepy: their declared data checked against the libraries.

The generic round-trip, cross-verification and rejection tests cover them like
every adapter (tests/test_adapters.py, tests/test_jwe_adapters.py). Here: what
``enabled_by_default`` claims, why an algorithm the library has is left out of
the declared set, and the findings the adapters' notes report.
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtbench.adapters import load_adapter
from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS, JWS_ALGS, Expect
from jwtbench.adapters.keys import jwe_key, jws_key, load_claims

EXPECT = Expect()
FLOOR = load_adapter("floor")


def _floor_token(alg: str, claims: dict[str, Any] | None = None) -> str:
    key = FLOOR.prepare_key(alg, jws_key(alg), "sign")
    return FLOOR.sign(claims or load_claims("small"), key, alg)


@pytest.mark.parametrize("name", ["joserfc", "jwskate", "josepy"])
def test_backend_is_asserted_and_recorded(name: str) -> None:
    described = load_adapter(name).describe()
    assert described["backend"] == "cryptography"
    assert described["colour"] and described["notes"]


# -- joserfc ------------------------------------------------------------------
def test_joserfc_enabled_by_default_is_its_recommended_list() -> None:
    from joserfc.jwe import JWERegistry
    from joserfc.jws import JWSRegistry

    adapter = load_adapter("joserfc")
    recommended = set(JWSRegistry.recommended) | set(JWERegistry.recommended)
    known = set(JWS_ALGS) | set(JWE_ALGS) | set(JWE_ENCS)
    assert adapter.enabled_by_default == recommended & known


def test_joserfc_refuses_unrecommended_unless_asked() -> None:
    """jwt.decode without algorithms= refuses HS384; the adapter's algorithms=[alg] runs it."""
    from joserfc import jwt
    from joserfc.errors import UnsupportedAlgorithmError

    adapter = load_adapter("joserfc")
    token = _floor_token("HS384")
    key = adapter.prepare_key("HS384", jws_key("HS384"), "verify")
    with pytest.raises(UnsupportedAlgorithmError, match="not recommended"):
        jwt.decode(token, key)
    assert adapter.verify(token, key, "HS384", EXPECT) == load_claims("small")
    assert jwt.decode(_floor_token("HS256"), key).claims == load_claims("small")


def test_joserfc_refuses_rsa1_5_by_default_and_decrypts_it_when_asked() -> None:
    from joserfc import jwe
    from joserfc.errors import UnsupportedAlgorithmError

    adapter = load_adapter("joserfc")
    material = jwe_key("RSA1_5", "A128GCM")
    token = FLOOR.encrypt(load_claims("small"), FLOOR.prepare_key("RSA1_5", material, "encrypt"),
                          "RSA1_5", "A128GCM")  # fmt: skip
    key = adapter.prepare_key("RSA1_5", material, "decrypt")
    with pytest.raises(UnsupportedAlgorithmError):
        jwe.decrypt_compact(token, key)
    assert adapter.decrypt(token, key, "RSA1_5", "A128GCM", EXPECT) == load_claims("small")


# -- jwskate ------------------------------------------------------------------
def test_jwskate_enables_no_jws_alg_by_default() -> None:
    """verify(jwk) with no alg: the key has none, and the token's header never chooses."""
    from jwskate import SignedJwt

    adapter = load_adapter("jwskate")
    assert not adapter.enabled_by_default & set(JWS_ALGS)
    key = adapter.prepare_key("HS256", jws_key("HS256"), "verify")
    with pytest.raises(Exception, match="alg"):
        SignedJwt(_floor_token("HS256")).verify(key)


def test_jwskate_jwe_decrypt_lets_the_header_choose() -> None:
    """decrypt(jwk) without alg= runs the token's own alg (RSA1_5 too): all enabled."""
    from jwskate import JweCompact, Jwk

    adapter = load_adapter("jwskate")
    material = jwe_key("RSA-OAEP", "A128GCM")
    for alg in ("RSA1_5", "RSA-OAEP", "RSA-OAEP-256"):
        token = FLOOR.encrypt_bytes(b"{}", FLOOR.prepare_key(alg, material, "encrypt"),
                                    alg, "A128GCM")  # fmt: skip
        assert JweCompact(token).decrypt(Jwk.from_pem(material.private_pem)) == b"{}", alg
        assert alg in adapter.enabled_by_default


def test_jwskate_names_secp256k1_es256k_lowercase() -> None:
    """Why ES256K is not declared: jwskate's name for it is not RFC 8812's."""
    from jwskate import ECJwk

    assert "ES256k" in ECJwk.SIGNATURE_ALGORITHMS
    assert "ES256K" not in ECJwk.SIGNATURE_ALGORITHMS
    assert "ES256K" not in load_adapter("jwskate").jws_algs


def test_jwskate_rsa1_5_is_decrypt_only() -> None:
    """Why RSA1_5 is not declared: jwskate decrypts it but will not encrypt with it."""
    from jwskate import JweCompact, Jwk

    material = jwe_key("RSA1_5", "A128GCM")
    token = FLOOR.encrypt_bytes(b"{}", FLOOR.prepare_key("RSA1_5", material, "encrypt"),
                                "RSA1_5", "A128GCM")  # fmt: skip
    assert JweCompact(token).decrypt(Jwk.from_pem(material.private_pem), alg="RSA1_5") == b"{}"
    with pytest.raises(NotImplementedError):
        JweCompact.encrypt(b"{}", Jwk.from_pem(material.public_pem), enc="A128GCM", alg="RSA1_5")
    assert "RSA1_5" not in load_adapter("jwskate").jwe_algs


def test_jwskate_pbes2_count_has_no_upper_bound() -> None:
    """A p2c above the floor's cap (1,000,000) is run, not refused (test_attacks skips it)."""
    from jwskate import JweCompact

    from jwtbench.adapters.floor_jwe import MAX_P2C

    password = jwe_key("PBES2-HS256+A128KW", "").secret
    token = JweCompact.encrypt_with_password(
        b"{}", password, alg="PBES2-HS256+A128KW", enc="A128GCM", count=MAX_P2C + 1
    )
    assert token.headers["p2c"] == MAX_P2C + 1
    assert bytes(JweCompact(str(token)).decrypt_with_password(password)) == b"{}"


# -- josepy -------------------------------------------------------------------
def test_josepy_verify_runs_any_registered_alg() -> None:
    """Its enabled_by_default: JWS.verify runs whatever alg the header names."""
    import josepy

    adapter = load_adapter("josepy")
    secret = josepy.JWKOct(key=jws_key("HS256").secret)
    for alg in ("HS256", "HS384", "HS512"):
        assert josepy.JWS.from_compact(_floor_token(alg).encode()).verify(secret), alg
    assert {"HS256", "HS384", "HS512"} <= adapter.enabled_by_default
    # ... which is why the adapter compares the header's alg with the requested one.
    with pytest.raises(Exception, match="HS512"):
        adapter.verify(_floor_token("HS512"), secret, "HS256", EXPECT)


def test_josepy_pss_tokens_are_not_rfc7518() -> None:
    """Why PS* is not declared: josepy's PS256 (maximum salt) fails a strict verifier."""
    import josepy

    from jwtbench.adapters.jose import compact_json

    material = jws_key("PS256")
    token = josepy.JWS.sign(
        compact_json(load_claims("small")),
        key=josepy.JWK.load(material.private_pem),
        alg=josepy.PS256,
        include_jwk=False,
        protect=frozenset(("alg",)),
    )
    with pytest.raises(Exception):  # noqa: B017 - the floor's VerificationError
        FLOOR.verify(token.to_compact().decode(), FLOOR.prepare_key("PS256", material, "verify"),
                     "PS256", EXPECT)  # fmt: skip
    assert not {"PS256", "PS384", "PS512"} & load_adapter("josepy").jws_algs


def test_left_out_algorithms_say_why() -> None:
    """A cell left out on purpose carries the library's reason, not a bare 'not implemented'."""
    assert "PSS salt" in load_adapter("josepy").unsupported_reason("PS256")
    assert "ES256k" in load_adapter("jwskate").unsupported_reason("ES256K")
    assert "refuses to encrypt" in load_adapter("jwskate").unsupported_reason("RSA1_5", "A128GCM")
    assert "has no JWE" in load_adapter("josepy").unsupported_reason("dir", "A256GCM")


def test_joserfc_warns_on_deprecated_algorithms_and_the_adapter_leaves_it() -> None:
    """The SecurityWarning is part of joserfc's EdDSA path: the adapter does not hide it."""
    from joserfc.errors import SecurityWarning

    adapter = load_adapter("joserfc")
    key = adapter.prepare_key("EdDSA", jws_key("EdDSA"), "sign")
    with pytest.warns(SecurityWarning, match="RFC 9864"):
        adapter.sign(load_claims("small"), key, "EdDSA")
