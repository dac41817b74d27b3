"""The published examples (RFC 7515 A, RFC 7516 A, RFC 7520 4 and 5, RFC 8037 A.4).

Data files under ``adapters/data/vectors`` (one per source, each example
citing its section; ``tools/make_vectors.py`` wrote them), loaded through
``load_examples``. Keys are JWKs there; ``raw_key`` turns one into what an
adapter takes in raw key mode: public PEM to verify, private PEM to decrypt,
the secret (or PBES2 password) bytes for ``oct``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from jwtbench.adapters.jose import b64url_decode
from jwtbench.adapters.keys import DATA

#: The data files, in report order.
SOURCES: tuple[str, ...] = ("rfc7515", "rfc7516", "rfc7520-4", "rfc7520-5", "rfc8037")
_CURVES = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}


@dataclass(frozen=True)
class Example:
    id: str
    section: str
    kind: str
    alg: str
    enc: str | None
    key: dict[str, Any]
    token: str
    payload: bytes

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "section": self.section,
            "kind": self.kind,
            "alg": self.alg,
            "enc": self.enc,
        }


@cache
def load_examples() -> tuple[Example, ...]:
    out = []
    for stem in SOURCES:
        body = json.loads((DATA / "vectors" / f"{stem}.json").read_text(encoding="utf-8"))
        for row in body["examples"]:
            payload = b64url_decode(row.pop("payload_b64url"))
            out.append(Example(payload=payload, **row))
    return tuple(out)


def _int(value: str) -> int:
    return int.from_bytes(b64url_decode(value), "big")


def private_key(jwk: dict[str, Any]) -> Any:
    """A ``cryptography`` private key from a private JWK (RSA, EC, Ed25519)."""
    if jwk["kty"] == "RSA":
        public = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"]))
        return rsa.RSAPrivateNumbers(
            _int(jwk["p"]),
            _int(jwk["q"]),
            _int(jwk["d"]),
            _int(jwk["dp"]),
            _int(jwk["dq"]),
            _int(jwk["qi"]),
            public,
        ).private_key()
    if jwk["kty"] == "EC":
        return ec.derive_private_key(_int(jwk["d"]), _CURVES[jwk["crv"]])
    return ed25519.Ed25519PrivateKey.from_private_bytes(b64url_decode(jwk["d"]))


def raw_key(example: Example) -> bytes:
    """The key bytes for the adapter: secret, public PEM (JWS) or private PEM (JWE)."""
    return _raw_key(example.id)


@cache
def _raw_key(example_id: str) -> bytes:
    # cached: building an RSA key from its JWK numbers checks it, ~1 s for RFC 7520's 4096-bit
    example = next(e for e in load_examples() if e.id == example_id)
    if example.key["kty"] == "oct":
        return b64url_decode(example.key["k"])
    key = private_key(example.key)
    if example.kind == "jws":
        return bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def example_spec(example: Example) -> dict[str, Any]:
    """What the sandbox child needs for one example (bytes as base64)."""
    return example.describe() | {
        "token": example.token,
        "key": base64.b64encode(raw_key(example)).decode(),
        "payload": base64.b64encode(example.payload).decode(),
    }


def select(names: list[str] | None) -> list[Example]:
    examples = load_examples()
    if not names:
        return list(examples)
    return [e for e in examples if e.id in names]
