"""Adapters: one module per JOSE library, plus the contract and the floor.

``ADAPTERS`` is the one registry; everything else asks it.
"""

from __future__ import annotations

from jwtbench.adapters.authlib import AuthlibAdapter
from jwtbench.adapters.base import Adapter, AdapterUnavailable, Expect, VerificationError
from jwtbench.adapters.floor import FloorAdapter
from jwtbench.adapters.josepy import JosepyAdapter
from jwtbench.adapters.joserfc import JoserfcAdapter
from jwtbench.adapters.jwcrypto import JWCryptoAdapter
from jwtbench.adapters.jwskate import JwskateAdapter
from jwtbench.adapters.pyjwt import PyJWTAdapter
from jwtbench.adapters.python_jose import PythonJoseAdapter

#: Every adapter class, in report order (the floor first).
ADAPTERS: dict[str, type[Adapter]] = {
    cls.name: cls
    for cls in (
        FloorAdapter,
        PyJWTAdapter,
        JWCryptoAdapter,
        AuthlibAdapter,
        PythonJoseAdapter,
        JoserfcAdapter,
        JwskateAdapter,
        JosepyAdapter,
    )
}


class UnknownAdapter(KeyError):
    """A name that is not in the registry."""


def adapter_class(name: str) -> type[Adapter]:
    """The registered class for ``name``; a typed error lists the known names."""
    try:
        return ADAPTERS[name]
    except KeyError:
        raise UnknownAdapter(f"unknown adapter {name!r}; known: {', '.join(ADAPTERS)}") from None


def load_adapter(name: str) -> Adapter:
    """Instantiate ``name``; raises ``AdapterUnavailable`` with the reason."""
    return adapter_class(name)()


__all__ = [
    "ADAPTERS",
    "Adapter",
    "AdapterUnavailable",
    "Expect",
    "UnknownAdapter",
    "VerificationError",
    "adapter_class",
    "load_adapter",
]
