"""The JWE floor (``jwtbench.adapters.floor_jwe``): round trips, published vectors,
interoperability with jwcrypto in both directions, and strict rejection."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from jwtbench.adapters.base import VerificationError
from jwtbench.adapters.floor_jwe import (
    JWE_ALGS_SUPPORTED,
    JWE_ENCS_SUPPORTED,
    MAX_P2C,
    JWEError,
    _concat_kdf,
    decrypt,
    encrypt,
)
from jwtbench.adapters.jose import b64url, b64url_decode, compact_json
from jwtbench.measure.conformance.vectors import load_examples

ALGS = (
    "RSA-OAEP", "RSA-OAEP-256", "RSA1_5",
    "A128KW", "A192KW", "A256KW", "dir",
    "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW",
    "A128GCMKW", "A192GCMKW", "A256GCMKW",
    "PBES2-HS256+A128KW", "PBES2-HS384+A192KW", "PBES2-HS512+A256KW",
)  # fmt: skip
ENCS = ("A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "A128GCM", "A192GCM", "A256GCM")
CEK = {"A128CBC-HS256": 32, "A192CBC-HS384": 48, "A256CBC-HS512": 64}
CEK |= {"A128GCM": 16, "A192GCM": 24, "A256GCM": 32}
KEK = {"128": 16, "192": 24, "256": 32}
PASSWORD = b"correct horse battery staple"
MESSAGE = b'{"sub":"floor","msg":"Live long and prosper."}'
#: Representative pairs for tamper tests: every key-management family, both enc families.
TAMPER = [
    ("RSA-OAEP", "A256GCM"),
    ("RSA-OAEP-256", "A128CBC-HS256"),
    ("RSA1_5", "A128CBC-HS256"),
    ("RSA1_5", "A256GCM"),
    ("A128KW", "A128CBC-HS256"),
    ("A256KW", "A256GCM"),
    ("dir", "A256CBC-HS512"),
    ("dir", "A128GCM"),
    ("ECDH-ES", "A256GCM"),
    ("ECDH-ES+A128KW", "A192CBC-HS384"),
    ("A128GCMKW", "A256CBC-HS512"),
    ("PBES2-HS256+A128KW", "A128GCM"),
]


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "P-256": ec.generate_private_key(ec.SECP256R1()),
        "P-384": ec.generate_private_key(ec.SECP384R1()),
        "P-521": ec.generate_private_key(ec.SECP521R1()),
        "X25519": x25519.X25519PrivateKey.generate(),
        **{f"oct{n}": os.urandom(n) for n in (16, 24, 32, 48, 64)},
    }


def key_pair(keys: dict[str, Any], alg: str, enc: str, curve: str = "P-256") -> tuple[Any, Any]:
    """(encrypt key, decrypt key) for alg/enc."""
    if alg.startswith("RSA"):
        return keys["rsa"].public_key(), keys["rsa"]
    if alg.startswith("ECDH-ES"):
        return keys[curve].public_key(), keys[curve]
    if alg.startswith("PBES2"):
        return PASSWORD, PASSWORD
    if alg == "dir":
        return keys[f"oct{CEK[enc]}"], keys[f"oct{CEK[enc]}"]
    secret = keys[f"oct{KEK[alg[1:4]]}"]
    return secret, secret


def segments(token: str) -> list[str]:
    return token.split(".")


def flip(segment: str, index: int = 0) -> str:
    raw = bytearray(b64url_decode(segment))
    raw[index] ^= 0x01
    return b64url(bytes(raw))


def with_header(token: str, **changes: Any) -> str:
    """The token with its protected header re-encoded after ``changes`` (tag now stale)."""
    parts = segments(token)
    header = json.loads(b64url_decode(parts[0]))
    header.update(changes)
    return ".".join([b64url(compact_json(header)), *parts[1:]])


# -- declared support -------------------------------------------------------------
def test_declared_support() -> None:
    assert set(ALGS) == JWE_ALGS_SUPPORTED
    assert set(ENCS) == JWE_ENCS_SUPPORTED
    assert issubclass(JWEError, VerificationError)


# -- round trips --------------------------------------------------------------------
@pytest.mark.parametrize("enc", ENCS)
@pytest.mark.parametrize("alg", ALGS)
def test_round_trip(keys: dict[str, Any], alg: str, enc: str) -> None:
    enc_key, dec_key = key_pair(keys, alg, enc)
    token = encrypt(MESSAGE, enc_key, alg, enc)
    header, plaintext = decrypt(token, dec_key, alg, enc)
    assert plaintext == MESSAGE
    assert header["alg"] == alg and header["enc"] == enc
    if alg in ("dir", "ECDH-ES"):
        assert segments(token)[1] == ""


@pytest.mark.parametrize("enc", ["A128CBC-HS256", "A256GCM"])
@pytest.mark.parametrize("plaintext", [b"", b"x" * 15, b"y" * 16, b"z" * 17, os.urandom(4096)])
def test_round_trip_lengths(keys: dict[str, Any], plaintext: bytes, enc: str) -> None:
    key = keys[f"oct{CEK[enc]}"]
    assert decrypt(encrypt(plaintext, key, "dir", enc), key, "dir", enc)[1] == plaintext


@pytest.mark.parametrize("curve", ["P-256", "P-384", "P-521", "X25519"])
@pytest.mark.parametrize("alg", ["ECDH-ES", "ECDH-ES+A256KW"])
def test_ecdh_curves(keys: dict[str, Any], curve: str, alg: str) -> None:
    pub, priv = key_pair(keys, alg, "A256CBC-HS512", curve)
    token = encrypt(MESSAGE, pub, alg, "A256CBC-HS512")
    header, plaintext = decrypt(token, priv, alg, "A256CBC-HS512")
    assert plaintext == MESSAGE
    assert header["epk"]["crv"] == curve
    assert set(header["epk"]) == (
        {"kty", "crv", "x"} if curve == "X25519" else {"kty", "crv", "x", "y"}
    )


@pytest.mark.parametrize("alg", ["RSA-OAEP-256", "ECDH-ES+A128KW"])
def test_pem_keys(keys: dict[str, Any], alg: str) -> None:
    """PEM bytes are accepted (parsed per call), private PEM also for encrypt."""
    priv = keys["rsa"] if alg.startswith("RSA") else keys["P-256"]
    priv_pem = priv.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pub_pem = priv.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for enc_key in (pub_pem, priv_pem, priv):
        token = encrypt(MESSAGE, enc_key, alg, "A256GCM")
        assert decrypt(token, priv_pem, alg, "A256GCM")[1] == MESSAGE


def test_header_cty_typ_and_pbes2_params(keys: dict[str, Any]) -> None:
    token = encrypt(b"a.b.c", PASSWORD, "PBES2-HS256+A128KW", "A128GCM", cty="JWT", typ="JWE")
    header, _ = decrypt(token, PASSWORD, "PBES2-HS256+A128KW", "A128GCM")
    assert header["cty"] == "JWT" and header["typ"] == "JWE"
    assert header["p2c"] == 8192 and len(b64url_decode(header["p2s"])) == 16
    token = encrypt(b"a.b.c", PASSWORD, "PBES2-HS256+A128KW", "A128GCM", p2c=1000)
    assert decrypt(token, PASSWORD, "PBES2-HS256+A128KW", "A128GCM")[0]["p2c"] == 1000
    gcmkw = decrypt(*_gcmkw(keys))[0]
    assert len(b64url_decode(gcmkw["iv"])) == 12 and len(b64url_decode(gcmkw["tag"])) == 16


def _gcmkw(keys: dict[str, Any]) -> tuple[str, bytes, str, str]:
    return (
        encrypt(MESSAGE, keys["oct32"], "A256GCMKW", "A128GCM"),
        keys["oct32"],
        "A256GCMKW",
        "A128GCM",
    )


# -- published vectors ----------------------------------------------------------------
# The published examples (RFC 7515/7516 appendix A, RFC 7520 sections 4 and 5, RFC 8037)
# are data files (adapters/data/vectors/), opened by the floor in
# tests/test_conformance_vectors.py; here only what those files do not hold.


def test_rfc7516_a3_pinned_to_another_alg_is_refused() -> None:
    """RFC 7516 A.3 (A128KW + A128CBC-HS256, from the data file) asked as A256KW: refused."""
    example = next(e for e in load_examples() if e.id == "rfc7516-a.3")
    key = b64url_decode(example.key["k"])
    header, plaintext = decrypt(example.token, key, "A128KW", "A128CBC-HS256")
    assert header == {"alg": "A128KW", "enc": "A128CBC-HS256"}
    assert plaintext == example.payload == b"Live long and prosper."
    with pytest.raises(JWEError):  # same token, pinned to another alg
        decrypt(example.token, key, "A256KW", "A128CBC-HS256")


# RFC 7518 Appendix C: ECDH-ES key agreement (apu "Alice", apv "Bob", A128GCM).
RFC7518_C_ALICE = {
    "x": "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
    "y": "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps",
    "d": "0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo",
}
RFC7518_C_BOB_D = "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw"
RFC7518_C_CEK = "VqqN6vgjbSBcIijNcacQGg"


def _p256(d: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(b64url_decode(d), "big"), ec.SECP256R1())


def test_rfc7518_appendix_c_concat_kdf() -> None:
    alice, bob = _p256(RFC7518_C_ALICE["d"]), _p256(RFC7518_C_BOB_D)
    shared = bob.exchange(ec.ECDH(), alice.public_key())
    assert _concat_kdf(shared, "A128GCM", 16, b"Alice", b"Bob") == b64url_decode(RFC7518_C_CEK)


def test_rfc7518_appendix_c_token_uses_apu_apv() -> None:
    """A token with the RFC's epk/apu/apv decrypts with Bob's key: apu/apv are honoured."""
    epk = {"kty": "EC", "crv": "P-256", "x": RFC7518_C_ALICE["x"], "y": RFC7518_C_ALICE["y"]}
    header = {"alg": "ECDH-ES", "enc": "A128GCM", "apu": "QWxpY2U", "apv": "Qm9i", "epk": epk}
    protected = b64url(compact_json(header))
    iv = os.urandom(12)
    sealed = AESGCM(b64url_decode(RFC7518_C_CEK)).encrypt(iv, MESSAGE, protected.encode())
    token = f"{protected}..{b64url(iv)}.{b64url(sealed[:-16])}.{b64url(sealed[-16:])}"
    assert decrypt(token, _p256(RFC7518_C_BOB_D), "ECDH-ES", "A128GCM")[1] == MESSAGE
    with pytest.raises(JWEError):  # a different apv derives a different CEK
        decrypt(with_header(token, apv="Qm9j"), _p256(RFC7518_C_BOB_D), "ECDH-ES", "A128GCM")


def _jwcrypto_key_to_floor(jwk_dict: dict[str, Any]) -> Any:
    from jwcrypto import jwk

    key = jwk.JWK(**jwk_dict)
    if key.get("kty") == "oct":
        return b64url_decode(key.get("k"))
    return key.export_to_pem(private_key=True, password=None)  # PEM bytes path


def _cookbook() -> ModuleType:
    jwcrypto = pytest.importorskip("jwcrypto")
    path = Path(jwcrypto.__file__).parent / "tests-cookbook.py"
    if not path.exists():
        pytest.skip("jwcrypto's RFC 7520 cookbook tests are not installed")
    spec = importlib.util.spec_from_file_location("jwcrypto_cookbook", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RFC7520 = [  # section, key variable, alg, enc, plaintext variable: 5.1-5.8 but 5.3 are data
    ("5_3", "Password_5_3_1", "PBES2-HS512+A256KW", "A128CBC-HS256", "Payload_plaintext_5_3_1"),
]


@pytest.mark.parametrize(("section", "key_var", "alg", "enc", "pt_var"), RFC7520)
def test_rfc7520_cookbook_vectors(
    section: str, key_var: str, alg: str, enc: str, pt_var: str
) -> None:
    """RFC 7520 5.3 (PBES2-HS512, p2c 8192): the floor's decrypt has it, its adapter does not."""
    book = _cookbook()
    token = next(getattr(book, n) for n in dir(book) if n.startswith(f"JWE_compact_{section}_"))
    raw_key = getattr(book, key_var)
    key = raw_key if isinstance(raw_key, bytes) else _jwcrypto_key_to_floor(raw_key)
    header, plaintext = decrypt(token, key, alg, enc)
    assert plaintext == getattr(book, pt_var)
    assert header["alg"] == alg


