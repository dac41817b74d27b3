"""The compiled (Rust) adapters and the PyPI ``jwt`` one: what the shared tests cannot see.

test_adapters.py and test_jwe_adapters.py run every *available* adapter; here:
an unavailable one is still registered and says why, each declaration matches
what the library itself reports or refuses, and the backend recorded is the
native module really loaded.
"""

from __future__ import annotations

import importlib.metadata
import sys

import pytest

from jwtbench.adapters import ADAPTERS, AdapterUnavailable, load_adapter
from jwtbench.adapters.base import JWE_ALGS, JWE_ENCS, JWS_ALGS
from jwtbench.adapters.keys import jws_key, load_claims
from jwtbench.measure.matrix import adapter_or_reason

COMPILED = {"oxyjwt": "oxyjwt._oxyjwt", "webtoken": "webtoken._webtoken",
            "pyjosers": "pyjosers._native", "ryjwt": "ryjwt._ryjwt"}  # fmt: skip


def test_new_adapters_are_registered_with_identity() -> None:
    for name in (*COMPILED, "jwt"):
        cls = ADAPTERS[name]
        assert cls.label and cls.colour and cls.library and cls.module and cls.notes, name
        assert cls.jws_algs <= set(JWS_ALGS) and cls.jwe_algs <= set(JWE_ALGS), name
        assert cls.enabled_by_default <= cls.jws_algs, name
    colours = [cls.colour for cls in ADAPTERS.values() if cls.colour]
    assert len(colours) == len(set(colours)), "two adapters share a chart colour"


@pytest.mark.parametrize("name", [n for n in COMPILED if n != "ryjwt"])
def test_backend_is_the_loaded_native_module(name: str) -> None:
    adapter = load_adapter(name)
    assert adapter.backend == f"rust ({COMPILED[name]})"
    assert sys.modules[COMPILED[name]].__file__.endswith(".so")  # type: ignore[union-attr]
    assert adapter.describe()["backend"] == adapter.backend


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="ryjwt installs on 3.12+")
def test_ryjwt_is_unavailable_with_the_python_requirement() -> None:
    reason = adapter_or_reason("ryjwt")
    assert isinstance(reason, str)
    assert "needs Python >= 3.12" in reason and sys.version.split()[0] in reason


def test_jwt_distribution_is_detected_not_guessed() -> None:
    """PyPI 'jwt' and PyJWT both install module jwt: the owner decides availability."""
    owners = importlib.metadata.packages_distributions().get("jwt", [])
    if owners == ["jwt"]:  # a scratch environment with GehirnInc's jwt instead of PyJWT
        assert not isinstance(adapter_or_reason("jwt"), str)
        return
    with pytest.raises(AdapterUnavailable, match="PyPI 'jwt' needs its own environment"):
        load_adapter("jwt")
    assert "PyJWT" in owners  # the main environment: module jwt is PyJWT's


def test_jwt_adapter_checks_audience_itself() -> None:
    """GehirnInc's JWT.decode has no aud/iss check: the adapter must not skip them."""
    adapter = adapter_or_reason("jwt")
    if isinstance(adapter, str):
        pytest.skip(adapter)
    from jwtbench.adapters import Expect

    material = jws_key("HS256")
    token = adapter.sign(
        load_claims("small"), adapter.prepare_key("HS256", material, "sign"), "HS256"
    )
    with pytest.raises(Exception, match="audience"):
        adapter.verify(token, material.raw("verify"), "HS256", Expect(audience="https://x.example"))


def test_pyjosers_declaration_matches_its_capability_report() -> None:
    pytest.importorskip("pyjosers")
    from pyjosers import capabilities

    adapter = load_adapter("pyjosers")
    for kind, known, declared in (("jws", JWS_ALGS, adapter.jws_algs),
                                  ("jwe", JWE_ALGS, adapter.jwe_algs),
                                  ("encryption", JWE_ENCS, adapter.jwe_encs)):  # fmt: skip
        offered = {row.identifier for row in capabilities.available(kind)}
        assert declared == offered & set(known), kind


