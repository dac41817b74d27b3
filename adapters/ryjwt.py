"""ryjwt (``import ryjwt``): typed JWTs on a Rust core; needs Python 3.12 or newer.

Every ryjwt release declares ``Requires-Python >=3.12`` (0.2.2 ships only cp312+
wheels, and its pure-Python part uses the 3.12 ``type`` statement), so on an
older interpreter this adapter is unavailable with that reason instead of
being a missing row. It is declared from 0.2.2's stubs (``_ryjwt.pyi``,
``_algorithms.py``): a key object is built for a fixed list of algorithms and
checks audience and issuer itself.
"""

from __future__ import annotations

from typing import Any

from jwtbench.adapters.base import JWS_ALGS, Adapter, Expect, Use, VerificationError
from jwtbench.adapters.compiled import require_python, rust_backend
from jwtbench.adapters.keys import KeyMaterial


class RyJWTAdapter(Adapter):
    name = "ryjwt"
    label = "ryjwt"
    compiled = True
    colour = "#e377c2"
    library = "ryjwt"
    module = "ryjwt"
    # _algorithms.py (0.2.2): HMACAlgorithm HS256/384/512, AsymmetricAlgorithm
    # RS*, PS*, ES256, ES256K, ES384, ES512 (and its alias ES521), EdDSA.
    jws_algs = frozenset(JWS_ALGS)
    # "keys accept only the algorithms you give them": algorithms= is a required
    # keyword of SecretKey/PrivateKey/PublicKey, so nothing is accepted by default.
    enabled_by_default = frozenset()
    # Tried on Python 3.12.1 (a scratch environment): all 14 pass tests/test_adapters.py.
    notes = "needs Python >= 3.12 (unavailable on older Pythons); no JWE"

    def __init__(self) -> None:
        require_python(self.library, (3, 12), "Requires-Python >=3.12 in every release")
        super().__init__()
        type(self).backend = rust_backend(self.library, "ryjwt._ryjwt")

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        return _key(material.raw(use), alg, use, material.kty == "oct")

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        if isinstance(key, bytes):
            key = _key(key, alg, "sign", alg.startswith("HS"))
        token: str = key.encode(claims, algorithm=alg)
        return token

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        if isinstance(key, bytes):
            key = _key(key, alg, "verify", alg.startswith("HS"))
        claims: dict[str, Any] = key.decode(token, audience=expect.audience, issuer=expect.issuer)
        if "exp" not in claims:  # decode checks exp when present; applications require it
            raise VerificationError("exp missing")
        return claims


def _key(raw: bytes, alg: str, use: Use, secret: bool) -> Any:
    """ryjwt's key object for ``alg`` only (it pins the algorithm list itself)."""
    import ryjwt

    if secret:
        return ryjwt.SecretKey(raw, algorithms=[alg])
    cls = ryjwt.PrivateKey if use == "sign" else ryjwt.PublicKey
    return cls(raw, algorithms=[alg])