def test_rfc7520_zip_vector_rejected() -> None:
    """RFC 7520 5.9 uses ``zip: DEF``: the floor does not decompress, so it rejects."""
    book = _cookbook()
    key = _jwcrypto_key_to_floor(book.AES_key_5_8_1)
    with pytest.raises(JWEError, match="zip"):
        decrypt(book.JWE_compact_5_9_5, key, "A128KW", "A128GCM")


# -- interoperability with jwcrypto ------------------------------------------------------
INTEROP = sorted(
    {(alg, "A256GCM") for alg in ALGS}
    | {("dir", enc) for enc in ENCS}
    | {("RSA-OAEP", enc) for enc in ENCS}
    | {("ECDH-ES", "A128CBC-HS256"), ("ECDH-ES+A128KW", "A256CBC-HS512")}
)


def jwcrypto_key(key: Any) -> Any:
    from jwcrypto import jwk

    if isinstance(key, bytes):
        if key == PASSWORD:
            return jwk.JWK.from_password(PASSWORD.decode())
        return jwk.JWK(kty="oct", k=b64url(key))
    return jwk.JWK.from_pyca(key)


@pytest.mark.parametrize(("alg", "enc"), INTEROP)
def test_floor_to_jwcrypto(keys: dict[str, Any], alg: str, enc: str) -> None:
    jwe = pytest.importorskip("jwcrypto.jwe")
    enc_key, dec_key = key_pair(keys, alg, enc)
    token = encrypt(MESSAGE, enc_key, alg, enc, cty="JWT")
    obj = jwe.JWE(algs=[alg, enc])
    obj.deserialize(token, key=jwcrypto_key(dec_key))
    assert obj.payload == MESSAGE
    assert obj.jose_header["cty"] == "JWT"