@pytest.mark.parametrize("alg", ["ES512", "ES256K"])
def test_oxyjwt_refuses_what_it_does_not_declare(alg: str) -> None:
    """Undeclared because the library raises, not because it was never tried."""
    oxyjwt = pytest.importorskip("oxyjwt")
    adapter = load_adapter("oxyjwt")
    assert alg not in adapter.jws_algs
    key = oxyjwt.EncodingKey.from_ec_pem(jws_key(alg).private_pem)
    with pytest.raises(oxyjwt.InvalidAlgorithmError):
        oxyjwt.encode(load_claims("small"), key, algorithm=alg)


def test_webtoken_adapter_does_not_print(capsys: pytest.CaptureFixture[str]) -> None:
    """webtoken 0.5.0's encode() prints 'fpoo'; the adapter's sign must not time a print."""
    adapter = load_adapter("webtoken")
    material = jws_key("HS256")
    token = adapter.sign(
        load_claims("small"), adapter.prepare_key("HS256", material, "sign"), "HS256"
    )
    assert token.count(".") == 2
    assert capsys.readouterr().out == ""


def test_pyjwt_adapter_refuses_another_distributions_jwt_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defect: beside GehirnInc's jwt (its own environment), PyJWT's adapter said "available"
    (module jwt imported) and then failed every call with AttributeError."""
    from jwtbench.adapters import owners

    monkeypatch.setattr(importlib.metadata, "packages_distributions", lambda: {"jwt": ["jwt"]})
    owners.owners.cache_clear()
    try:
        with pytest.raises(AdapterUnavailable, match="module jwt is jwt here, not PyJWT"):
            load_adapter("pyjwt")
        assert not isinstance(adapter_or_reason.__wrapped__("jwt"), str)
    finally:
        owners.owners.cache_clear()


@pytest.mark.xfail(
    strict=True,
    reason="finding: webtoken 0.5.0's PyJWT-compatible algorithm objects map PS256/384/512 to "
    "RSAAlgorithm, whose sign() makes an RS* (PKCS#1 v1.5) signature; encode()/decode() "
    "(what the adapter calls) do sign PSS",
)
def test_webtoken_ps256_algorithm_object_signs_pss() -> None:
    pytest.importorskip("webtoken")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from webtoken import algorithms

    material = jws_key("PS256")
    ps256 = algorithms.get_default_algorithms()["PS256"]
    signature = ps256.sign(b"message", ps256.prepare_key(material.private_pem))
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH)
    material.public_key().verify(signature, b"message", pss, hashes.SHA256())


def test_webtoken_adapter_ps256_tokens_are_pss() -> None:
    """The adapter's own path is the right one: its PS256 signature is RSASSA-PSS."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from jwtbench.adapters.jose import b64url_decode

    adapter, material = load_adapter("webtoken"), jws_key("PS256")
    token = adapter.sign(
        load_claims("small"), adapter.prepare_key("PS256", material, "sign"), "PS256"
    )
    signing_input, signature = token.rsplit(".", 1)
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH)
    material.public_key().verify(
        b64url_decode(signature), signing_input.encode(), pss, hashes.SHA256()
    )


def test_compiled_is_declared_as_data_and_reaches_describe() -> None:
    """The report's ladder reads ``compiled`` from the file, not from backend strings."""
    compiled = {name for name, cls in ADAPTERS.items() if cls.compiled}
    assert {"oxyjwt", "webtoken", "pyjosers", "ryjwt"} <= compiled
    assert not compiled & {"floor", "limit", "pyjwt", "jwcrypto", "authlib", "joserfc"}
    for name in compiled - {"ryjwt"}:
        adapter = adapter_or_reason(name)
        if not isinstance(adapter, str):
            assert adapter.describe()["compiled"] is True
