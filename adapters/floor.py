"""The floor: JWS done directly with ``cryptography`` and the standard library.

No JOSE library is involved: json, binascii, hmac and ``cryptography`` calls in
a straight line, so every other adapter can be reported as "x over floor". It
is written to be the fastest *correct* pure-Python JWS on this machine
(``tools/floor_vs_lean.py`` times it, interleaved, against a hand-specialised
implementation of the same work), and it checks exactly this on ``verify``:

1. the token is three dot-separated segments of unpadded base64url (any other
   character, padding, or a bad length is rejected);
2. the header is a JSON object whose ``alg`` is the requested algorithm (never
   the token's own choice) and that has no ``crit`` member;
3. the signature over the first two segments, with the requested algorithm
   (ECDSA: exactly ``2 * coordinate size`` bytes, r || s; HMAC: compared in
   constant time);
4. the claims are a JSON object with a numeric ``exp`` in the future, an
   ``aud`` that is (or is a list containing) the expected audience, and the
   expected ``iss`` -- the checks of ``jwtbench.adapters.jose.check_claims``,
   inlined.

``sign`` writes ``{"alg":...,"typ":"JWT"}`` and compact claims JSON. Speed comes
from doing the same work once: the header segment per alg is precomputed, a
prepared key carries its primitive, padding and hash objects ready to call,
and base64url goes straight through ``binascii``.
"""

from __future__ import annotations

import binascii
import hmac
import json
import time
from typing import Any, ClassVar

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
    DecodeCall,
    Expect,
    Use,
    VerificationError,
)
from jwtbench.adapters.jose import b64url, compact_json
from jwtbench.adapters.keys import KeyMaterial

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
    "56K": hashes.SHA256,  # ES256K
}
#: HMAC digest names: ``hmac.digest`` with a name takes OpenSSL's one-shot path.
_HMAC = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}
_EC_SIZE = {"ES256": 32, "ES384": 48, "ES512": 66, "ES256K": 32}

#: The signing input's first segment and its dot, per alg (the same bytes every call).
_HEAD: dict[str, bytes] = {
    alg: b64url(compact_json({"alg": alg, "typ": "JWT"})).encode("ascii") + b"." for alg in JWS_ALGS
}
#: ``json.dumps(obj, separators=(",", ":"))`` without building an encoder per call.
_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads
_b2a = binascii.b2a_base64
_a2b = binascii.a2b_base64
_digest = hmac.digest
_equal = hmac.compare_digest
_now = time.time
#: base64 -> base64url for encoding.
_TO_URL = bytes.maketrans(b"+/", b"-_")
#: base64url -> base64 for decoding; every byte outside the url alphabet becomes
#: "!", which ``_unb64`` refuses (``a2b_base64`` alone would skip it silently).
_FROM_URL = bytes(
    {ord("-"): ord("+"), ord("_"): ord("/")}.get(c, c if c < 128 and chr(c).isalnum() else ord("!"))
    for c in range(256)
)
_PADS = (b"", b"===", b"==", b"=")


def _unb64(segment: bytes) -> bytes:
    """Strict base64url decoding: url alphabet only, no padding, a valid length."""
    std = segment.translate(_FROM_URL)
    if b"!" in std:
        raise VerificationError("bad base64url segment")
    try:
        return _a2b(std + _PADS[len(std) & 3])
    except binascii.Error as exc:
        raise VerificationError(f"bad base64url: {exc}") from exc


class _Key:
    """A prepared JWS key: the primitive for one alg and use, ready to call.

    ``call(data, *args)`` signs (or, for ``verify``, checks a signature); HMAC
    keys call ``hmac.digest`` with the secret bound.
    """

    __slots__ = ("alg", "args", "call", "ec_size", "hmac", "secret")

    def __init__(self, alg: str, material: KeyMaterial, use: Use) -> None:
        self.alg = alg
        self.hmac = _HMAC.get(alg, "")
        self.secret = material.secret
        self.ec_size = _EC_SIZE.get(alg, 0)
        self.args: tuple[Any, ...] = ()
        self.call: Any = None
        if self.hmac:
            return
        key = material.private_key() if use == "sign" else material.public_key()
        self.call = key.sign if use == "sign" else key.verify
        if alg != "EdDSA":
            hash_alg = _HASHES[alg[-3:]]()
            pad = {"RS": padding.PKCS1v15(), "PS": _pss(hash_alg)}.get(alg[:2])
            self.args = (pad, hash_alg) if pad is not None else (ec.ECDSA(hash_alg),)