@pytest.mark.parametrize(("alg", "enc"), INTEROP)
def test_jwcrypto_to_floor(keys: dict[str, Any], alg: str, enc: str) -> None:
    jwe = pytest.importorskip("jwcrypto.jwe")
    enc_key, dec_key = key_pair(keys, alg, enc)
    obj = jwe.JWE(MESSAGE, protected=json.dumps({"alg": alg, "enc": enc}), algs=[alg, enc])
    obj.add_recipient(jwcrypto_key(enc_key))
    token = obj.serialize(compact=True)
    header, plaintext = decrypt(token, dec_key, alg, enc)
    assert plaintext == MESSAGE
    assert header["alg"] == alg


@pytest.mark.parametrize("alg", ["ECDH-ES", "ECDH-ES+A128KW"])
def test_x25519_interop(keys: dict[str, Any], alg: str) -> None:
    jwe = pytest.importorskip("jwcrypto.jwe")
    priv = keys["X25519"]
    token = encrypt(MESSAGE, priv.public_key(), alg, "A128GCM")
    obj = jwe.JWE(algs=[alg, "A128GCM"])
    obj.deserialize(token, key=jwcrypto_key(priv))
    assert obj.payload == MESSAGE
    obj = jwe.JWE(MESSAGE, protected=json.dumps({"alg": alg, "enc": "A128GCM"}))
    obj.add_recipient(jwcrypto_key(priv.public_key()))
    assert decrypt(obj.serialize(compact=True), priv, alg, "A128GCM")[1] == MESSAGE


