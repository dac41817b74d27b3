"""The crypto limit: the bare primitives, with no JOSE around them.

A reference row, not a library anyone would pick, and nobody's library: it
times only what ``cryptography``/``hmac`` spend on the bytes a token of the
same claims carries, with no JSON, base64, header or claims. What a library
spends above it is its own Python; the report shows "x over limit" and the
share of each library's time that is crypto.

- JWS (alg, op): HMAC, RSA PKCS#1 v1.5 / PSS, ECDSA (DER, as OpenSSL returns
  it) and EdDSA sign and verify over the signing input.
- JWE (alg, enc), encrypt and decrypt: the key management alone -- AES key
  wrap, AES-GCM key wrap, RSA-OAEP / RSA1_5, ECDH-ES (a fresh ephemeral key,
  the exchange and the Concat KDF; +A*KW wraps too), PBES2 (PBKDF2 with the
  floor's 8192 iterations, then the wrap), ``dir`` none -- plus the content
  cipher alone (AES-GCM through ``AESGCM``; CBC-HMAC as AES-CBC with PKCS#7
  padding and a truncated HMAC over AAD || IV || ciphertext || AL) on the
  plaintext bytes and protected-header AAD of a floor token of those claims.
  A fresh CEK and IVs come from ``os.urandom``, as any JWE must draw them.
- Nested (sign, then encrypt): the JWS limit's sign over the inner signing
  input, then the JWE limit's encrypt of the inner token's bytes; decrypt
  then verify the same way round.

It makes no tokens (``makes_tokens = False``), so the interop grid skips it and
the correctness gate checks it differently (``jwtbench.measure.limit_gate``):
its signatures must verify with independent ``cryptography`` calls, its JWE
decrypt must open a floor-made token and refuse a flipped tag or ciphertext
byte, and what its JWE encrypt sealed must open again (with the floor too,
where the header carries nothing drawn per call).
Key mode ``raw`` parses the PEM on every call, as a raw-key library must.
"""

from __future__ import annotations

import hmac
import os
import struct
from dataclasses import dataclass
from typing import Any, NamedTuple, NoReturn, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from jwtbench.adapters.base import (
    JWE_ALGS,
    JWE_ENCS,
    JWS_ALGS,
    Adapter,
    Expect,
    Use,
    VerificationError,
)
from jwtbench.adapters.keys import CEK_BYTES, PBES2_COUNT, KeyMaterial

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
    "56K": hashes.SHA256,  # ES256K
}
_HMAC = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def primitive_args(alg: str) -> tuple[Any, ...]:
    """The arguments after (signature,) data that ``cryptography`` needs for ``alg``."""
    if alg == "EdDSA":
        return ()
    hash_alg = _HASHES[alg[-3:]]()
    if alg[:2] == "RS":
        return (padding.PKCS1v15(), hash_alg)
    if alg[:2] == "PS":
        return (padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size), hash_alg)
    return (ec.ECDSA(hash_alg),)


#: PBES2 iterations: every timed token's (``keys.PBES2_COUNT``), so all do the same work.
P2C = PBES2_COUNT
_KW_BYTES = {"A128": 16, "A192": 24, "A256": 32}
_RSA_PADDING: dict[str, padding.AsymmetricPadding] = {
    "RSA-OAEP": padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None),
    "RSA-OAEP-256": padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
    "RSA1_5": padding.PKCS1v15(),
}
_CBC_MAC = {"A128CBC-HS256": "sha256", "A192CBC-HS384": "sha384", "A256CBC-HS512": "sha512"}
_PBKDF2_HASH: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512,
}  # fmt: skip
_X962, _POINT = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
#: What a decrypt that fails on a tampered input raises inside ``cryptography``.
_OPEN_ERRORS = (InvalidTag, InvalidUnwrap, ValueError)


