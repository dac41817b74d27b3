"""An exactly proportional slowdown of one adapter, for ``jwtbench calibrate``.

Each sign and verify call is timed and followed by a busy
wait of ``factor`` times its own duration, so the adapter becomes exactly
``1 + factor`` times as slow whatever the machine's speed at that moment.
``jwtbench run --inject-slowdown ADAPTER=FACTOR`` applies it (and records it
in the results file), so a calibration measures real runs of real code.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from jwtbench.adapters import ADAPTERS
from jwtbench.adapters.base import Adapter
from jwtbench.measure.matrix import adapter_or_reason


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def slowed(cls: type[Adapter], factor: float) -> type[Adapter]:
    """``cls`` with every sign/verify made ``1 + factor`` times as long (same name)."""

    class Slowed(cls):  # type: ignore[valid-type,misc]
        def sign(self, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            out = super().sign(*args, **kwargs)
            _spin(factor * (time.perf_counter() - started))
            return out

        def verify(self, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            out = super().verify(*args, **kwargs)
            _spin(factor * (time.perf_counter() - started))
            return out

    Slowed.__name__ = f"Slowed{cls.__name__}"
    return Slowed


@contextlib.contextmanager
def slowdown(name: str, factor: float) -> Iterator[None]:
    """Register a slowed version of adapter ``name`` for the duration."""
    original = ADAPTERS[name]
    ADAPTERS[name] = slowed(original, factor) if factor else original
    adapter_or_reason.cache_clear()
    try:
        yield
    finally:
        ADAPTERS[name] = original
        adapter_or_reason.cache_clear()
