"""The correctness gate for the crypto limit: adapters that make no tokens.

The limit (``jwtbench.adapters.limit``) times bare primitives, so there is no
token to verify with another library. Its work is checked here instead,
outside the timed region, and each timed call's result again after timing:

- JWS sign: the raw signature must verify with a direct ``cryptography`` call
  (written here, not the adapter's) and stop verifying with one flipped bit;
  JWS verify must accept such an independent signature and refuse it flipped.
- JWE decrypt: the reference (the floor) makes a real token of the claims; its
  parts, parsed here, must open to the token's plaintext, and a flipped tag or
  ciphertext byte must be refused.
- JWE encrypt: what the limit seals must open again (with its decrypt, checked
  as above against the floor's token first), must not show the plaintext, must
  be refused with a flipped tag or ciphertext byte and, where the header holds
  nothing drawn per call (``dir``, A*KW, RSA), the compact JWE made of its
  parts and the floor's header must open with the floor.
- Nested: both of the above, the signature over the inner token's signing
  input and the JWE of the inner token's bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from jwtbench.adapters.base import Adapter
from jwtbench.adapters.jose import b64url, b64url_decode, compact_json
from jwtbench.adapters.keys import jwe_key, jws_key, load_claims
from jwtbench.adapters.limit import JweArgs, JwePrimitives, Primitives, Sealed
from jwtbench.measure.work import GateFailure, Work
from jwtbench.model.cell import Cell

# -- JWS ---------------------------------------------------------------------------

_HASH_OF: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512, "56K": hashes.SHA256,
}  # fmt: skip


def signing_input(alg: str, claims: dict[str, Any]) -> bytes:
    """The bytes a compact JWS of ``claims`` signs (the floor's header and encoding)."""
    header = b64url(compact_json({"alg": alg, "typ": "JWT"}))
    return f"{header}.{b64url(compact_json(claims))}".encode("ascii")


def _direct(alg: str, private: bool, material: Any) -> tuple[Any, tuple[Any, ...]]:
    """A ``cryptography`` key object and the arguments after the data, for ``alg``."""
    key = material.private_key() if private else material.public_key()
    if alg == "EdDSA":
        return key, ()
    hash_alg = _HASH_OF[alg[-3:]]()
    if alg.startswith("RS"):
        return key, (padding.PKCS1v15(), hash_alg)
    if alg.startswith("PS"):
        return key, (padding.PSS(padding.MGF1(hash_alg), hash_alg.digest_size), hash_alg)
    return key, (ec.ECDSA(hash_alg),)


def direct_sign(alg: str, data: bytes) -> bytes:
    """A raw signature over ``data`` made by ``cryptography`` directly (not the adapter)."""
    material = jws_key(alg)
    if alg.startswith("HS"):
        mac = crypto_hmac.HMAC(material.secret, _HASH_OF[alg[-3:]]())
        mac.update(data)
        return mac.finalize()
    key, args = _direct(alg, True, material)
    signature: bytes = key.sign(data, *args)
    return signature


def direct_verifies(alg: str, data: bytes, signature: Any) -> bool:
    """Does ``cryptography`` itself accept ``signature`` over ``data`` for ``alg``?"""
    if not isinstance(signature, bytes):
        return False
    material = jws_key(alg)
    try:
        if alg.startswith("HS"):
            mac = crypto_hmac.HMAC(material.secret, _HASH_OF[alg[-3:]]())
            mac.update(data)
            mac.verify(signature)
        else:
            key, args = _direct(alg, False, material)
            key.verify(signature, data, *args)
    except (InvalidSignature, ValueError):
        return False
    return True


def flip_last_byte(raw: bytes) -> bytes:
    """``raw`` with one bit of its last byte flipped (inside the value, past any DER header)."""
    return raw[:-1] + bytes([raw[-1] ^ 0x01])


def check_raw_signature(alg: str, data: bytes, signature: Any, maker: str) -> None:
    """The limit's sign gate: an independent verification, and a flipped byte refused."""
    if not direct_verifies(alg, data, signature):
        raise GateFailure(f"{maker}'s {alg} signature does not verify with cryptography")
    if direct_verifies(alg, data, flip_last_byte(signature)):
        raise GateFailure(f"cryptography accepted {maker}'s signature with a flipped byte")


def _limit_verify_gate(adapter: Primitives, name: str, call: tuple[Any, ...], alg: str) -> None:
    """The limit's verify gate: a good signature accepted, a flipped one refused."""
    data, signature, key, _, args = call
    try:
        ok = adapter.verify_input(data, signature, key, alg, args)
    except Exception as exc:
        raise GateFailure(f"{name} refused a good {alg} signature: {exc!r}") from exc
    if ok is not True:
        raise GateFailure(f"{name} returned {ok!r} for a good signature, not True")
    try:
        adapter.verify_input(data, flip_last_byte(signature), key, alg, args)
    except Exception:
        return
    raise GateFailure(f"{name} accepted a tampered {alg} signature")


def prepare_limit(cell: Cell, adapter: Adapter, reference: Adapter) -> Work:
    """A bare-primitive cell on the bytes a token of the claims has (module docstring)."""
    if not isinstance(adapter, Primitives):
        raise GateFailure(f"{adapter.name} makes no tokens and offers no primitives to time")
    if cell.family == "jws":
        return _prepare_jws(cell, adapter)
    if not isinstance(adapter, JwePrimitives):
        raise GateFailure(f"{adapter.name} declares no {cell.family} work")
    made = Made.by(reference, cell)
    if cell.sig_alg is None:
        return _prepare_jwe(cell, adapter, made)
    return _prepare_nested(cell, adapter, made)


def _extra(adapter: Adapter, checked_by: str, input_bytes: int) -> dict[str, Any]:
    return {
        "library": adapter.library,
        "library_version": adapter.version,
        "backend": adapter.backend,
        "checked_by": checked_by,
        "input_bytes": input_bytes,
    }


def _prepare_jws(cell: Cell, prim: Primitives) -> Work:
    """Raw signatures, checked with direct ``cryptography`` calls."""
    adapter: Any = prim
    alg, data = cell.alg, signing_input(cell.alg, load_claims(cell.payload))
    mode: Any = cell.key_mode
    args = prim.primitive_args(alg)
    extra = _extra(adapter, "direct cryptography calls", len(data))
    if cell.op == "sign":
        sign_args = (data, adapter.key_for(alg, jws_key(alg), "sign", mode), alg, args)
        check_raw_signature(alg, data, prim.sign_input(*sign_args), adapter.name)
        return Work(
            func=prim.sign_input,
            args=sign_args,
            check=lambda out: check_raw_signature(alg, data, out, adapter.name),
            extra_info=extra,
        )
    if cell.op == "verify":
        key = adapter.key_for(alg, jws_key(alg), "verify", mode)
        verify_args = (data, direct_sign(alg, data), key, alg, args)
        _limit_verify_gate(prim, adapter.name, verify_args, alg)
        return Work(
            func=prim.verify_input,
            args=verify_args,
            check=lambda out: _limit_result(adapter, out),
            extra_info=extra,
        )
    raise NotImplementedError(f"unknown JWS op {cell.op!r}")


def _limit_result(adapter: Adapter, out: Any) -> None:
    if out is not True:
        raise GateFailure(f"{adapter.name} returned {out!r} when timed, not True")


# -- JWE and nested ---------------------------------------------------------------

_CURVES: dict[str, ec.EllipticCurve] = {
    "P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1(),
}  # fmt: skip


@dataclass(frozen=True)
class Made:
    """A real token of the cell's claims, made by the reference, and its parts as bytes."""

    reference: Adapter
    token: str
    #: The ASCII protected header: the AAD every JWE of these claims authenticates.
    aad: bytes
    #: What the token encrypts: the claims' JSON, or the inner JWS (nested).
    plaintext: bytes
    sealed: Sealed
    #: The reference's decrypt key (to open what the limit sealed).
    opener_key: Any

    @classmethod
    def by(cls, reference: Adapter, cell: Cell) -> Made:
        assert cell.enc is not None
        material, claims = jwe_key(cell.alg, cell.enc), load_claims(cell.payload)
        seal_key = reference.prepare_key(cell.alg, material, "encrypt")
        open_key = reference.prepare_key(cell.alg, material, "decrypt")
        if cell.sig_alg is None:
            token = reference.encrypt(claims, seal_key, cell.alg, cell.enc)
        else:
            sig_key = reference.prepare_key(cell.sig_alg, jws_key(cell.sig_alg), "sign")
            token = reference.sign_encrypt(
                claims, sig_key, cell.sig_alg, seal_key, cell.alg, cell.enc
            )
        _, plaintext = reference.decrypt_bytes(token, open_key, cell.alg, cell.enc)
        return cls(reference, token, token.split(".", 1)[0].encode("ascii"), plaintext,
                   parts_of(token), open_key)  # fmt: skip


def parts_of(token: str) -> Sealed:
    """A compact JWE's parts, and what its header adds (epk, GCM wrap IV/tag, p2s/p2c)."""
    protected, *rest = token.split(".")
    encrypted_key, iv, ciphertext, tag = (b64url_decode(part) for part in rest)
    header = json.loads(b64url_decode(protected))
    epk = b""
    if "epk" in header:
        jwk = header["epk"]
        size = (_CURVES[jwk["crv"]].key_size + 7) // 8
        x, y = (b64url_decode(jwk[c]).rjust(size, b"\0") for c in ("x", "y"))
        epk = b"\x04" + x + y
    return Sealed(
        encrypted_key, iv, ciphertext, tag, epk=epk,
        kw_iv=b64url_decode(header["iv"]) if "iv" in header else b"",
        kw_tag=b64url_decode(header["tag"]) if "tag" in header else b"",
        p2s=b64url_decode(header["p2s"]) if "p2s" in header else b"",
        p2c=int(header.get("p2c", 0)),
    )  # fmt: skip


def der_signature(alg: str, signature: bytes) -> bytes:
    """A JWS signature as ``cryptography`` verifies it: ECDSA's JOSE r || s becomes DER."""
    if not alg.startswith("ES"):
        return signature
    half = len(signature) // 2
    r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    return encode_dss_signature(r, s)


def flip(raw: bytes) -> bytes:
    """``raw`` with one bit of its first byte flipped."""
    return bytes([raw[0] ^ 0x01]) + raw[1:]


def check_open(prim: JwePrimitives, name: str, made: Made, key: Any, args: JweArgs) -> None:
    """The reference's token opens to its plaintext; flipped tag or ciphertext is refused."""
    try:
        got = prim.open_sealed(made.sealed, made.aad, key, args)
    except Exception as exc:
        raise GateFailure(f"{name} could not open {made.reference.name}'s token: {exc!r}") from exc
    if got != made.plaintext:
        raise GateFailure(f"{name} opened {made.reference.name}'s token to other bytes")
    _must_refuse(prim, name, made.sealed, made.aad, key, args)


def _must_refuse(
    prim: JwePrimitives, name: str, sealed: Sealed, aad: bytes, key: Any, args: JweArgs
) -> None:
    for what, bad in (
        ("a tampered tag", sealed._replace(tag=flip(sealed.tag))),
        ("a tampered ciphertext", sealed._replace(ciphertext=flip(sealed.ciphertext))),
    ):
        try:
            prim.open_sealed(bad, aad, key, args)
        except Exception:
            continue
        raise GateFailure(f"{name} opened {what}")


def check_sealed(
    prim: JwePrimitives, name: str, made: Made, out: Any, key: Any, args: JweArgs
) -> None:
    """What the limit sealed is an encryption of the plaintext (module docstring)."""
    if not isinstance(out, Sealed):
        raise GateFailure(f"{name} returned {type(out).__name__}, not Sealed parts")
    if made.plaintext[:16] in out.ciphertext:
        raise GateFailure(f"{name}'s ciphertext shows the plaintext")
    try:
        got = prim.open_sealed(out, made.aad, key, args)
    except Exception as exc:
        raise GateFailure(f"{name} could not open what it sealed: {exc!r}") from exc
    if got != made.plaintext:
        raise GateFailure(f"{name} sealed other bytes than the plaintext")
    _must_refuse(prim, name, out, made.aad, key, args)
    if not (out.epk or out.kw_iv or out.p2s):  # the floor's header fits these parts
        parts = (out.encrypted_key, out.iv, out.ciphertext, out.tag)
        token = ".".join([made.aad.decode("ascii"), *map(b64url, parts)])
        reference = made.reference
        try:
            _, opened = reference.decrypt_bytes(token, made.opener_key, args.alg, args.enc)
        except Exception as exc:
            raise GateFailure(
                f"{reference.name} could not open what {name} sealed: {exc!r}"
            ) from exc
        if opened != made.plaintext:
            raise GateFailure(f"{reference.name} opened what {name} sealed to other bytes")


def _same(name: str, expected: bytes) -> Any:
    def check(out: Any) -> None:
        if out != expected:
            raise GateFailure(f"{name} returned other bytes when timed")

    return check


def _prepare_jwe(cell: Cell, prim: JwePrimitives, made: Made) -> Work:
    adapter: Any = prim
    assert cell.enc is not None
    name, material, mode = adapter.name, jwe_key(cell.alg, cell.enc), cell.key_mode
    args = prim.jwe_args(cell.alg, cell.enc)
    opener = adapter.prepare_key(cell.alg, material, "decrypt")
    check_open(prim, name, made, opener, args)  # its decrypt is right before it checks encrypt
    who = f"{made.reference.name} {made.reference.version}"
    if cell.op == "encrypt":
        call = (
            made.plaintext,
            made.aad,
            adapter.key_for(cell.alg, material, "encrypt", mode),
            args,
        )
        check_sealed(prim, name, made, prim.seal(*call), opener, args)
        return Work(
            func=prim.seal,
            args=call,
            check=lambda out: check_sealed(prim, name, made, out, opener, args),
            extra_info=_extra(adapter, f"its decrypt (checked on a {who} token), {who}",
                              len(made.plaintext)),
        )  # fmt: skip
    if cell.op == "decrypt":
        key = adapter.key_for(cell.alg, material, "decrypt", mode)
        check_open(prim, name, made, key, args)
        return Work(
            func=prim.open_sealed,
            args=(made.sealed, made.aad, key, args),
            check=_same(name, made.plaintext),
            extra_info=_extra(adapter, f"token made by {who}", len(made.plaintext)),
        )
    raise NotImplementedError(f"unknown JWE op {cell.op!r}")


def _prepare_nested(cell: Cell, prim: JwePrimitives, made: Made) -> Work:
    """The JWS limit and the JWE limit in one call, each checked as on its own."""
    adapter: Any = prim
    assert cell.enc is not None and cell.sig_alg is not None
    name, material, mode = adapter.name, jwe_key(cell.alg, cell.enc), cell.key_mode
    sig_alg, sig_material = cell.sig_alg, jws_key(cell.sig_alg)
    args, sig_args = prim.jwe_args(cell.alg, cell.enc), adapter.primitive_args(sig_alg)
    data, _, signature = made.plaintext.rpartition(b".")
    opener = adapter.prepare_key(cell.alg, material, "decrypt")
    check_open(prim, name, made, opener, args)
    who = f"{made.reference.name} {made.reference.version}"
    if cell.op == "sign_encrypt":
        sign_key = adapter.key_for(sig_alg, sig_material, "sign", mode)
        seal_key = adapter.key_for(cell.alg, material, "encrypt", mode)
        call = (data, sign_key, sig_alg, sig_args, made.plaintext, made.aad, seal_key, args)

        def check(out: Any) -> None:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise GateFailure(f"{name} returned {type(out).__name__}, not (signature, parts)")
            check_raw_signature(sig_alg, data, out[0], name)
            check_sealed(prim, name, made, out[1], opener, args)

        check(adapter.sign_seal(*call))
        extra = _extra(adapter, f"direct cryptography calls, {who}", len(made.plaintext))
        return Work(adapter.sign_seal, call, check, extra)
    if cell.op == "decrypt_verify":
        verify_key = adapter.key_for(sig_alg, sig_material, "verify", mode)
        key = adapter.key_for(cell.alg, material, "decrypt", mode)
        raw_signature = der_signature(sig_alg, b64url_decode(signature.decode("ascii")))
        opened = (made.sealed, made.aad, key, args, data, raw_signature, verify_key, sig_alg,
                  sig_args)  # fmt: skip
        if adapter.open_verify(*opened) != made.plaintext:
            raise GateFailure(f"{name} opened {made.reference.name}'s token to other bytes")
        try:
            adapter.open_verify(*opened[:5], flip_last_byte(raw_signature), *opened[6:])
        except Exception:
            pass
        else:
            raise GateFailure(f"{name} accepted a tampered inner {sig_alg} signature")
        return Work(adapter.open_verify, opened, _same(name, made.plaintext),
                    _extra(adapter, f"token made by {who}", len(made.plaintext)))  # fmt: skip
    raise NotImplementedError(f"unknown nested op {cell.op!r}")