# -- tampering ------------------------------------------------------------------------------
@pytest.mark.parametrize(("alg", "enc"), TAMPER)
def test_tampered_segments_rejected(keys: dict[str, Any], alg: str, enc: str) -> None:
    enc_key, dec_key = key_pair(keys, alg, enc)
    parts = segments(encrypt(MESSAGE, enc_key, alg, enc))
    assert decrypt(".".join(parts), dec_key, alg, enc)[1] == MESSAGE
    variants = {
        "ciphertext": [*parts[:3], flip(parts[3]), parts[4]],
        "ciphertext end": [*parts[:3], flip(parts[3], -1), parts[4]],
        "tag": [*parts[:4], flip(parts[4])],
        "tag end": [*parts[:4], flip(parts[4], -1)],
        "iv": [*parts[:2], flip(parts[2]), *parts[3:]],
        "header byte": [flip(parts[0], 2), *parts[1:]],
        "header member": segments(with_header(".".join(parts), kid="x")),
        "truncated tag": [*parts[:4], parts[4][:-2]],
    }
    if parts[1]:
        variants["encrypted key"] = [parts[0], flip(parts[1]), *parts[2:]]
        variants["encrypted key end"] = [parts[0], flip(parts[1], -1), *parts[2:]]
    else:  # dir / ECDH-ES: the encrypted key must be empty
        variants["encrypted key"] = [parts[0], b64url(os.urandom(40)), *parts[2:]]
    for name, variant in variants.items():
        with pytest.raises(JWEError):
            decrypt(".".join(variant), dec_key, alg, enc)
            pytest.fail(f"{alg}/{enc}: tampered {name} accepted")


