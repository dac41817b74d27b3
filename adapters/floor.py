"""The floor: JWS done directly with ``cryptography`` and the standard library.

No JOSE library is involved: json, base64, hmac and ``cryptography`` calls in a
straight line, with the same checks a library must do (header alg pinned,
signature, exp/aud/iss). It is the fastest a Python library can be on this
machine, so every other adapter is also reported as "x over floor".
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from jwtbench.adapters.base import (
    JWE_ALGS,
    JWE_ENCS,
    JWS_ALGS,
    Adapter,
    Expect,
    Use,
    VerificationError,
)
from jwtbench.adapters.jose import b64url, b64url_decode, check_claims, compact_json
from jwtbench.adapters.keys import KeyMaterial

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
    "56K": hashes.SHA256,  # ES256K
}
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_EC_SIZE = {"ES256": 32, "ES384": 48, "ES512": 66, "ES256K": 32}


class FloorAdapter(Adapter):
    """JWS with ``cryptography`` + stdlib only: the physical limit."""

    name = "floor"
    label = "floor"
    colour = "#404040"
    library = "cryptography"
    module = "cryptography"
    backend = "cryptography"
    jws_algs = frozenset(JWS_ALGS)
    # JWE lives in adapters/floor_jwe.py (imported lazily: JWS-only runs skip it).
    jwe_algs = frozenset(JWE_ALGS)
    jwe_encs = frozenset(JWE_ENCS)
    notes = "no JOSE library: cryptography + json/base64/hmac in a straight line"

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        if material.kty == "oct":
            return material.secret
        return material.private_key() if use in ("sign", "decrypt") else material.public_key()

    # -- JWE ------------------------------------------------------------------
    def encrypt_bytes(
        self, payload: bytes, key: Any, alg: str, enc: str, cty: str | None = None
    ) -> str:
        from jwtbench.adapters import floor_jwe

        return floor_jwe.encrypt(payload, key, alg, enc, cty=cty)

    def decrypt_bytes(
        self, token: str, key: Any, alg: str, enc: str
    ) -> tuple[dict[str, Any], bytes]:
        from jwtbench.adapters import floor_jwe

        return floor_jwe.decrypt(token, key, alg, enc)

    # -- JWS ------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        header = b64url(compact_json({"alg": alg, "typ": "JWT"}))
        signing_input = f"{header}.{b64url(compact_json(claims))}"
        signature = self._sign_bytes(signing_input.encode("ascii"), key, alg)
        return f"{signing_input}.{b64url(signature)}"

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        parts = token.split(".")
        if len(parts) != 3:
            raise VerificationError("not a compact JWS")
        header = json.loads(b64url_decode(parts[0]))
        if not isinstance(header, dict) or header.get("alg") != alg:
            raise VerificationError(f"header alg is not {alg}")
        if "crit" in header:
            raise VerificationError("unsupported critical header")
        signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
        self._verify_bytes(signing_input, b64url_decode(parts[2]), key, alg)
        return check_claims(json.loads(b64url_decode(parts[1])), expect)

    # -- primitives -------------------------------------------------------------
    @staticmethod
    def _sign_bytes(data: bytes, key: Any, alg: str) -> bytes:
        if alg in _HMAC:
            return hmac.new(key, data, _HMAC[alg]).digest()
        if isinstance(key, bytes):  # key mode "raw": parse the PEM on every call
            key = serialization.load_pem_private_key(key, password=None)
        if alg == "EdDSA":
            assert isinstance(key, ed25519.Ed25519PrivateKey)
            return key.sign(data)
        hash_alg = _HASHES[alg[-3:]]()
        if alg[:2] == "RS":
            assert isinstance(key, rsa.RSAPrivateKey)
            return key.sign(data, padding.PKCS1v15(), hash_alg)
        if alg[:2] == "PS":
            assert isinstance(key, rsa.RSAPrivateKey)
            return key.sign(data, _pss(hash_alg), hash_alg)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hash_alg)))
        size = _EC_SIZE[alg]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    @staticmethod
    def _verify_bytes(data: bytes, signature: bytes, key: Any, alg: str) -> None:
        if alg in _HMAC:
            if not hmac.compare_digest(hmac.new(key, data, _HMAC[alg]).digest(), signature):
                raise VerificationError("bad HMAC")
            return
        if isinstance(key, bytes):
            key = serialization.load_pem_public_key(key)
        try:
            if alg == "EdDSA":
                assert isinstance(key, ed25519.Ed25519PublicKey)
                key.verify(signature, data)
                return
            hash_alg = _HASHES[alg[-3:]]()
            if alg[:2] == "RS":
                assert isinstance(key, rsa.RSAPublicKey)
                key.verify(signature, data, padding.PKCS1v15(), hash_alg)
            elif alg[:2] == "PS":
                assert isinstance(key, rsa.RSAPublicKey)
                key.verify(signature, data, _pss(hash_alg), hash_alg)
            else:
                assert isinstance(key, ec.EllipticCurvePublicKey)
                size = _EC_SIZE[alg]
                if len(signature) != 2 * size:
                    raise VerificationError("ECDSA signature has the wrong length")
                r = int.from_bytes(signature[:size], "big")
                s = int.from_bytes(signature[size:], "big")
                key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_alg))
        except InvalidSignature as exc:
            raise VerificationError("bad signature") from exc


def _pss(hash_alg: hashes.HashAlgorithm) -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
