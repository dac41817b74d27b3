"""What the compiled (Rust) adapters share: proof of the native code they run.

A compiled library is only "compiled" if its extension module really loads: a
wheel can fall back to Python, a source build can fail half-way. So each such
adapter asserts at start-up that the extension it names is a binary extension
module from a wheel built by maturin (the PyO3/Rust build tool), and records it
as its ``backend``; when it is not, the adapter is unavailable with that reason.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.metadata
import sys

from jwtbench.adapters.base import AdapterUnavailable


def rust_backend(library: str, extension: str) -> str:
    """``"rust (<extension>)"`` once ``extension`` is proven to be the Rust build.

    ``library`` is the distribution; its wheel's ``WHEEL`` file names the
    generator (``Generator: maturin (1.x)`` for PyO3 builds).
    """
    try:
        module = importlib.import_module(extension)
    except ImportError as exc:
        raise AdapterUnavailable(
            f"{library}'s native module {extension} does not load: {exc}"
        ) from exc
    path = getattr(module, "__file__", None) or ""
    if not path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        raise AdapterUnavailable(f"{extension} is not a compiled extension module ({path!r})")
    wheel = importlib.metadata.distribution(library).read_text("WHEEL") or ""
    fields = dict(line.split(":", 1) for line in wheel.splitlines() if ":" in line)
    generator = fields.get("Generator", "unknown").strip()
    if not generator.startswith("maturin"):
        raise AdapterUnavailable(f"{library} was not built by maturin (generator {generator!r})")
    return f"rust ({extension})"


def require_python(library: str, minimum: tuple[int, int], source: str) -> None:
    """Refuse, with the reason, a library whose releases need a newer Python than this one."""
    if sys.version_info[:2] < minimum:
        here = ".".join(map(str, sys.version_info[:3]))
        raise AdapterUnavailable(
            f"{library} needs Python >= {minimum[0]}.{minimum[1]} ({source}); this is Python "
            f"{here}, for which it has no wheel"
        )
