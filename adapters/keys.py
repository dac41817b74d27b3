"""Fixed keys and claim sets, loaded from ``adapters/data`` through one helper.

Keys are committed data (never generated at run time, never inside a timed
region) so every run and every library signs with the same key, and token
sizes are reproducible. The private keys are test keys: do not use them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

DATA = resources.files("jwtbench.adapters") / "data"

#: Claim-set names, part of the results schema (``params.payload``).
PAYLOADS: tuple[str, ...] = ("small", "1kb", "16kb")

#: Key file (stem) used for each JWS algorithm.
JWS_KEY_FILE: dict[str, str] = {
    **{f"HS{n}": "oct" for n in (256, 384, 512)},
    **{f"{p}{n}": "rsa2048" for p in ("RS", "PS") for n in (256, 384, 512)},
    "ES256": "p256",
    "ES384": "p384",
    "ES512": "p521",
    "ES256K": "secp256k1",
    "EdDSA": "ed25519",
}

#: The password used for PBES2 key management (JWE).
PBES2_PASSWORD = b"correct horse battery staple"

#: PBES2 iterations (``p2c``) of every token the harness times: PBKDF2 dominates a PBES2
#: encrypt, so a library left at its own default (joserfc 2048, jwskate 2000) would be
#: timed doing a quarter of the floor's work. The gate refuses a token with another count.
PBES2_COUNT = 8192

#: Content-encryption key size in bytes per JWE ``enc`` (RFC 7518 section 5).
CEK_BYTES: dict[str, int] = {
    "A128CBC-HS256": 32, "A192CBC-HS384": 48, "A256CBC-HS512": 64,
    "A128GCM": 16, "A192GCM": 24, "A256GCM": 32,
}  # fmt: skip

#: Key file (stem) used for each JWE key-management algorithm ("dir" depends on enc).
JWE_KEY_FILE: dict[str, str] = {
    "RSA-OAEP": "rsa2048", "RSA-OAEP-256": "rsa2048", "RSA1_5": "rsa2048",
    "A128KW": "oct16", "A192KW": "oct24", "A256KW": "oct32",
    "A128GCMKW": "oct16", "A192GCMKW": "oct24", "A256GCMKW": "oct32",
    "ECDH-ES": "p256", "ECDH-ES+A128KW": "p256", "ECDH-ES+A192KW": "p256",
    "ECDH-ES+A256KW": "p256",
    "PBES2-HS256+A128KW": "password", "PBES2-HS384+A192KW": "password",
    "PBES2-HS512+A256KW": "password",
}  # fmt: skip


@dataclass(frozen=True)
class KeyMaterial:
    """One fixed key in the serialized forms applications hold.

    ``kty`` is the JWK key type. Asymmetric keys carry PEM (PKCS#8 private,
    SubjectPublicKeyInfo public); ``oct`` keys carry the secret bytes.
    """

    name: str
    kty: Literal["RSA", "EC", "OKP", "oct"]
    private_pem: bytes = b""
    public_pem: bytes = b""
    secret: bytes = b""

    def raw(self, use: Literal["sign", "verify", "encrypt", "decrypt"]) -> bytes:
        """The serialized key an application passes per call (key mode ``raw``).

        Private PEM to sign or decrypt, public PEM to verify or encrypt.
        """
        if self.kty == "oct":
            return self.secret
        return self.private_pem if use in ("sign", "decrypt") else self.public_pem

    def private_key(self) -> Any:
        """``cryptography`` private key object."""
        return serialization.load_pem_private_key(self.private_pem, password=None)

    def public_key(self) -> Any:
        """``cryptography`` public key object."""
        return serialization.load_pem_public_key(self.public_pem)

    @property
    def curve(self) -> str | None:
        """JWK ``crv`` name for EC/OKP keys."""
        if self.kty == "OKP":
            return "Ed25519"
        if self.kty == "EC":
            key = self.public_key()
            assert isinstance(key, ec.EllipticCurvePublicKey)
            return _CRV[key.curve.name]
        return None

    def jwk(self, private: bool) -> dict[str, Any]:
        """The key as a JWK dict (RFC 7517), for libraries that take JWKs."""
        from jwtbench.adapters.jose import b64url  # the floor owns the encoding helpers

        if self.kty == "oct":
            return {"kty": "oct", "k": b64url(self.secret)}
        key = self.private_key() if private else self.public_key()
        if self.kty == "RSA":
            pub = key.public_key() if private else key
            pn = pub.public_numbers()
            out: dict[str, Any] = {"kty": "RSA", "n": _b64int(pn.n), "e": _b64int(pn.e)}
            if private:
                pv = key.private_numbers()
                out |= {
                    "d": _b64int(pv.d), "p": _b64int(pv.p), "q": _b64int(pv.q),
                    "dp": _b64int(pv.dmp1), "dq": _b64int(pv.dmq1), "qi": _b64int(pv.iqmp),
                }  # fmt: skip
            return out
        if self.kty == "EC":
            pub = key.public_key() if private else key
            size = (pub.curve.key_size + 7) // 8
            nums = pub.public_numbers()
            out = {"kty": "EC", "crv": self.curve,
                   "x": _b64int(nums.x, size), "y": _b64int(nums.y, size)}  # fmt: skip
            if private:
                out["d"] = _b64int(key.private_numbers().private_value, size)
            return out
        raw_pub = (key.public_key() if private else key).public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        out = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw_pub)}
        if private:
            out["d"] = b64url(
                key.private_bytes(
                    serialization.Encoding.Raw,
                    serialization.PrivateFormat.Raw,
                    serialization.NoEncryption(),
                )
            )
        return out


_CRV = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521", "secp256k1": "secp256k1"}


def _b64int(value: int, size: int | None = None) -> str:
    from jwtbench.adapters.jose import b64url

    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(length, "big"))


@cache
def load_key(name: str) -> KeyMaterial:
    """Load the fixed key ``name`` (a file stem under ``adapters/data/keys``)."""
    keys = DATA / "keys"
    if name == "oct":
        secret = bytes.fromhex((keys / "oct512.hex").read_text().strip())
        return KeyMaterial(name="oct", kty="oct", secret=secret)
    if name == "password":
        return KeyMaterial(name=name, kty="oct", secret=PBES2_PASSWORD)
    if name.startswith("oct"):  # "oct16", "oct32"...: a prefix of the fixed secret
        size = int(name[3:])
        return KeyMaterial(name=name, kty="oct", secret=load_key("oct").secret[:size])
    private_pem = (keys / f"{name}.pem").read_bytes()
    public_pem = (keys / f"{name}.pub.pem").read_bytes()
    key = serialization.load_pem_private_key(private_pem, password=None)
    kty: Literal["RSA", "EC", "OKP"]
    if isinstance(key, rsa.RSAPrivateKey):
        kty = "RSA"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        kty = "EC"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        kty = "OKP"
    else:  # pragma: no cover - only the committed files are loaded
        raise ValueError(f"unexpected key type in {name}.pem")
    return KeyMaterial(name=name, kty=kty, private_pem=private_pem, public_pem=public_pem)


def jws_key(alg: str) -> KeyMaterial:
    """The fixed key for a JWS algorithm."""
    try:
        return load_key(JWS_KEY_FILE[alg])
    except KeyError:
        raise KeyError(f"no fixed key for JWS algorithm {alg!r}") from None


def jwe_key(alg: str, enc: str) -> KeyMaterial:
    """The fixed key for a JWE key-management algorithm (``dir``: sized for ``enc``)."""
    if alg == "dir":
        if enc not in CEK_BYTES:
            raise KeyError(f"unknown JWE enc {enc!r}")
        return load_key(f"oct{CEK_BYTES[enc]}")
    try:
        return load_key(JWE_KEY_FILE[alg])
    except KeyError:
        raise KeyError(f"no fixed key for JWE algorithm {alg!r}") from None


def load_claims(payload: str) -> dict[str, Any]:
    """The fixed claim set ``payload`` (one of ``PAYLOADS``).

    ``exp`` is far in the future and ``iat`` fixed, so token bytes are the same
    on every run.
    """
    claims: dict[str, Any] = json.loads(_claims_text(payload))  # fresh: callers may mutate it
    return claims


@cache
def _claims_text(payload: str) -> str:
    if payload not in PAYLOADS:
        raise KeyError(f"unknown payload {payload!r}; choose from {', '.join(PAYLOADS)}")
    return (DATA / "claims" / f"{payload}.json").read_text()
