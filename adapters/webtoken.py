"""webtoken (``import webtoken``): a PyJWT-compatible JWS library in Rust (aws-lc-rs).

Prepared keys are webtoken's own ``PyJWK`` objects from ``load_key_from_pem``
(parsed once, in Rust); HMAC secrets stay bytes, as in PyJWT. Raw mode passes
PEM or the secret on every call, which webtoken parses itself.

webtoken 0.5.0's ``encode()`` prints ``fpoo`` to stdout on every call (a
leftover debug ``print`` in ``webtoken/webtoken.py``) and then, for a dict
payload without a custom JSON encoder, returns the native ``encode`` with the
same arguments. The adapter calls that native function directly, so a timing
is the library's work and not a terminal write; the behaviour is in ``notes``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from jwtbench.adapters.base import (
    JWS_ALGS,
    Adapter,
    AdapterUnavailable,
    DecodeCall,
    Expect,
    KeyForm,
    Use,
)
from jwtbench.adapters.compiled import rust_backend
from jwtbench.adapters.keys import KeyMaterial

#: The claims a verify requires (one dict, read-only to webtoken).
_REQUIRE = {"require": ["exp", "aud", "iss"]}


class WebtokenAdapter(Adapter):
    name = "webtoken"
    label = "webtoken"
    compiled = True
    colour = "#bcbd22"
    library = "webtoken"
    module = "webtoken"
    # Every JWS algorithm the harness knows, each tried here (header alg checked,
    # verified by the floor). Its README lists fewer ("PyJWT compat": HS*, RS*,
    # ES512, plus ES256K), but get_default_algorithms() and the native encoder
    # take PS*, ES256, ES384 and EdDSA too. webtoken has no JWE API (only raw
    # AES-256-GCM helpers), so no JWE is declared.
    jws_algs = frozenset(JWS_ALGS)
    # webtoken.decode() without algorithms= raises DecodeError ('It is required
    # that you pass in a value for the "algorithms" argument'), as PyJWT 2 does.
    enabled_by_default = frozenset()
    notes = (
        "no JWE API; encode() prints 'fpoo' to stdout on every call (0.5.0), so the "
        "adapter calls the native encode it delegates to; exp is required only when "
        "options={'require': [...]} asks, as in PyJWT; it appears to cache a parsed key "
        "by its PEM (its first RS256 sign ~120x a warm one), so raw-key cells time a cache "
        "hit, not a parse"
    )

    decode_calls: ClassVar[dict[str, DecodeCall]] = {
        "default": DecodeCall(jws="webtoken.decode(token, key, algorithms=algs)"),
        "hardened": DecodeCall(
            jws="webtoken.decode(token, key, algorithms=algs, audience=aud, issuer=iss, "
            'options={"require": ["exp", "aud", "iss"]})',
            passes_expect=True,
        ),
    }

    def conformance_key(self, data: bytes, form: KeyForm, kty: str) -> Any:
        import webtoken

        return webtoken.PyJWK.from_json(data.decode()) if form == "jwk" else data

    def decode_jws(self, call: str, token: str, key: Any, algs: list[str], expect: Expect) -> Any:
        import webtoken

        if call == "default":
            return webtoken.decode(token, key, algorithms=algs)
        return webtoken.decode(
            token,
            key,
            algorithms=algs,
            audience=expect.audience,
            issuer=expect.issuer,
            options={"require": ["exp", "aud", "iss"]},
        )

    def verify_bytes(self, token: str, key: Any, alg: str) -> bytes:
        import webtoken

        payload: bytes = webtoken.PyJWS().decode(token, key, algorithms=[alg])
        return payload

    def __init__(self) -> None:
        super().__init__()
        type(self).backend = rust_backend(self.library, "webtoken._webtoken")
        import webtoken._webtoken
        from webtoken import webtoken as wrapper

        # The wrapper falls back to a ``target/release`` build relative to the
        # working directory; only the wheel's own extension counts.
        loaded = getattr(wrapper, "rust_lib", None)  # sign() calls it (see the docstring)
        if loaded is not webtoken._webtoken:
            raise AdapterUnavailable(f"webtoken's wrapper runs {loaded!r}, not its wheel's module")
        # looked up once: on a ~6 us HS256 call an import statement and an options
        # dict per call were a few percent of the cell
        self._encode, self._decode = loaded.encode, webtoken.decode

    def prepare_key(self, alg: str, material: KeyMaterial, use: Use) -> Any:
        from webtoken import webtoken

        if material.kty == "oct":
            return material.secret
        return webtoken.rust_lib.load_key_from_pem(material.raw(use))

    def sign(self, claims: dict[str, Any], key: Any, alg: str) -> str:
        # = webtoken.encode(claims, key, algorithm=alg) minus its debug print
        # (headers=None, sort_headers=True, check_length=False: encode's defaults).
        token: str = self._encode(claims, key, alg, None, True, False)
        return token

    def verify(self, token: str, key: Any, alg: str, expect: Expect) -> dict[str, Any]:
        claims: dict[str, Any] = self._decode(
            token,
            key,
            algorithms=[alg],
            audience=expect.audience,
            issuer=expect.issuer,
            options=_REQUIRE,
        )
        return claims