@dataclass(frozen=True)
class JweArgs:
    """What ``seal``/``open_sealed`` need for one (alg, enc): built once, outside timing."""

    alg: str
    enc: str
    #: "dir", "kw" (AES key wrap), "gcmkw", "rsa", "ecdh", "ecdh-kw" or "pbes2".
    kind: str
    cek_bytes: int
    #: Key-wrap key size (A*KW, A*GCMKW, ECDH-ES+A*KW, PBES2).
    kek_bytes: int = 0
    rsa_padding: Any = None
    pbkdf2_hash: Any = None
    #: PBES2 salt input before p2s: the alg, then a zero byte (RFC 7518 4.8.1.1).
    salt_prefix: bytes = b""
    #: ECDH-ES Concat KDF OtherInfo (RFC 7518 4.6.2, empty apu/apv) and output size.
    kdf_info: bytes = b""
    kdf_bytes: int = 0
    #: CBC-HMAC: the HMAC digest name; None for AES-GCM.
    mac: str | None = None


def jwe_args(alg: str, enc: str) -> JweArgs:
    """The fixed inputs of ``alg``/``enc`` (sizes, paddings, KDF info)."""
    cek = CEK_BYTES[enc]
    mac = _CBC_MAC.get(enc)
    if alg == "dir":
        return JweArgs(alg, enc, "dir", cek, mac=mac)
    if alg in _RSA_PADDING:
        return JweArgs(alg, enc, "rsa", cek, rsa_padding=_RSA_PADDING[alg], mac=mac)
    if alg.startswith("ECDH-ES"):
        wrap = alg.partition("+")[2]
        algorithm_id, size = (alg, _KW_BYTES[wrap[:4]]) if wrap else (enc, cek)
        info = b"".join((
            struct.pack(">I", len(algorithm_id)), algorithm_id.encode("ascii"),
            struct.pack(">I", 0), struct.pack(">I", 0), struct.pack(">I", size * 8),
        ))  # fmt: skip
        kind = "ecdh-kw" if wrap else "ecdh"
        return JweArgs(alg, enc, kind, cek, size, kdf_info=info, kdf_bytes=size, mac=mac)
    if alg.startswith("PBES2"):
        kek = _KW_BYTES[alg[-6:-2]]
        pbkdf2 = _PBKDF2_HASH[alg[8:11]]()
        prefix = alg.encode("ascii") + b"\x00"
        return JweArgs(alg, enc, "pbes2", cek, kek, pbkdf2_hash=pbkdf2, salt_prefix=prefix, mac=mac)
    kind = "gcmkw" if alg.endswith("GCMKW") else "kw"
    return JweArgs(alg, enc, kind, cek, _KW_BYTES[alg[:4]], mac=mac)


class Sealed(NamedTuple):
    """What a JWE encrypt produces, as bytes and key objects (no header, no base64)."""

    encrypted_key: bytes
    iv: bytes
    ciphertext: bytes
    tag: bytes
    #: ECDH-ES: the ephemeral public key as an uncompressed point (``04 || x || y``):
    #: exporting it (encrypt) and loading it, on-curve check included (decrypt), is crypto.
    epk: bytes = b""
    #: A*GCMKW: the key wrap's IV and tag.
    kw_iv: bytes = b""
    kw_tag: bytes = b""
    #: PBES2: the salt and the iteration count.
    p2s: bytes = b""
    p2c: int = 0


@runtime_checkable
class Primitives(Protocol):
    """What an adapter with ``makes_tokens = False`` offers the gate to time."""

    def primitive_args(self, alg: str) -> tuple[Any, ...]: ...

    def sign_input(self, data: bytes, key: Any, alg: str, args: tuple[Any, ...]) -> bytes: ...

    def verify_input(
        self, data: bytes, signature: bytes, key: Any, alg: str, args: tuple[Any, ...]
    ) -> bool: ...


@runtime_checkable
class JwePrimitives(Protocol):
    """The JWE (and nested) work an adapter with ``makes_tokens = False`` offers."""

    def jwe_args(self, alg: str, enc: str) -> JweArgs: ...

    def seal(self, plaintext: bytes, aad: bytes, key: Any, args: JweArgs) -> Sealed: ...

    def open_sealed(self, sealed: Sealed, aad: bytes, key: Any, args: JweArgs) -> bytes: ...