def test_rsa1_5_padding_failure_becomes_tag_failure(keys: dict[str, Any]) -> None:
    """RFC 7516 11.5: a bad RSA1_5 block is not reported as such, only as a tag failure."""
    parts = segments(encrypt(MESSAGE, keys["rsa"].public_key(), "RSA1_5", "A128CBC-HS256"))
    garbage = b64url(os.urandom(256))
    with pytest.raises(JWEError, match="tag"):
        decrypt(".".join([parts[0], garbage, *parts[2:]]), keys["rsa"], "RSA1_5", "A128CBC-HS256")
    short = b64url(keys["rsa"].public_key().encrypt(os.urandom(16), _pkcs1v15()))
    with pytest.raises(JWEError, match="tag"):  # wrong-length CEK: random CEK, tag fails
        decrypt(".".join([parts[0], short, *parts[2:]]), keys["rsa"], "RSA1_5", "A128CBC-HS256")


def _pkcs1v15() -> Any:
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.PKCS1v15()


def test_wrong_length_cek_rejected(keys: dict[str, Any]) -> None:
    kek = keys["oct16"]
    header = b64url(compact_json({"alg": "A128KW", "enc": "A128CBC-HS256"}))
    rest = f"{b64url(os.urandom(16))}.{b64url(os.urandom(32))}.{b64url(os.urandom(16))}"
    token = f"{header}.{b64url(aes_key_wrap(kek, os.urandom(16)))}.{rest}"
    with pytest.raises(JWEError, match="CEK is 16 bytes"):
        decrypt(token, kek, "A128KW", "A128CBC-HS256")
    oaep = segments(encrypt(MESSAGE, keys["rsa"].public_key(), "RSA-OAEP", "A128GCM"))
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    pad = padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)
    oaep[1] = b64url(keys["rsa"].public_key().encrypt(os.urandom(32), pad))
    with pytest.raises(JWEError, match="CEK is 32 bytes"):
        decrypt(".".join(oaep), keys["rsa"], "RSA-OAEP", "A128GCM")


# -- pinned alg/enc and rejected headers ----------------------------------------------------
def test_wrong_expected_alg_or_enc_rejected(keys: dict[str, Any]) -> None:
    token = encrypt(MESSAGE, keys["oct16"], "A128KW", "A128GCM")
    with pytest.raises(JWEError, match="alg"):
        decrypt(token, keys["oct16"], "A128GCMKW", "A128GCM")
    with pytest.raises(JWEError, match="enc"):
        decrypt(token, keys["oct16"], "A128KW", "A256GCM")
    # the token may not pick its own alg: a dir token is refused where RSA-OAEP is expected
    dir_token = encrypt(MESSAGE, keys["oct32"], "dir", "A256GCM")
    with pytest.raises(JWEError, match="alg"):
        decrypt(dir_token, keys["rsa"], "RSA-OAEP", "A256GCM")
    with pytest.raises(JWEError):  # missing alg
        decrypt(with_header(dir_token, alg=None), keys["oct32"], "dir", "A256GCM")


def test_p2c_cap(keys: dict[str, Any]) -> None:
    token = encrypt(MESSAGE, PASSWORD, "PBES2-HS256+A128KW", "A128GCM", p2c=1000)
    for p2c, message in ((MAX_P2C + 1, "p2c too large"), (10**12, "p2c too large")):
        with pytest.raises(JWEError, match=message):
            decrypt(with_header(token, p2c=p2c), PASSWORD, "PBES2-HS256+A128KW", "A128GCM")
    for bad in (0, -1, "1000", True, 1000.0, None):
        with pytest.raises(JWEError, match="p2c"):
            decrypt(with_header(token, p2c=bad), PASSWORD, "PBES2-HS256+A128KW", "A128GCM")
    with pytest.raises(JWEError, match="p2s"):
        decrypt(with_header(token, p2s=b64url(b"short")), PASSWORD, "PBES2-HS256+A128KW", "A128GCM")
    with pytest.raises(ValueError, match="p2c"):
        encrypt(MESSAGE, PASSWORD, "PBES2-HS256+A128KW", "A128GCM", p2c=MAX_P2C + 1)
    with pytest.raises(JWEError):  # wrong password
        decrypt(token, b"wrong", "PBES2-HS256+A128KW", "A128GCM")


