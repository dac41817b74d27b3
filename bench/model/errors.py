"""Errors the user can fix: every layer raises a subclass, the CLI prints one line, exit 2.

Each layer names its own kind (``MatrixError`` for an unknown algorithm,
``ResultsError`` for a file it cannot read, ``UsageError`` for conflicting
options...), and all derive from :class:`UserError`, so the CLI catches one
type and lower layers never import the CLI.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with what the user asked for or gave; printed without a traceback."""


class UsageError(UserError):
    """Options that cannot be used together, or a value an option cannot take."""
