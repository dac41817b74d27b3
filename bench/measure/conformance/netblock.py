"""Sockets blocked in the sandbox child, every attempt recorded.

``install()`` runs before any library is imported: ``socket.socket`` becomes a
subclass whose ``connect``/``connect_ex``/``sendto`` raise, and name lookups
(``getaddrinfo``, ``gethostbyname``...) and ``create_connection`` raise too.
A library that swallows the error is still caught: ``ATTEMPTS`` lists what it
tried, and the case runner treats any attempt as unsafe.
"""

from __future__ import annotations

import socket
from typing import Any

#: What was attempted since the last ``ATTEMPTS.clear()`` ("connect ('1.2.3.4', 443)"...).
ATTEMPTS: list[str] = []


class NetworkBlocked(OSError):
    """Raised by every blocked socket call in the sandbox."""


def _refuse(what: str, *args: Any) -> None:
    ATTEMPTS.append(f"{what} {args[0]!r}" if args else what)
    raise NetworkBlocked(f"jwtbench sandbox: network blocked ({what})")


class _BlockedSocket(socket.socket):
    def connect(self, address: Any) -> None:
        _refuse("connect", address)

    def connect_ex(self, address: Any) -> int:
        _refuse("connect", address)
        return 1  # pragma: no cover - _refuse raises

    def sendto(self, *args: Any) -> int:
        _refuse("sendto", args[-1])
        return 0  # pragma: no cover


def _lookup(name: str) -> Any:
    def blocked(*args: Any, **kwargs: Any) -> Any:
        _refuse(name, *args[:1])

    return blocked


def install() -> None:
    """Block the network for this process and its forks (idempotent)."""
    if socket.socket is _BlockedSocket:
        return
    socket.socket = _BlockedSocket  # type: ignore[misc]
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
        setattr(socket, name, _lookup(name))
