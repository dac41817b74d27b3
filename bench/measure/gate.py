"""Turn a cell into timed work, behind the correctness gate.

``prepare(cell)`` does everything outside the timed region: loads keys, makes
or fetches the token, and runs the gate -- the token verifies with an
independent implementation (the floor, or another library for the floor's own
cells), its header names the requested alg, and a token with one flipped
signature byte is rejected. Only then does it return the callable to time,
plus a ``check`` for the timed call's own result (pyperformance style: a
benchmark can never time broken work). A failure raises ``GateFailure`` and
the cell is reported ``invalid`` with that reason.

Adapters that make no tokens (``makes_tokens = False``: the crypto limit) are
one more family of Work (``jwtbench.measure.limit_gate.prepare_limit``): their
raw signatures are checked with direct ``cryptography`` calls, their JWE work
against tokens the reference (the floor) made.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from jwtbench.adapters import ADAPTERS, Expect
from jwtbench.adapters.base import Adapter
from jwtbench.adapters.jose import b64url, b64url_decode
from jwtbench.adapters.keys import PBES2_COUNT, jwe_key, jws_key, load_claims
from jwtbench.measure.limit_gate import prepare_limit
from jwtbench.measure.matrix import adapter_or_reason, skip_reason
from jwtbench.measure.work import GateFailure as GateFailure
from jwtbench.measure.work import Work as Work
from jwtbench.model.cell import Cell

EXPECT = Expect()


def runnable(name: str) -> Adapter:
    """The adapter instance for a cell that ``skip_reason`` let through."""
    adapter = adapter_or_reason(name)
    if isinstance(adapter, str):
        raise RuntimeError(f"adapter {name} is unavailable: {adapter}")
    return adapter


def reference_for(cell: Cell, exclude: str) -> Adapter:
    """An independent implementation of the cell's algorithms: the floor first."""
    for name in ADAPTERS:
        if name == exclude:
            continue
        candidate = adapter_or_reason(name)
        if (
            isinstance(candidate, Adapter)
            and candidate.makes_tokens
            and skip_reason(replace(cell, adapter=name)) is None
        ):
            return candidate
    raise GateFailure(f"no independent implementation of {cell.id} to check against")


def flip_signature_byte(token: str) -> str:
    """The same token with one bit of the signature's first byte flipped."""
    head, payload, signature = token.split(".")
    raw = bytearray(b64url_decode(signature))
    raw[0] ^= 0x01
    return f"{head}.{payload}.{b64url(bytes(raw))}"


def header_of(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64url_decode(token.split(".", 1)[0]))
    return header


def _must_reject(verifier: Adapter, token: str, key: Any, alg: str, what: str) -> None:
    try:
        verifier.verify(token, key, alg, EXPECT)
    except Exception:
        return
    raise GateFailure(f"{verifier.name} accepted {what}")


