"""Token crafting for the attack cases: ``cryptography`` and the standard library only.

No JOSE library (and not the floor either: the floor is what the tests check
the cases against) builds these tokens, so a library bug cannot hide in the
crafting. Every function is deterministic apart from the random IVs, CEKs and
ephemeral keys a real sender would draw too.
"""

from __future__ import annotations

import hmac
import json
import os
import struct
import zlib
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from jwtbench.adapters.jose import b64url

_HASH: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_HMAC = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}
#: Coordinate size in bytes per curve, for r || s and JWK coordinates.
EC_SIZE = {"secp256r1": 32, "secp384r1": 48, "secp521r1": 66}
_CRV = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def header_segment(header: dict[str, Any] | str) -> str:
    """The protected header segment; a ``str`` is used verbatim (duplicate members)."""
    text = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    return b64url(text.encode("utf-8"))


def claims_segment(claims: dict[str, Any]) -> str:
    return b64url(json.dumps(claims, separators=(",", ":")).encode("utf-8"))


def signature(signing_input: bytes, key: Any, alg: str) -> bytes:
    """A JWS signature over ``signing_input``: ``key`` is a secret (HS*) or a private key.

    ``alg`` here names the primitive only (the header may say something else):
    ``HS*`` HMAC, ``RS*`` PKCS#1 v1.5, ``PS*`` PSS with a hash-sized salt,
    ``ES*`` ECDSA as fixed-size r || s on the key's own curve.
    """
    if alg in _HMAC:
        return hmac.digest(key, signing_input, _HMAC[alg])
    hash_alg = _HASH[alg[2:]]()
    if alg.startswith("RS"):
        return bytes(key.sign(signing_input, padding.PKCS1v15(), hash_alg))
    if alg.startswith("PS"):
        pss = padding.PSS(padding.MGF1(hash_alg), hash_alg.digest_size)
        return bytes(key.sign(signing_input, pss, hash_alg))
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hash_alg)))
    size = EC_SIZE[key.curve.name]
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def jws(header: dict[str, Any] | str, payload: str, key: Any, sig_alg: str | None) -> str:
    """A compact JWS of an already-encoded ``payload`` segment; ``sig_alg`` None: no signature."""
    signing_input = f"{header_segment(header)}.{payload}"
    if sig_alg is None:
        return signing_input + "."
    return f"{signing_input}.{b64url(signature(signing_input.encode('ascii'), key, sig_alg))}"


def jwt(header: dict[str, Any] | str, claims: dict[str, Any], key: Any, sig_alg: str | None) -> str:
    """A signed JWT of ``claims`` (``sig_alg`` may differ from the header's ``alg``)."""
    return jws(header, claims_segment(claims), key, sig_alg)


def raw_deflate(data: bytes) -> bytes:
    """RFC 1951 raw DEFLATE, as RFC 7516 ``zip: DEF`` uses."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def deflated_zeros(size: int, zlib_header: bool = False) -> bytes:
    """Raw DEFLATE (or zlib-wrapped) of ``size`` zero bytes, compressed in chunks."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_header else -15)
    chunk = bytes(1 << 20)
    parts = [packer.compress(chunk) for _ in range(size >> 20)]
    parts.append(packer.compress(bytes(size & ((1 << 20) - 1))))
    return b"".join(parts) + packer.flush()


def _gcm(header: dict[str, Any], encrypted_key: bytes, cek: bytes, plaintext: bytes) -> str:
    protected = header_segment(header)
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, plaintext, protected.encode("ascii"))
    parts = (encrypted_key, iv, sealed[:-16], sealed[-16:])
    return ".".join((protected, *(b64url(p) for p in parts)))


def jwe_dir(header: dict[str, Any], key: bytes, plaintext: bytes) -> str:
    """``dir`` + A*GCM with ``key`` as the CEK; any header (``zip``...)."""
    return _gcm(header, b"", key, plaintext)


def jwe_rsa(header: dict[str, Any], public: rsa.RSAPublicKey, plaintext: bytes) -> str:
    """RSA1_5 or RSA-OAEP (SHA-1) key transport + A256GCM."""
    cek = os.urandom(32)
    if header["alg"] == "RSA1_5":
        pad: padding.AsymmetricPadding = padding.PKCS1v15()
    else:
        pad = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
    return _gcm(header, public.encrypt(cek, pad), cek, plaintext)


def jwe_pbes2(header: dict[str, Any], password: bytes, plaintext: bytes) -> str:
    """PBES2-HS256+A128KW + A256GCM with the header's ``p2s``/``p2c`` (RFC 7518 4.8)."""
    salt = header["alg"].encode() + b"\0" + _unb64(header["p2s"])
    kek = PBKDF2HMAC(hashes.SHA256(), 16, salt, header["p2c"]).derive(password)
    cek = os.urandom(32)
    return _gcm(header, aes_key_wrap(kek, cek), cek, plaintext)


def jwe_pbes2_unbounded(header: dict[str, Any]) -> str:
    """A PBES2 token whose ``p2c`` is too large to derive: random key and ciphertext."""
    return _gcm(header, os.urandom(40), os.urandom(32), b"{}")


def concat_kdf(shared: bytes, enc: str, size: int) -> bytes:
    """RFC 7518 4.6.2 Concat KDF for ECDH-ES direct agreement (empty apu/apv)."""
    other = struct.pack(">I", len(enc)) + enc.encode() + struct.pack(">II", 0, 0)
    other += struct.pack(">I", size * 8)
    return ConcatKDFHash(hashes.SHA256(), size, other).derive(shared)


def ec_jwk(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    nums, size = public.public_numbers(), EC_SIZE[public.curve.name]
    return {
        "kty": "EC",
        "crv": _CRV[public.curve.name],
        "x": b64url(nums.x.to_bytes(size, "big")),
        "y": b64url(nums.y.to_bytes(size, "big")),
    }


def jwe_ecdh(recipient: ec.EllipticCurvePublicKey, plaintext: bytes) -> str:
    """A legitimate ECDH-ES + A256GCM token for ``recipient``."""
    ephemeral = ec.generate_private_key(recipient.curve)
    cek = concat_kdf(ephemeral.exchange(ec.ECDH(), recipient), "A256GCM", 32)
    header = {"alg": "ECDH-ES", "enc": "A256GCM", "epk": ec_jwk(ephemeral.public_key())}
    return _gcm(header, b"", cek, plaintext)


def jwe_ecdh_forced(epk: dict[str, str], shared: bytes, plaintext: bytes) -> str:
    """ECDH-ES + A256GCM with a chosen ``epk`` and the shared secret the attacker predicts."""
    header = {"alg": "ECDH-ES", "enc": "A256GCM", "epk": epk}
    return _gcm(header, b"", concat_kdf(shared, "A256GCM", 32), plaintext)


def public_forms(public: rsa.RSAPublicKey, jwk: dict[str, Any]) -> dict[str, bytes]:
    """The victim's public key as applications hold it, by ``KeyForm``."""
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    stripped = b"".join(line for line in pem.splitlines() if not line.startswith(b"-----"))
    return {"pem": pem, "pkcs1": pkcs1, "jwk": json.dumps(jwk).encode(), "stripped": stripped}


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