class FloorAdapter(Adapter):
    """JWS with ``cryptography`` + stdlib only: the fastest correct pure-Python JWS."""

    name = "floor"
    label = "floor"
    colour = "#404040"
    library = "cryptography"
    module = "cryptography"
    backend = "cryptography"
    role = "floor"
    jws_algs = frozenset(JWS_ALGS)
    # JWE lives in adapters/floor_jwe.py (imported lazily: JWS-only runs skip it).
    jwe_algs = frozenset(JWE_ALGS)
    jwe_encs = frozenset(JWE_ENCS)
    notes = "no JOSE library: cryptography + json/binascii/hmac in a straight line"
    # One call, which always pins the alg and checks exp/aud/iss: the reference row.
    _CALL = DecodeCall(
        jws="FloorAdapter().verify(token, key, algs[0], expect)",
        jwe="floor_jwe.decrypt(token, key, alg, enc)",
        passes_expect=True,
    )
    decode_calls: ClassVar[dict[str, DecodeCall]] = {"default": _CALL, "hardened": _CALL}

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        return self.verify(token, key, algs[0], expect)

    def decode_jwe(self, call: str, token: str, key: Any, alg: str, enc: str) -> Any:
        return self.decrypt_bytes(token, key, alg, enc)[1]

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        signing_input, _, sig = token.encode("ascii").rpartition(b".")
        head, _, body = signing_input.partition(b".")
        if json.loads(_unb64(head)).get("alg") != alg:
            raise VerificationError(f"header alg is not {alg}")
        _verify_raw(signing_input, _unb64(sig), key, alg)
        return _unb64(body)

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        if use in ("sign", "verify") and alg in _HEAD:
            return _Key(alg, material, use)
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
        # base64url inlined: a call frame is ~3% of an HS256 sign
        signing_input = _HEAD[alg] + _b2a(_dumps(claims).encode(), newline=False).translate(
            _TO_URL
        ).rstrip(b"=")
        if key.__class__ is not _Key:  # key mode "raw": secret or PEM, parsed per call
            signature = _sign_raw(signing_input, key, alg)
        elif key.alg != alg:
            raise ValueError(f"key prepared for {key.alg}, not {alg}")
        elif key.hmac:
            signature = _digest(key.secret, signing_input, key.hmac)
        elif key.ec_size:
            r, s = decode_dss_signature(key.call(signing_input, *key.args))
            signature = r.to_bytes(key.ec_size, "big") + s.to_bytes(key.ec_size, "big")
        else:
            signature = key.call(signing_input, *key.args)
        return (
            signing_input + b"." + _b2a(signature, newline=False).translate(_TO_URL).rstrip(b"=")
        ).decode("ascii")

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        raw = token.encode()
        signing_input, _, sig = raw.rpartition(b".")
        head, dot, body = signing_input.partition(b".")
        if not dot or b"." in body:
            raise VerificationError("not a compact JWS")
        try:  # zero-cost on the good path (3.11+); bad JSON is a rejection like any other
            header = _loads(_unb64(head))
        except ValueError as exc:
            raise VerificationError(f"bad header: {exc}") from None
        if header.__class__ is not dict or header.get("alg") != alg:
            raise VerificationError(f"header alg is not {alg}")
        if "crit" in header:
            raise VerificationError("unsupported critical header")
        if key.__class__ is not _Key:
            _verify_raw(signing_input, _unb64(sig), key, alg)
        elif key.alg != alg:
            raise VerificationError(f"key prepared for {key.alg}, not {alg}")
        elif key.hmac:
            mac = _digest(key.secret, signing_input, key.hmac)
            if not _equal(_b2a(mac, newline=False).translate(_TO_URL).rstrip(b"="), sig):
                raise VerificationError("bad HMAC")
        else:
            signature = _unb64(sig)
            if key.ec_size:
                signature = _der(signature, key.ec_size)
            try:
                key.call(signature, signing_input, *key.args)
            except InvalidSignature:
                raise VerificationError("bad signature") from None
        try:
            claims = _loads(_unb64(body))
        except ValueError as exc:
            raise VerificationError(f"bad claims: {exc}") from None
        if claims.__class__ is not dict:
            raise VerificationError("claims are not a JSON object")
        exp = claims.get("exp")
        if exp.__class__ is not int and exp.__class__ is not float:
            raise VerificationError("exp missing or not a number")
        if not exp > _now():  # also refuses NaN
            raise VerificationError("token expired")
        aud = claims.get("aud")
        if aud != expect.audience and not (aud.__class__ is list and expect.audience in aud):
            raise VerificationError(f"audience {aud!r} is not {expect.audience!r}")
        if claims.get("iss") != expect.issuer:
            raise VerificationError(f"issuer {claims.get('iss')!r} is not {expect.issuer!r}")
        return claims

    # -- primitives (any key form; tests build odd tokens with these) -----------
    @staticmethod
    def _sign_bytes(data: bytes, key: Any, alg: str) -> bytes:
        if isinstance(key, _Key):
            key = key.secret if key.hmac else key.call.__self__
        return _sign_raw(data, key, alg)


def _der(signature: bytes, size: int) -> bytes:
    """JOSE's r || s as the DER ``cryptography`` verifies (a wrong length is refused)."""
    if len(signature) != 2 * size:
        raise VerificationError("ECDSA signature has the wrong length")
    r = int.from_bytes(signature[:size], "big")
    return encode_dss_signature(r, int.from_bytes(signature[size:], "big"))


def _sign_raw(data: bytes, key: Any, alg: str) -> bytes:
    """Sign with a secret, a PEM (key mode ``raw``: parsed every call) or a key object."""
    if alg in _HMAC:
        return _digest(key, data, _HMAC[alg])
    if isinstance(key, bytes):
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


def _verify_raw(data: bytes, signature: bytes, key: Any, alg: str) -> None:
    """Verify with a secret or a PEM (key mode ``raw``: parsed every call)."""
    if alg in _HMAC:
        if not _equal(_digest(key, data, _HMAC[alg]), signature):
            raise VerificationError("bad HMAC")
        return
    public = serialization.load_pem_public_key(key) if isinstance(key, bytes) else key
    try:
        if alg == "EdDSA":
            assert isinstance(public, ed25519.Ed25519PublicKey)
            public.verify(signature, data)
            return
        hash_alg = _HASHES[alg[-3:]]()
        if alg[:2] == "RS":
            assert isinstance(public, rsa.RSAPublicKey)
            public.verify(signature, data, padding.PKCS1v15(), hash_alg)
        elif alg[:2] == "PS":
            assert isinstance(public, rsa.RSAPublicKey)
            public.verify(signature, data, _pss(hash_alg), hash_alg)
        else:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            public.verify(_der(signature, _EC_SIZE[alg]), data, ec.ECDSA(hash_alg))
    except InvalidSignature as exc:
        raise VerificationError("bad signature") from exc


def _pss(hash_alg: hashes.HashAlgorithm) -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
