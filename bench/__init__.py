"""jwtbench: benchmark and conformance harness for Python's JOSE/JWT libraries.

The installed package is ``jwtbench``: this folder is ``jwtbench`` itself and
``adapters/`` is ``jwtbench.adapters``. Data flows one way through its rooms:
``adapters -> model -> envs -> measure -> analysis -> present -> cli``.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("jwtbench")
except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
    __version__ = "0+unknown"
