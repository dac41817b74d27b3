"""python-jose (``import jose``) on its pure-Python backends: python-rsa, ecdsa, hmac.

python-jose chooses a backend at import time and prefers ``cryptography``
whenever it is installed, which it always is beside jwtbench (the floor and
the gate need it). So this adapter does not trust the import-time choice: it
builds every key itself from the native classes (``rsa_backend.RSAKey``,
``ecdsa_backend.ECDSAECKey``, ``native.HMACKey``), and at start-up signs one
token per key type and checks which class signed it. ``jose.jwt`` takes a
``Key`` object as it is (``jwk.construct`` returns it unchanged), so the
timed calls run the native code and nothing else.

The widely repeated advice "python-jose with PyCryptodome" is recorded as
data (:data:`PYCRYPTODOME_FINDING`, measured by
``jwtbench.envs.probe.probe_python_jose``): in python-jose 3.5.0 the
``[pycryptodome]`` extra installs pycryptodome, but no module of python-jose
imports it, so without ``cryptography`` such an install runs these very
native backends.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

from jwtbench.adapters import python_jose
from jwtbench.adapters.base import Adapter, AdapterUnavailable, DecodeCall, Expect, KeyForm, Use
from jwtbench.adapters.keys import KeyMaterial

#: Where each key type's native class lives (module, class), by alg prefix.
NATIVE_CLASSES: dict[str, tuple[str, str]] = {
    "HS": ("jose.backends.native", "HMACKey"),
    "RS": ("jose.backends.rsa_backend", "RSAKey"),
    "ES": ("jose.backends.ecdsa_backend", "ECDSAECKey"),
}

#: What ``pip install 'python-jose[pycryptodome]'`` really runs, probed in an env of its
#: own without cryptography (``jwtbench.envs.probe.probe_python_jose``; rerun by
#: tests/test_isolate.py). python-jose 3.5.0, pycryptodome 3.24.1 (probe run 2026-12-02).
PYCRYPTODOME_FINDING: dict[str, Any] = {
    "install": "python-jose[pycryptodome]==3.5.0",
    "backend": "native",  # rsa_backend.RSAKey, ecdsa_backend.ECDSAECKey, native.HMACKey
    "imports_pycryptodome": False,  # module Crypto is never imported by jose
    "summary": (
        "python-jose[pycryptodome] installs pycryptodome but no python-jose module imports "
        "it: without cryptography it runs the pure-Python rsa/ecdsa backends (this adapter)"
    ),
}


class PythonJoseNativeAdapter(Adapter):
    name = "python-jose-native"
    label = "python-jose (native)"
    colour = "#ff9896"
    library = "python-jose"
    distributions = ("rsa", "ecdsa", "pyasn1")
    module = "jose"
    backend = "native"
    # rsa_backend has no PSS; ecdsa_backend has no secp256k1 alg; no EdDSA anywhere.
    jws_algs = frozenset(
        ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
    )
    # jose.jwt.decode(token, key) with algorithms=None accepts any of these.
    enabled_by_default = jws_algs
    notes = (
        "python-jose forced onto its pure-Python backends (python-rsa, ecdsa, hmac) by "
        "building its native key classes, asserted at start-up; JWS only here (its native "
        "JWE has no AES key wrap or GCM). " + PYCRYPTODOME_FINDING["summary"]
    )

    # In a conformance sandbox python-jose cannot see its cryptography backend, so its
    # shortest call picks the native classes by itself, as where cryptography is absent.
    hidden_modules = ("jose.backends.cryptography_backend",)
    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(jws="jose.jwt.decode(token, key) (native backends)"),
        "hardened": DecodeCall(
            jws="jwt.decode(token, key, algorithms=algs, audience=aud, issuer=iss, "
            'options={"require_exp": True, "require_aud": True, "require_iss": True})',
            passes_expect=True,
        ),
    }

    def __init__(self) -> None:
        super().__init__()
        from jwtbench.adapters.keys import jws_key

        for prefix, (module, cls) in NATIVE_CLASSES.items():
            alg = f"{prefix}256"
            try:
                key = _native_key(jws_key(alg).raw("sign"), alg)
            except ImportError as exc:
                raise AdapterUnavailable(f"python-jose's native {cls} cannot load: {exc}") from exc
            signer = f"{type(key).__module__}.{type(key).__name__}"
            if signer != f"{module}.{cls}":
                raise AdapterUnavailable(f"{alg} would be signed by {signer}, not {module}.{cls}")

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "pycryptodome_finding": dict(PYCRYPTODOME_FINDING)}

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        return python_jose.conformance_key(data, form)

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        return python_jose.decode_jws(call, token, key, algs, expect)

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        return python_jose.verify_bytes(token, key, alg)

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return _native_key(material.raw(use), alg)

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        from jose import jwt

        token: str = jwt.encode(claims, _native_key(key, alg), algorithm=alg)
        return token

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        from jose import jwt

        claims: dict[str, Any] = jwt.decode(
            token,
            _native_key(key, alg),
            algorithms=[alg],
            audience=expect.audience,
            issuer=expect.issuer,
            options={"require_exp": True, "require_aud": True, "require_iss": True},
        )
        return claims


def _native_key(key: Any, alg: str) -> Any:
    """``key`` if it is already a python-jose key, else its native class built from bytes."""
    from jose.backends.base import Key

    if isinstance(key, Key):
        return key
    module, cls = NATIVE_CLASSES[alg[:2]]
    return getattr(_import_native(module), cls)(key, alg)


def _import_native(module: str) -> Any:
    """Import a native backend module without its side effect on python-jose.

    ``jose.backends.rsa_backend`` removes RSA-OAEP from python-jose's
    process-wide ``ALGORITHMS.SUPPORTED`` when imported, which made the
    cryptography-backed ``python-jose`` adapter in the same process refuse every
    RSA-OAEP token. The set is put back as it was: this adapter does no JWE.
    """
    from jose.constants import ALGORITHMS

    before = set(ALGORITHMS.SUPPORTED)
    try:
        return importlib.import_module(module)
    finally:
        ALGORITHMS.SUPPORTED.update(before)