def test_zip_and_crit_rejected(keys: dict[str, Any]) -> None:
    token = encrypt(MESSAGE, keys["oct32"], "dir", "A256GCM")
    with pytest.raises(JWEError, match="zip"):
        decrypt(with_header(token, zip="DEF"), keys["oct32"], "dir", "A256GCM")
    with pytest.raises(JWEError, match="critical"):
        decrypt(with_header(token, crit=["exp"], exp=1), keys["oct32"], "dir", "A256GCM")
    jwe = pytest.importorskip("jwcrypto.jwe")  # a genuine compressed token from jwcrypto
    obj = jwe.JWE(MESSAGE, protected=json.dumps({"alg": "dir", "enc": "A256GCM", "zip": "DEF"}))
    obj.add_recipient(jwcrypto_key(keys["oct32"]))
    with pytest.raises(JWEError, match="zip"):
        decrypt(obj.serialize(compact=True), keys["oct32"], "dir", "A256GCM")


def test_bad_epk_rejected(keys: dict[str, Any]) -> None:
    priv = keys["P-256"]
    token = encrypt(MESSAGE, priv.public_key(), "ECDH-ES", "A128GCM")
    epk = json.loads(b64url_decode(segments(token)[0]))["epk"]
    y = int.from_bytes(b64url_decode(epk["y"]), "big")
    off_curve = {**epk, "y": b64url(((y + 1) % 2**256).to_bytes(32, "big"))}
    p384 = keys["P-384"].public_key().public_numbers()
    other_curve = {
        "kty": "EC",
        "crv": "P-384",
        "x": b64url(p384.x.to_bytes(48, "big")),
        "y": b64url(p384.y.to_bytes(48, "big")),
    }
    bad = [
        off_curve,
        other_curve,
        {**other_curve, "crv": "P-256"},  # P-384 coordinates claimed as P-256
        {**epk, "x": b64url(b64url_decode(epk["x"])[1:])},  # short coordinate
        {**epk, "kty": "OKP"},
        {k: v for k, v in epk.items() if k != "y"},
        {**epk, "x": 5},
        "not an object",
        None,
    ]
    for value in bad:
        with pytest.raises(JWEError):
            decrypt(with_header(token, epk=value), priv, "ECDH-ES", "A128GCM")
            pytest.fail(f"bad epk accepted: {value!r}")


def test_dir_key_length_must_match_enc(keys: dict[str, Any]) -> None:
    for enc in ENCS:
        token = encrypt(MESSAGE, keys[f"oct{CEK[enc]}"], "dir", enc)
        wrong = keys["oct24"] if CEK[enc] != 24 else keys["oct16"]
        with pytest.raises(JWEError, match="dir"):
            decrypt(token, wrong, "dir", enc)
        with pytest.raises(ValueError):
            encrypt(MESSAGE, wrong, "dir", enc)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b.c",
        "a.b.c.d.e.f",
        "e30....",  # {} header
        "W10....",  # [] header
        "!!!!.a.b.c.d",
        "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0=....",  # padded base64
    ],
)
def test_malformed_tokens_rejected(keys: dict[str, Any], token: str) -> None:
    with pytest.raises(JWEError):
        decrypt(token, keys["oct32"], "dir", "A256GCM")


def test_wrong_key_type_rejected(keys: dict[str, Any]) -> None:
    rsa_token = encrypt(MESSAGE, keys["rsa"].public_key(), "RSA-OAEP", "A256GCM")
    for wrong in (keys["P-256"], keys["oct32"], "text", keys["rsa"].public_key()):
        with pytest.raises(JWEError):
            decrypt(rsa_token, wrong, "RSA-OAEP", "A256GCM")
    ecdh_token = encrypt(MESSAGE, keys["P-256"].public_key(), "ECDH-ES", "A256GCM")
    for wrong in (keys["P-384"], keys["rsa"], keys["X25519"], keys["oct32"]):
        with pytest.raises(JWEError):
            decrypt(ecdh_token, wrong, "ECDH-ES", "A256GCM")


def test_unsupported_arguments_raise_value_error(keys: dict[str, Any]) -> None:
    for alg, enc in (("none", "A256GCM"), ("dir", "A256CBC"), ("RSA-OAEP-384", "A256GCM")):
        with pytest.raises(ValueError, match="unsupported"):
            encrypt(MESSAGE, keys["oct32"], alg, enc)
        with pytest.raises(ValueError, match="unsupported"):
            decrypt("a.b.c.d.e", keys["oct32"], alg, enc)
