"""Write adapters/data/vectors/*.json (the RFC examples) from jwcrypto's copies of them.

jwcrypto ships the RFC 7515/7516 appendix examples (``jwcrypto/tests.py``) and
the RFC 7520 cookbook (``jwcrypto/tests-cookbook.py``) as Python data; this
script turns them into data files, one per source, each example citing its
section. The floor verifies every example it supports in
tests/test_conformance_vectors.py, so a transcription error cannot pass.
Run once: ``python tools/make_vectors.py`` (needs jwcrypto installed).
"""

from __future__ import annotations

import base64
import importlib.util
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import jwcrypto
from jwcrypto import tests as t

OUT = Path(__file__).resolve().parent.parent / "adapters" / "data" / "vectors"


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def cookbook() -> Any:
    path = Path(jwcrypto.__file__).parent / "tests-cookbook.py"
    spec = importlib.util.spec_from_file_location("cookbook", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example(
    id: str,
    section: str,
    kind: str,
    alg: str,
    key: Any,
    token: str,
    payload: bytes,
    enc: str | None = None,
) -> dict[str, Any]:
    if isinstance(key, bytes):  # a PBES2 password
        key = {"kty": "oct", "k": b64(key), "use": "password"}
    return {
        "id": id,
        "section": section,
        "kind": kind,
        "alg": alg,
        "enc": enc,
        "key": dict(key),
        "token": token,
        "payload_b64url": b64(payload),
    }


def rfc7515() -> list[dict[str, Any]]:
    out = []
    for n, alg in ((1, "HS256"), (2, "RS256"), (3, "ES256"), (4, "ES512")):
        ex = getattr(t, f"A{n}_example")
        payload = bytes(ex["payload"])
        token = ".".join((b64(ex["protected"]), b64(payload), b64(ex["signature"])))
        out.append(
            example(f"rfc7515-a.{n}", f"RFC 7515 A.{n}", "jws", alg, ex["key"], token, payload)
        )
    return out


def rfc7516() -> list[dict[str, Any]]:
    out = []
    for n, alg, enc in (
        (1, "RSA-OAEP", "A256GCM"),
        (2, "RSA1_5", "A128CBC-HS256"),
        (3, "A128KW", "A128CBC-HS256"),
    ):
        key = getattr(t, f"E_A{n}_key")
        token = getattr(t, f"E_A{n}_vector")
        plaintext = getattr(t, f"E_A{n}_plaintext")
        if isinstance(plaintext, list):
            plaintext = bytes(plaintext)
        plaintext = plaintext if isinstance(plaintext, bytes) else plaintext.encode()
        out.append(
            example(f"rfc7516-a.{n}", f"RFC 7516 A.{n}", "jwe", alg, key, token, plaintext, enc)
        )
    return out


def rfc7520(book: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    payload4 = base64.urlsafe_b64decode(book.Payload_plaintext_b64_4 + "==")
    sigs = [
        example(
            "rfc7520-4.1",
            "RFC 7520 4.1",
            "jws",
            "RS256",
            book.RSA_Private_Key_3_4,
            book.JWS_compact_4_1_3,
            payload4,
        ),
        example(
            "rfc7520-4.2",
            "RFC 7520 4.2",
            "jws",
            "PS384",
            book.RSA_Private_Key_3_4,
            book.JWS_compact_4_2_3,
            payload4,
        ),
        example(
            "rfc7520-4.3",
            "RFC 7520 4.3",
            "jws",
            "ES512",
            book.EC_Private_Key_3_2,
            book.JWS_compact_4_3_3,
            payload4,
        ),
        example(
            "rfc7520-4.4",
            "RFC 7520 4.4",
            "jws",
            "HS256",
            book.Symmetric_Key_MAC_3_5,
            book.JWS_compact_4_4_3,
            payload4,
        ),
    ]
    encs = []
    for section, key, alg, enc, pt in (
        ("5.1", "RSA_key_5_1_1", "RSA1_5", "A128CBC-HS256", "Payload_plaintext_5"),
        ("5.2", "RSA_key_5_2_1", "RSA-OAEP", "A256GCM", "Payload_plaintext_5"),
        ("5.3", "Password_5_3_1", "PBES2-HS512+A256KW", "A128CBC-HS256", "Payload_plaintext_5_3_1"),
        ("5.4", "EC_key_5_4_1", "ECDH-ES+A128KW", "A128GCM", "Payload_plaintext_5"),
        ("5.5", "EC_key_5_5_1", "ECDH-ES", "A128CBC-HS256", "Payload_plaintext_5"),
        ("5.6", "AES_key_5_6_1", "dir", "A128GCM", "Payload_plaintext_5"),
        ("5.7", "AES_key_5_7_1", "A256GCMKW", "A128CBC-HS256", "Payload_plaintext_5"),
        ("5.8", "AES_key_5_8_1", "A128KW", "A128GCM", "Payload_plaintext_5"),
    ):
        tag = section.replace(".", "_")
        token = next(getattr(book, n) for n in dir(book) if n.startswith(f"JWE_compact_{tag}_"))
        encs.append(
            example(
                f"rfc7520-{section}",
                f"RFC 7520 {section}",
                "jwe",
                alg,
                getattr(book, key),
                token,
                getattr(book, pt),
                enc,
            )
        )
    return sigs, encs


def rfc8037() -> list[dict[str, Any]]:
    ex = t.E_Ed25519
    return [
        example(
            "rfc8037-a.4",
            "RFC 8037 A.4",
            "jws",
            "EdDSA",
            json.loads(ex["key_json"]),
            ex["jws_serialization_compact"],
            ex["payload"].encode(),
        )
    ]


def main() -> None:
    sigs, encs = rfc7520(cookbook())
    files = {
        "rfc7515": ("RFC 7515 Appendix A", rfc7515()),
        "rfc7516": ("RFC 7516 Appendix A", rfc7516()),
        "rfc7520-4": ("RFC 7520 section 4 (signatures, compact)", sigs),
        "rfc7520-5": ("RFC 7520 section 5 (encryption, compact)", encs),
        "rfc8037": ("RFC 8037 Appendix A.4 (Ed25519 signature)", rfc8037()),
    }
    for stem, (source, examples) in files.items():
        origin = f"jwcrypto {metadata.version('jwcrypto')} tests, by tools/make_vectors.py"
        body = {"source": source, "transcribed_from": origin, "examples": examples}
        (OUT / f"{stem}.json").write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
        print(stem, len(examples))


if __name__ == "__main__":
    main()
