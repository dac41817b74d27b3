"""What the correctness gate hands the suites: the work to time, or why not.

Its own module so that both gates (``jwtbench.measure.gate`` for libraries,
``jwtbench.measure.limit_gate`` for the bare-primitive limit) share them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class GateFailure(Exception):
    """The cell's work is not correct; it must not be timed."""


@dataclass
class Work:
    """What the benchmark times, and how to check what it returned."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    check: Callable[[Any], None]
    extra_info: dict[str, Any] = field(default_factory=dict)