def check_jws(token: str, claims: dict[str, Any], alg: str, verifier: Adapter, key: Any) -> None:
    """The gate for one compact JWS: header alg, verification, tamper rejection."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise GateFailure(f"not a compact JWS: {token!r:.80}")
    header_alg = header_of(token).get("alg")
    if header_alg != alg:
        raise GateFailure(f"header alg is {header_alg!r}, requested {alg!r}")
    try:
        got = verifier.verify(token, key, alg, EXPECT)
    except Exception as exc:
        raise GateFailure(f"{verifier.name} rejected the token: {exc!r}") from exc
    if got != claims:
        raise GateFailure(f"{verifier.name} decoded different claims")
    _must_reject(verifier, flip_signature_byte(token), key, alg, "a tampered signature")


def flip_jwe_byte(token: str, part: int) -> str:
    """The same compact JWE with one bit flipped in ``part`` (3 ciphertext, 4 tag)."""
    parts = token.split(".")
    raw = bytearray(b64url_decode(parts[part]))
    raw[0] ^= 0x01
    parts[part] = b64url(bytes(raw))
    return ".".join(parts)


def check_jwe(token: str, claims: dict[str, Any], cell: Cell, opener: Adapter, keys: Keys) -> None:
    """The gate for a JWE or nested token: header, decryption, tamper rejection."""
    if not isinstance(token, str) or token.count(".") != 4:
        raise GateFailure(f"not a compact JWE: {token!r:.80}")
    header = header_of(token)
    if (header.get("alg"), header.get("enc")) != (cell.alg, cell.enc):
        raise GateFailure(
            f"header is {header.get('alg')}/{header.get('enc')}, requested {cell.alg}/{cell.enc}"
        )
    if cell.alg.startswith("PBES2") and header.get("p2c") != PBES2_COUNT:
        raise GateFailure(  # PBKDF2 is most of the work: another count is other work
            f"p2c is {header.get('p2c')!r}, the harness's tokens use {PBES2_COUNT}"
        )
    if cell.sig_alg is not None and str(header.get("cty", "")).upper() != "JWT":
        raise GateFailure(f"nested token's header has cty {header.get('cty')!r}, not JWT")

    def open_(candidate: str) -> dict[str, Any]:
        return keys.open(opener, candidate, cell)

    try:
        got = open_(token)
    except Exception as exc:
        raise GateFailure(f"{opener.name} could not open the token: {exc!r}") from exc
    if got != claims:
        raise GateFailure(f"{opener.name} decrypted different claims")
    for part, what in ((3, "a tampered ciphertext"), (4, "a tampered tag")):
        try:
            open_(flip_jwe_byte(token, part))
        except Exception:
            continue
        raise GateFailure(f"{opener.name} accepted {what}")


@dataclass
class Keys:
    """One adapter's keys for a JWE or nested cell, in the cell's key mode."""

    seal: Any  # encrypt key (recipient's public key or the shared secret)
    unseal: Any  # decrypt key
    sign: Any = None  # inner JWS keys (nested cells)
    verify: Any = None

    @classmethod
    def for_cell(cls, adapter: Adapter, cell: Cell, key_mode: str) -> Keys:
        assert cell.enc is not None
        material = jwe_key(cell.alg, cell.enc)
        mode: Any = key_mode
        keys = cls(
            seal=adapter.key_for(cell.alg, material, "encrypt", mode),
            unseal=adapter.key_for(cell.alg, material, "decrypt", mode),
        )
        if cell.sig_alg is not None:
            sig_material = jws_key(cell.sig_alg)
            keys.sign = adapter.key_for(cell.sig_alg, sig_material, "sign", mode)
            keys.verify = adapter.key_for(cell.sig_alg, sig_material, "verify", mode)
        return keys

    def seal_call(self, adapter: Adapter, cell: Cell) -> tuple[Callable[..., str], tuple[Any, ...]]:
        """The producing call (encrypt or sign_encrypt) and its arguments."""
        claims = load_claims(cell.payload)
        assert cell.enc is not None
        if cell.sig_alg is None:
            return adapter.encrypt, (claims, self.seal, cell.alg, cell.enc)
        return adapter.sign_encrypt, (
            claims, self.sign, cell.sig_alg, self.seal, cell.alg, cell.enc,
        )  # fmt: skip

    def open_call(
        self, adapter: Adapter, cell: Cell, token: str
    ) -> tuple[Callable[..., dict[str, Any]], tuple[Any, ...]]:
        """The consuming call (decrypt or decrypt_verify) and its arguments."""
        assert cell.enc is not None
        if cell.sig_alg is None:
            return adapter.decrypt, (token, self.unseal, cell.alg, cell.enc, EXPECT)
        return adapter.decrypt_verify, (
            token, self.unseal, cell.alg, cell.enc, self.verify, cell.sig_alg, EXPECT,
        )  # fmt: skip

    def open(self, adapter: Adapter, token: str, cell: Cell) -> dict[str, Any]:
        func, args = self.open_call(adapter, cell, token)
        return func(*args)


def _extra(adapter: Adapter, reference: Adapter) -> dict[str, Any]:
    return {
        "library": adapter.library,
        "library_version": adapter.version,
        "backend": adapter.backend,
        "checked_by": f"{reference.name} {reference.version}",
    }


def _claims_check(adapter: Adapter, claims: dict[str, Any]) -> Callable[[Any], None]:
    def check(out: Any) -> None:
        if out != claims:
            raise GateFailure(f"{adapter.name} returned different claims when timed")

    return check


def prepare_jwe(cell: Cell, adapter: Adapter, reference: Adapter) -> Work:
    """Encrypt/decrypt and nested cells: gate, then the timed call."""
    claims = load_claims(cell.payload)
    mine = Keys.for_cell(adapter, cell, cell.key_mode)
    theirs = Keys.for_cell(reference, cell, "prepared")
    extra = _extra(adapter, reference)
    if cell.op in ("encrypt", "sign_encrypt"):
        func, args = mine.seal_call(adapter, cell)
        token = func(*args)
        check_jwe(token, claims, cell, reference, theirs)
        extra["token_bytes"] = len(token)
        return Work(
            func=func,
            args=args,
            check=lambda out: check_jwe(out, claims, cell, reference, theirs),
            extra_info=extra,
        )
    if cell.op in ("decrypt", "decrypt_verify"):
        make, make_args = theirs.seal_call(reference, cell)
        token = make(*make_args)
        extra["checked_by"] = f"token made by {extra['checked_by']}"
        check_jwe(token, claims, cell, adapter, mine)
        extra["token_bytes"] = len(token)
        func2, args2 = mine.open_call(adapter, cell, token)
        return Work(func=func2, args=args2, check=_claims_check(adapter, claims), extra_info=extra)
    raise NotImplementedError(f"unknown {cell.family} op {cell.op!r}")


#: Work already gated in this run (see ``reusing_prepared``); None outside a run.
_PREPARED: dict[Cell, Work] | None = None


@contextlib.contextmanager
def reusing_prepared() -> Iterator[None]:
    """Gate each cell once per run: later passes time the same, already checked work.

    Raw RSA keys take 60-200 ms to load, so gating every cell in every pass
    would triple a run. Every pass still checks what its timed call returned
    (``Work.check``); a cell whose gate failed is not kept and fails again.
    """
    global _PREPARED
    saved, _PREPARED = _PREPARED, {}
    try:
        yield
    finally:
        _PREPARED = saved


def prepare(cell: Cell) -> Work:
    """The timed work for ``cell``, after the gate passed (once per run, if reusing)."""
    if _PREPARED is not None and cell in _PREPARED:
        return _PREPARED[cell]
    work = _prepare(cell)
    if _PREPARED is not None:
        _PREPARED[cell] = work
    return work


def _prepare(cell: Cell) -> Work:
    skipped = skip_reason(cell)
    if skipped is not None:
        raise RuntimeError(f"cell {cell.id} cannot run: {skipped[1]}")
    adapter = runnable(cell.adapter)
    reference = reference_for(cell, exclude=cell.adapter)
    if not adapter.makes_tokens:
        return prepare_limit(cell, adapter, reference)
    if cell.family != "jws":
        return prepare_jwe(cell, adapter, reference)
    material = jws_key(cell.alg)
    claims = load_claims(cell.payload)
    extra = _extra(adapter, reference)
    if cell.op == "sign":
        key = adapter.key_for(cell.alg, material, "sign", cell.key_mode)  # type: ignore[arg-type]
        ref_key = reference.prepare_key(cell.alg, material, "verify")
        token = adapter.sign(claims, key, cell.alg)
        check_jws(token, claims, cell.alg, reference, ref_key)
        extra["token_bytes"] = len(token)
        return Work(
            func=adapter.sign,
            args=(claims, key, cell.alg),
            check=lambda out: check_jws(out, claims, cell.alg, reference, ref_key),
            extra_info=extra,
        )
    if cell.op == "verify":
        key = adapter.key_for(cell.alg, material, "verify", cell.key_mode)  # type: ignore[arg-type]
        token = reference.sign(claims, reference.prepare_key(cell.alg, material, "sign"), cell.alg)
        extra["checked_by"] = f"token made by {extra['checked_by']}"
        check_jws(token, claims, cell.alg, adapter, key)
        extra["token_bytes"] = len(token)
        return Work(
            func=adapter.verify,
            args=(token, key, cell.alg, EXPECT),
            check=_claims_check(adapter, claims),
            extra_info=extra,
        )
    raise NotImplementedError(f"unknown JWS op {cell.op!r}")