class LimitAdapter(Adapter):
    """The bare primitive per (alg, op): the denominator of "x over limit"."""

    name = "limit"
    label = "crypto limit"
    colour = "#b0b0b0"
    library = "cryptography"
    module = "cryptography"
    backend = "cryptography"
    role = "limit"
    makes_tokens = False
    jws_algs = frozenset(JWS_ALGS)
    jwe_algs = frozenset(JWE_ALGS)
    jwe_encs = frozenset(JWE_ENCS)
    notes = (
        "not a library anyone would pick: the bare primitives on a token's bytes -- the "
        "signature over the signing input; the JWE key wrap/agreement plus the content "
        "cipher on the plaintext (no JSON, base64, header or claims); makes no tokens"
    )

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        if material.kty == "oct":
            return material.secret
        return material.private_key() if use in ("sign", "decrypt") else material.public_key()

    # -- what the gate times -----------------------------------------------------
    def primitive_args(self, alg: str) -> tuple[Any, ...]:
        return primitive_args(alg)

    def sign_input(self, data: bytes, key: Any, alg: str, args: tuple[Any, ...]) -> bytes:
        """The raw signature (HMAC tag, RSA block, DER ECDSA, Ed25519) over ``data``.

        ``args`` is ``primitive_args(alg)``, built once outside the timed call.
        """
        name = _HMAC.get(alg)
        if name is not None:
            return hmac.digest(key, data, name)
        if key.__class__ is bytes:
            key = serialization.load_pem_private_key(key, password=None)
        signature: bytes = key.sign(data, *args)
        return signature

    def verify_input(
        self, data: bytes, signature: bytes, key: Any, alg: str, args: tuple[Any, ...]
    ) -> bool:
        """True if ``signature`` is good over ``data``; raises ``VerificationError`` if not."""
        name = _HMAC.get(alg)
        if name is not None:
            if not hmac.compare_digest(hmac.digest(key, data, name), signature):
                raise VerificationError("bad HMAC")
            return True
        if key.__class__ is bytes:
            key = serialization.load_pem_public_key(key)
        try:
            key.verify(signature, data, *args)
        except InvalidSignature:
            raise VerificationError("bad signature") from None
        return True

    # -- JWE ----------------------------------------------------------------------
    def jwe_args(self, alg: str, enc: str) -> JweArgs:
        return jwe_args(alg, enc)

    def seal(self, plaintext: bytes, aad: bytes, key: Any, args: JweArgs) -> Sealed:
        """Key management, then the content cipher over ``plaintext`` with ``aad``."""
        kind, extra = args.kind, dict[str, Any]()
        if kind == "dir":
            cek, encrypted_key = key, b""
        else:
            if key.__class__ is bytes and kind in ("rsa", "ecdh", "ecdh-kw"):
                key = serialization.load_pem_public_key(key)
            cek = os.urandom(args.cek_bytes)
            if kind == "kw":
                encrypted_key = aes_key_wrap(key, cek)
            elif kind == "rsa":
                encrypted_key = key.encrypt(cek, args.rsa_padding)
            elif kind == "gcmkw":
                iv = os.urandom(12)
                wrapped = AESGCM(key).encrypt(iv, cek, None)
                encrypted_key = wrapped[:-16]
                extra = {"kw_iv": iv, "kw_tag": wrapped[-16:]}
            elif kind == "pbes2":
                p2s = os.urandom(16)
                kek = PBKDF2HMAC(args.pbkdf2_hash, args.kek_bytes, args.salt_prefix + p2s, P2C)
                encrypted_key = aes_key_wrap(kek.derive(key), cek)
                extra = {"p2s": p2s, "p2c": P2C}
            else:  # ECDH-ES (+A*KW): a fresh ephemeral key on the recipient's curve
                ephemeral = ec.generate_private_key(key.curve)
                shared = ephemeral.exchange(ec.ECDH(), key)
                derived = ConcatKDFHash(hashes.SHA256(), args.kdf_bytes, args.kdf_info).derive(
                    shared
                )
                if kind == "ecdh":
                    cek, encrypted_key = derived, b""
                else:
                    encrypted_key = aes_key_wrap(derived, cek)
                extra = {"epk": ephemeral.public_key().public_bytes(_X962, _POINT)}
        if args.mac is None:
            iv = os.urandom(12)
            out = AESGCM(cek).encrypt(iv, plaintext, aad)
            return Sealed(encrypted_key, iv, out[:-16], out[-16:], **extra)
        half = args.cek_bytes // 2
        iv = os.urandom(16)
        pad = 16 - len(plaintext) % 16
        encryptor = Cipher(algorithms.AES(cek[half:]), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(plaintext + bytes((pad,)) * pad) + encryptor.finalize()
        mac_input = aad + iv + ciphertext + struct.pack(">Q", len(aad) * 8)
        tag = hmac.digest(cek[:half], mac_input, args.mac)[:half]
        return Sealed(encrypted_key, iv, ciphertext, tag, **extra)

    def open_sealed(self, sealed: Sealed, aad: bytes, key: Any, args: JweArgs) -> bytes:
        """The plaintext; ``VerificationError`` if any tag, wrap or padding is wrong."""
        try:
            return self._open(sealed, aad, key, args)
        except _OPEN_ERRORS as exc:
            raise VerificationError(f"JWE refused: {type(exc).__name__}") from None

    def _open(self, sealed: Sealed, aad: bytes, key: Any, args: JweArgs) -> bytes:
        kind = args.kind
        if kind == "dir":
            cek = key
        else:
            if key.__class__ is bytes and kind in ("rsa", "ecdh", "ecdh-kw"):
                key = serialization.load_pem_private_key(key, password=None)
            if kind == "kw":
                cek = aes_key_unwrap(key, sealed.encrypted_key)
            elif kind == "rsa":
                cek = key.decrypt(sealed.encrypted_key, args.rsa_padding)
            elif kind == "gcmkw":
                cek = AESGCM(key).decrypt(sealed.kw_iv, sealed.encrypted_key + sealed.kw_tag, None)
            elif kind == "pbes2":
                salt = args.salt_prefix + sealed.p2s
                kek = PBKDF2HMAC(args.pbkdf2_hash, args.kek_bytes, salt, sealed.p2c).derive(key)
                cek = aes_key_unwrap(kek, sealed.encrypted_key)
            else:
                peer = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, sealed.epk)
                shared = key.exchange(ec.ECDH(), peer)
                derived = ConcatKDFHash(hashes.SHA256(), args.kdf_bytes, args.kdf_info).derive(
                    shared
                )
                cek = derived if kind == "ecdh" else aes_key_unwrap(derived, sealed.encrypted_key)
        if args.mac is None:
            plaintext: bytes = AESGCM(cek).decrypt(sealed.iv, sealed.ciphertext + sealed.tag, aad)
            return plaintext
        half = args.cek_bytes // 2
        mac_input = aad + sealed.iv + sealed.ciphertext + struct.pack(">Q", len(aad) * 8)
        if not hmac.compare_digest(hmac.digest(cek[:half], mac_input, args.mac)[:half], sealed.tag):
            raise VerificationError("JWE refused: bad CBC-HMAC tag")
        decryptor = Cipher(algorithms.AES(cek[half:]), modes.CBC(sealed.iv)).decryptor()
        padded = decryptor.update(sealed.ciphertext) + decryptor.finalize()
        pad = padded[-1] if padded else 0
        if not 1 <= pad <= 16 or padded[-pad:] != bytes((pad,)) * pad:
            raise VerificationError("JWE refused: bad padding")
        return padded[:-pad]

    # -- nested: the JWS limit, then the JWE limit ---------------------------------
    def sign_seal(
        self, data: bytes, sig_key: Any, sig_alg: str, sig_args: tuple[Any, ...],
        plaintext: bytes, aad: bytes, key: Any, args: JweArgs,
    ) -> tuple[bytes, Sealed]:  # fmt: skip
        """Sign the inner signing input, then seal the inner token's bytes."""
        return self.sign_input(data, sig_key, sig_alg, sig_args), self.seal(
            plaintext, aad, key, args
        )

    def open_verify(
        self, sealed: Sealed, aad: bytes, key: Any, args: JweArgs,
        data: bytes, signature: bytes, verify_key: Any, sig_alg: str, sig_args: tuple[Any, ...],
    ) -> bytes:  # fmt: skip
        """Open the outer JWE, then verify the inner signature; the inner token's bytes."""
        plaintext = self.open_sealed(sealed, aad, key, args)
        self.verify_input(data, signature, verify_key, sig_alg, sig_args)
        return plaintext

    # -- the token calls: the limit has none --------------------------------------
    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> NoReturn:
        raise NotImplementedError("the crypto limit makes no tokens (see sign_input)")

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> NoReturn:
        raise NotImplementedError("the crypto limit opens no tokens (see verify_input)")
