"""The JOSE plumbing every implementation shares: base64url, compact JSON, claim checks.

The floor and the adapter base class both use these, so they live below both
(``base`` imports this module, never the floor).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Expect:
    """The claim checks every ``verify`` performs, as an application would."""

    audience: str = "https://api.example.com"
    issuer: str = "https://auth.example.com"


class VerificationError(Exception):
    """A token was rejected. Adapters translate their library's errors into this."""


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Strict inverse of ``b64url``: rejects padding and non-alphabet characters."""
    raw = text.encode("ascii") if isinstance(text, str) else text
    if b"=" in raw:
        raise VerificationError("base64url segment is padded")
    try:
        return base64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError(f"bad base64url: {exc}") from exc


def compact_json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def check_claims(claims: Any, expect: Expect, now: float | None = None) -> dict[str, Any]:
    """Require and check exp, aud and iss exactly as an application expects."""
    if not isinstance(claims, dict):
        raise VerificationError("claims are not a JSON object")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise VerificationError("exp missing or not a number")
    if exp <= (time.time() if now is None else now):
        raise VerificationError("token expired")
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if expect.audience not in auds:
        raise VerificationError(f"audience {aud!r} is not {expect.audience!r}")
    if claims.get("iss") != expect.issuer:
        raise VerificationError(f"issuer {claims.get('iss')!r} is not {expect.issuer!r}")
    return claims
