"""The safety matrix (issue 11): attack cases, RFC examples, and the sandbox that runs them.

``cases`` holds the attack cases as small self-describing records, each crafted
with ``cryptography`` and the standard library only (``craft``), each with a
positive control. ``sandbox`` runs one (library, call) batch in a child process
(``child``) that forks once per case under address-space and CPU limits with
sockets blocked (``netblock``); ``vectors`` loads the published RFC examples
from ``adapters/data/vectors``; ``results`` is the versioned JSON record.

This ``__init__`` imports nothing on purpose: the sandbox child imports
``netblock`` before any library, and a package import must not pull one in.
"""
