"""The JWE floor: compact JWE (RFC 7516/7518) done directly with ``cryptography``.

No JOSE library: json, base64, hmac, os.urandom and ``cryptography`` calls in a
straight line, with every check a careful library must make on decrypt (header
``alg``/``enc`` pinned to the caller's, no ``zip``/``crit``, exact CEK/IV/tag
lengths, empty encrypted key for ``dir``/``ECDH-ES``, on-curve ``epk``, ``p2c``
capped, constant-time tag compare, RFC 3218 random CEK for ``RSA1_5``). It is the
fastest JWE a Python library can be on this machine.
"""

from __future__ import annotations

import hmac
import json
import os
import struct
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)

from jwtbench.adapters.base import VerificationError
from jwtbench.adapters.jose import b64url, b64url_decode, compact_json
from jwtbench.adapters.keys import PBES2_COUNT

__all__ = [
    "JWE_ALGS_SUPPORTED",
    "JWE_ENCS_SUPPORTED",
    "MAX_P2C",
    "JWEError",
    "decrypt",
    "encrypt",
]


class JWEError(VerificationError):
    """A JWE was rejected on decrypt (any reason: format, header, key, tag)."""


#: Highest PBES2 iteration count accepted on decrypt (a token chooses p2c: DoS cap).
MAX_P2C = 1_000_000

