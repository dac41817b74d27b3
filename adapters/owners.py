"""Which installed distribution owns a top-level module.

Two distributions can install the same top-level package: PyJWT and PyPI's
"jwt" (GehirnInc) both install ``jwt``, and the one installed last silently
overwrites the other's files. An adapter whose module name is shared asks the
installed metadata who owns it, instead of trusting that ``import`` found its
library.
"""

from __future__ import annotations

import importlib.metadata
from functools import cache


@cache
def owners(module: str) -> tuple[str, ...]:
    """Distributions (as their metadata spells them) that install top-level ``module``."""
    return tuple(sorted(importlib.metadata.packages_distributions().get(module, [])))


def foreign_owner(module: str, distribution: str) -> str | None:
    """Why ``module`` is not ``distribution``'s alone here, or None when it is."""
    found = owners(module)
    if [name.lower().replace("_", "-") for name in found] == [distribution.lower()]:
        return None
    if not found:
        return f"no installed distribution provides module {module}"
    return f"module {module} is {' and '.join(found)} here"
