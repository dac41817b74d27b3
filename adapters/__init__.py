"""Adapters: one module per JOSE library, plus the contract, the floor and the limit.

``ADAPTERS`` is the one registry; everything else asks it.
"""

from __future__ import annotations

from jwtbench.adapters.authlib import AuthlibAdapter
from jwtbench.adapters.base import Adapter, AdapterUnavailable, Expect, VerificationError
from jwtbench.adapters.floor import FloorAdapter
from jwtbench.adapters.gehirn_jwt import GehirnJWTAdapter
from jwtbench.adapters.josepy import JosepyAdapter
from jwtbench.adapters.joserfc import JoserfcAdapter
from jwtbench.adapters.jwcrypto import JWCryptoAdapter
from jwtbench.adapters.jwskate import JwskateAdapter
from jwtbench.adapters.limit import LimitAdapter
from jwtbench.adapters.oxyjwt import OxyJWTAdapter
from jwtbench.adapters.pyjosers import PyjosersAdapter
from jwtbench.adapters.pyjwt import PyJWTAdapter
from jwtbench.adapters.python_jose import PythonJoseAdapter
from jwtbench.adapters.python_jose_native import PythonJoseNativeAdapter
from jwtbench.adapters.ryjwt import RyJWTAdapter
from jwtbench.adapters.webtoken import WebtokenAdapter

#: Every adapter class, in report order: the floor first, the crypto limit (a
#: reference row of bare primitives, ``role = "limit"``) last.
ADAPTERS: dict[str, type[Adapter]] = {
    cls.name: cls
    for cls in (
        FloorAdapter,
        PyJWTAdapter,
        JWCryptoAdapter,
        AuthlibAdapter,
        PythonJoseAdapter,
        PythonJoseNativeAdapter,  # the same library on python-rsa/ecdsa, forced
        JoserfcAdapter,
        JwskateAdapter,
        JosepyAdapter,
        GehirnJWTAdapter,  # PyPI "jwt": unavailable beside PyJWT (same module name)
        OxyJWTAdapter,
        WebtokenAdapter,
        PyjosersAdapter,
        RyJWTAdapter,  # Python >= 3.12 only
        LimitAdapter,
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