_RSA_PADDING: dict[str, asym_padding.AsymmetricPadding] = {
    "RSA-OAEP": asym_padding.OAEP(asym_padding.MGF1(hashes.SHA1()), hashes.SHA1(), None),
    "RSA-OAEP-256": asym_padding.OAEP(asym_padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
    "RSA1_5": asym_padding.PKCS1v15(),
}
#: AES key-wrap KEK size (bytes) for A*KW, A*GCMKW and ECDH-ES+A*KW.
_KW_BYTES = {
    "A128KW": 16, "A192KW": 24, "A256KW": 32,
    "A128GCMKW": 16, "A192GCMKW": 24, "A256GCMKW": 32,
    "ECDH-ES+A128KW": 16, "ECDH-ES+A192KW": 24, "ECDH-ES+A256KW": 32,
}  # fmt: skip
#: PBES2: (PBKDF2 hash, derived KEK size).
_PBES2: dict[str, tuple[hashes.HashAlgorithm, int]] = {
    "PBES2-HS256+A128KW": (hashes.SHA256(), 16),
    "PBES2-HS384+A192KW": (hashes.SHA384(), 24),
    "PBES2-HS512+A256KW": (hashes.SHA512(), 32),
}
#: Content encryption: CEK size in bytes (RFC 7518 section 5).
_CEK_BYTES = {
    "A128CBC-HS256": 32, "A192CBC-HS384": 48, "A256CBC-HS512": 64,
    "A128GCM": 16, "A192GCM": 24, "A256GCM": 32,
}  # fmt: skip
#: CBC-HS: HMAC hash name (for ``hmac``), also the tag is half the MAC output.
_CBC_HMAC = {"A128CBC-HS256": "sha256", "A192CBC-HS384": "sha384", "A256CBC-HS512": "sha512"}

_ECDH_ALGS = frozenset({"ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW"})
_GCMKW_ALGS = frozenset({"A128GCMKW", "A192GCMKW", "A256GCMKW"})
_AESKW_ALGS = frozenset({"A128KW", "A192KW", "A256KW"})

#: JWK ``crv`` -> (cryptography curve, coordinate size in bytes) for EC keys.
_EC_CURVES: dict[str, tuple[ec.EllipticCurve, int]] = {
    "P-256": (ec.SECP256R1(), 32),
    "P-384": (ec.SECP384R1(), 48),
    "P-521": (ec.SECP521R1(), 66),
}
_EC_CRV = {curve.name: crv for crv, (curve, _) in _EC_CURVES.items()}

JWE_ALGS_SUPPORTED: frozenset[str] = frozenset(
    {*_RSA_PADDING, *_KW_BYTES, *_PBES2, "dir", "ECDH-ES"}
)
JWE_ENCS_SUPPORTED: frozenset[str] = frozenset(_CEK_BYTES)

_DECRYPT_ERRORS = (
    VerificationError,  # b64url_decode
    ValueError,  # json, bad key/point/padding, wrong sizes (incl. UnicodeDecodeError)
    TypeError,  # a key object of the wrong kind
    InvalidTag,
    InvalidUnwrap,
    UnsupportedAlgorithm,
    RecursionError,  # absurdly nested header JSON
)


# -- public API -----------------------------------------------------------------
def encrypt(
    plaintext: bytes,
    key: Any,
    alg: str,
    enc: str,
    *,
    cty: str | None = None,
    typ: str | None = None,
    p2c: int = PBES2_COUNT,
) -> str:
    """Return the compact JWE of ``plaintext`` for the recipient ``key``.

    ``key``: RSA/EC/X25519/X448 public key (or PEM bytes, or a private key),
    the AES key bytes for A*KW/A*GCMKW/dir, the password bytes for PBES2.
    """
    _check_args(alg, enc)
    header: dict[str, Any] = {"alg": alg, "enc": enc}
    if typ is not None:
        header["typ"] = typ
    if cty is not None:
        header["cty"] = cty
    cek_size = _CEK_BYTES[enc]
    if alg == "dir":
        cek = _secret(key, cek_size)
        encrypted_key = b""
    elif alg in _ECDH_ALGS:
        pub = _public_key(key)
        if isinstance(pub, ec.EllipticCurvePublicKey):
            if pub.curve.name not in _EC_CRV:
                raise ValueError(f"{alg}: curve {pub.curve.name} is not supported")
            eph_ec = ec.generate_private_key(pub.curve)
            shared = eph_ec.exchange(ec.ECDH(), pub)
            header["epk"] = _ec_jwk(eph_ec.public_key())
        elif isinstance(pub, x25519.X25519PublicKey):
            eph_x25519 = x25519.X25519PrivateKey.generate()
            shared = eph_x25519.exchange(pub)
            header["epk"] = _okp_jwk("X25519", eph_x25519.public_key())
        elif isinstance(pub, x448.X448PublicKey):
            eph_x448 = x448.X448PrivateKey.generate()
            shared = eph_x448.exchange(pub)
            header["epk"] = _okp_jwk("X448", eph_x448.public_key())
        else:
            raise TypeError(f"{alg} needs an EC, X25519 or X448 key")
        if alg == "ECDH-ES":
            cek = _concat_kdf(shared, enc, cek_size, b"", b"")
            encrypted_key = b""
        else:
            cek = os.urandom(cek_size)
            kek = _concat_kdf(shared, alg, _KW_BYTES[alg], b"", b"")
            encrypted_key = aes_key_wrap(kek, cek)
    elif alg in _RSA_PADDING:
        pub = _public_key(key)
        if not isinstance(pub, rsa.RSAPublicKey):
            raise TypeError(f"{alg} needs an RSA key")
        cek = os.urandom(cek_size)
        encrypted_key = pub.encrypt(cek, _RSA_PADDING[alg])
    elif alg in _AESKW_ALGS:
        cek = os.urandom(cek_size)
        encrypted_key = aes_key_wrap(_secret(key, _KW_BYTES[alg]), cek)
    elif alg in _GCMKW_ALGS:
        cek = os.urandom(cek_size)
        kw_iv = os.urandom(12)
        wrapped = AESGCM(_secret(key, _KW_BYTES[alg])).encrypt(kw_iv, cek, None)
        encrypted_key = wrapped[:-16]
        header["iv"] = b64url(kw_iv)
        header["tag"] = b64url(wrapped[-16:])
    else:  # PBES2
        if isinstance(p2c, bool) or not isinstance(p2c, int) or not 1 <= p2c <= MAX_P2C:
            raise ValueError(f"p2c must be an int in [1, {MAX_P2C}]")
        if not isinstance(key, bytes):
            raise TypeError(f"{alg} needs the password as bytes")
        p2s = os.urandom(16)
        hash_alg, kek_size = _PBES2[alg]
        salt = alg.encode("ascii") + b"\x00" + p2s
        kek = PBKDF2HMAC(hash_alg, kek_size, salt, p2c).derive(key)
        cek = os.urandom(cek_size)
        encrypted_key = aes_key_wrap(kek, cek)
        header["p2s"] = b64url(p2s)
        header["p2c"] = p2c

    protected = b64url(compact_json(header))
    aad = protected.encode("ascii")
    if enc in _CBC_HMAC:
        half = cek_size // 2
        iv = os.urandom(16)
        padder = sym_padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(cek[half:]), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(padded) + encryptor.finalize()
        mac_input = aad + iv + ciphertext + struct.pack(">Q", len(aad) * 8)
        tag = hmac.digest(cek[:half], mac_input, _CBC_HMAC[enc])[:half]
    else:
        iv = os.urandom(12)
        sealed = AESGCM(cek).encrypt(iv, plaintext, aad)
        ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join((protected, b64url(encrypted_key), b64url(iv), b64url(ciphertext), b64url(tag)))


def decrypt(token: str, key: Any, alg: str, enc: str) -> tuple[dict[str, Any], bytes]:
    """Decrypt a compact JWE made with exactly ``alg``/``enc``.

    Return (protected header, plaintext). Raise ``JWEError`` on any rejection;
    ``ValueError`` only when ``alg``/``enc`` themselves are not supported.
    """
    _check_args(alg, enc)
    try:
        return _decrypt(token, key, alg, enc)
    except JWEError:
        raise
    except _DECRYPT_ERRORS as exc:
        raise JWEError(f"JWE rejected: {type(exc).__name__}: {exc}") from exc


# -- decrypt --------------------------------------------------------------------
def _decrypt(token: str, key: Any, alg: str, enc: str) -> tuple[dict[str, Any], bytes]:
    if not isinstance(token, str):
        raise JWEError("token is not a str")
    parts = token.split(".")
    if len(parts) != 5:
        raise JWEError("not a compact JWE (5 segments)")
    protected, ek_b64, iv_b64, ct_b64, tag_b64 = parts
    header = json.loads(b64url_decode(protected))
    if not isinstance(header, dict):
        raise JWEError("protected header is not a JSON object")
    if header.get("alg") != alg:
        raise JWEError(f"header alg is not {alg}")
    if header.get("enc") != enc:
        raise JWEError(f"header enc is not {enc}")
    if "zip" in header:
        raise JWEError("zip (compression) is not supported")
    if "crit" in header:
        raise JWEError("unsupported critical header")
    encrypted_key = b64url_decode(ek_b64)
    iv = b64url_decode(iv_b64)
    ciphertext = b64url_decode(ct_b64)
    tag = b64url_decode(tag_b64)
    cek_size = _CEK_BYTES[enc]

    # -- key management: recover the CEK ---------------------------------------
    if encrypted_key and alg in ("dir", "ECDH-ES"):
        raise JWEError(f"{alg} requires an empty encrypted key")
    if alg == "dir":
        if not isinstance(key, bytes) or len(key) != cek_size:
            raise JWEError(f"dir with {enc} needs a {cek_size}-byte key")
        cek = key
    elif alg in _RSA_PADDING:
        priv = _private_key(key)
        if not isinstance(priv, rsa.RSAPrivateKey):
            raise JWEError(f"{alg} needs an RSA private key")
        if alg == "RSA1_5":
            # RFC 7516 section 11.5 / RFC 3218: on a padding error (or a wrong
            # length) continue with a random CEK, so only the tag check fails.
            # (OpenSSL >= 3.2 also does implicit rejection internally.)
            random_cek = os.urandom(cek_size)
            try:
                cek = priv.decrypt(encrypted_key, _RSA_PADDING[alg])
            except ValueError:
                cek = random_cek
            if len(cek) != cek_size:
                cek = random_cek
        else:
            cek = priv.decrypt(encrypted_key, _RSA_PADDING[alg])
    elif alg in _AESKW_ALGS:
        kek = key if isinstance(key, bytes) and len(key) == _KW_BYTES[alg] else None
        if kek is None:
            raise JWEError(f"{alg} needs a {_KW_BYTES[alg]}-byte key")
        cek = aes_key_unwrap(kek, encrypted_key)
    elif alg in _GCMKW_ALGS:
        if not isinstance(key, bytes) or len(key) != _KW_BYTES[alg]:
            raise JWEError(f"{alg} needs a {_KW_BYTES[alg]}-byte key")
        kw_iv = _b64_member(header, "iv")
        kw_tag = _b64_member(header, "tag")
        if len(kw_iv) != 12 or len(kw_tag) != 16:
            raise JWEError("bad iv/tag header length for AES-GCM key wrap")
        cek = AESGCM(key).decrypt(kw_iv, encrypted_key + kw_tag, None)
    elif alg in _ECDH_ALGS:
        shared = _ecdh_receive(header.get("epk"), _private_key(key))
        apu = _b64_member(header, "apu") if "apu" in header else b""
        apv = _b64_member(header, "apv") if "apv" in header else b""
        if alg == "ECDH-ES":
            cek = _concat_kdf(shared, enc, cek_size, apu, apv)
        else:
            kek = _concat_kdf(shared, alg, _KW_BYTES[alg], apu, apv)
            cek = aes_key_unwrap(kek, encrypted_key)
    else:  # PBES2
        if not isinstance(key, bytes):
            raise JWEError(f"{alg} needs the password as bytes")
        p2c = header.get("p2c")
        if isinstance(p2c, bool) or not isinstance(p2c, int) or p2c < 1:
            raise JWEError("p2c missing or not a positive integer")
        if p2c > MAX_P2C:
            raise JWEError("p2c too large")
        p2s = _b64_member(header, "p2s")
        if len(p2s) < 8:
            raise JWEError("p2s shorter than 8 bytes")
        hash_alg, kek_size = _PBES2[alg]
        salt = alg.encode("ascii") + b"\x00" + p2s
        kek = PBKDF2HMAC(hash_alg, kek_size, salt, p2c).derive(key)
        cek = aes_key_unwrap(kek, encrypted_key)
    if len(cek) != cek_size:
        raise JWEError(f"CEK is {len(cek)} bytes, {enc} needs {cek_size}")

    # -- content decryption ------------------------------------------------------
    aad = protected.encode("ascii")
    if enc in _CBC_HMAC:
        half = cek_size // 2
        if len(iv) != 16 or len(tag) != half:
            raise JWEError("bad iv or tag length")
        mac_input = aad + iv + ciphertext + struct.pack(">Q", len(aad) * 8)
        expected = hmac.digest(cek[:half], mac_input, _CBC_HMAC[enc])[:half]
        if not hmac.compare_digest(expected, tag):
            raise JWEError("authentication tag mismatch")
        decryptor = Cipher(algorithms.AES(cek[half:]), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = sym_padding.PKCS7(128).unpadder()
        plaintext = unpadder.update(padded) + unpadder.finalize()
    else:
        if len(iv) != 12 or len(tag) != 16:
            raise JWEError("bad iv or tag length")
        plaintext = AESGCM(cek).decrypt(iv, ciphertext + tag, aad)
    return header, plaintext


def _ecdh_receive(epk: Any, priv: Any) -> bytes:
    """Z from the header's ephemeral public JWK and our private key (same curve)."""
    if not isinstance(epk, dict):
        raise JWEError("epk missing or not a JSON object")
    kty, crv = epk.get("kty"), epk.get("crv")
    if isinstance(priv, ec.EllipticCurvePrivateKey):
        own_crv = _EC_CRV.get(priv.curve.name)
        if kty != "EC" or own_crv is None or crv != own_crv:
            raise JWEError("epk is not an EC key on the recipient's curve")
        curve, size = _EC_CURVES[own_crv]
        x, y = _b64_member(epk, "x"), _b64_member(epk, "y")
        # RFC 7518 6.2.1.2 wants full-length coordinates, but some producers
        # (authlib 1.x, ~1% of its tokens) drop leading zero bytes. Accept the
        # short form like jwcrypto does: the value is the same point and is still
        # checked to be on the curve. tests/test_jwe_conformance.py reports it.
        if not (0 < len(x) <= size and 0 < len(y) <= size):
            raise JWEError("epk coordinates have the wrong length")
        x, y = x.rjust(size, b"\0"), y.rjust(size, b"\0")
        # from_encoded_point checks the point is on the curve (ValueError if not)
        peer = ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)
        return priv.exchange(ec.ECDH(), peer)
    if isinstance(priv, x25519.X25519PrivateKey):
        if kty != "OKP" or crv != "X25519":
            raise JWEError("epk is not an X25519 key")
        return priv.exchange(x25519.X25519PublicKey.from_public_bytes(_b64_member(epk, "x")))
    if isinstance(priv, x448.X448PrivateKey):
        if kty != "OKP" or crv != "X448":
            raise JWEError("epk is not an X448 key")
        return priv.exchange(x448.X448PublicKey.from_public_bytes(_b64_member(epk, "x")))
    raise JWEError("ECDH-ES needs an EC, X25519 or X448 private key")


# -- helpers ----------------------------------------------------------------------
def _check_args(alg: str, enc: str) -> None:
    if alg not in JWE_ALGS_SUPPORTED:
        raise ValueError(f"unsupported JWE alg {alg!r}")
    if enc not in JWE_ENCS_SUPPORTED:
        raise ValueError(f"unsupported JWE enc {enc!r}")


def _concat_kdf(shared: bytes, algorithm_id: str, size: int, apu: bytes, apv: bytes) -> bytes:
    """RFC 7518 section 4.6.2: Concat KDF (SHA-256) over Z with the JOSE OtherInfo."""
    alg_id = algorithm_id.encode("ascii")
    other_info = b"".join(
        (
            struct.pack(">I", len(alg_id)),
            alg_id,
            struct.pack(">I", len(apu)),
            apu,
            struct.pack(">I", len(apv)),
            apv,
            struct.pack(">I", size * 8),  # SuppPubInfo: keydatalen in bits
        )
    )
    return ConcatKDFHash(hashes.SHA256(), size, other_info).derive(shared)


def _b64_member(obj: dict[str, Any], name: str) -> bytes:
    value = obj.get(name)
    if not isinstance(value, str):
        raise JWEError(f"{name!r} missing or not a string")
    return b64url_decode(value)


def _secret(key: Any, size: int) -> bytes:
    if not isinstance(key, bytes) or len(key) != size:
        raise ValueError(f"need a {size}-byte key")
    return key


def _public_key(key: Any) -> Any:
    """A public key object from a key object or PEM bytes (private PEM allowed)."""
    if isinstance(key, bytes):
        if b"PRIVATE KEY" in key:
            return serialization.load_pem_private_key(key, password=None).public_key()
        return serialization.load_pem_public_key(key)
    if isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | x25519.X25519PrivateKey
        | x448.X448PrivateKey,
    ):
        return key.public_key()
    return key


def _private_key(key: Any) -> Any:
    """A private key object from a key object or PEM bytes (parsed per call)."""
    if isinstance(key, bytes):
        return serialization.load_pem_private_key(key, password=None)
    return key


def _ec_jwk(pub: ec.EllipticCurvePublicKey) -> dict[str, str]:
    size = _EC_CURVES[_EC_CRV[pub.curve.name]][1]
    point = pub.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "kty": "EC",
        "crv": _EC_CRV[pub.curve.name],
        "x": b64url(point[1 : 1 + size]),
        "y": b64url(point[1 + size :]),
    }


def _okp_jwk(crv: str, pub: x25519.X25519PublicKey | x448.X448PublicKey) -> dict[str, str]:
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": crv, "x": b64url(raw)}
