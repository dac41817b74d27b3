"""``jwtbench calibrate``'s measuring half: base and head runs of this env, one side slowed.

Real ``jwtbench run`` processes of this environment, started exactly as
``jwtbench ab`` starts them (``jwtbench.measure.rounds``; nothing simulated).
The head side's runs get ``--inject-slowdown ADAPTER=FACTOR``
(``jwtbench.measure.inject``: each call of that adapter is followed by a busy
wait of ``FACTOR`` times its own duration, so it is exactly ``1 + FACTOR``
times as slow whatever the machine does); factor 0 gives identical sides.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from jwtbench.envs.proc import child_environ
from jwtbench.measure.merge import merge_rounds
from jwtbench.measure.rounds import SIDES, RunSelection, Side, measure_rounds
from jwtbench.model.results import Results

Echo = Callable[[str], None]

#: A small selection: fast and slow operations, library and floor.
DEFAULT_SELECTION = RunSelection.parse(
    adapters="floor,pyjwt", algs="HS256,ES256", ops="sign,verify", key_modes="prepared"
)

#: Instruction counts: one adapter slowed, one not (false alarms), one valgrind process each.
COUNTS_SELECTION = RunSelection.parse(
    adapters="floor,pyjwt", algs="HS256", ops="sign,verify", key_modes="prepared", payloads="small"
)


def side_runner(slowed_adapter: str | None, factor: float, timer: str = "wall-clock") -> Side:
    """This environment's ``jwtbench run``, with ``slowed_adapter`` made ``1 + factor`` slower.

    Under ``timer="instructions"`` the slowdown is deterministic extra work: a
    fixed loop after each call costing ``factor`` of the call's own count
    (``jwtbench.measure.instructions``), not a busy wait.
    """
    extra = ("--inject-slowdown", f"{slowed_adapter}={factor}") if slowed_adapter and factor else ()
    if timer == "instructions":
        extra = ("--timer", "instructions", *extra)
    return Side((sys.executable, "-m", "jwtbench.cli.main"), child_environ(), extra)


def measure_pair(
    *,
    slowed_adapter: str | None,
    factor: float,
    rounds: int,
    interleave: bool,
    selection: RunSelection = DEFAULT_SELECTION,
    echo: Echo = lambda _: None,
    timer: str = "wall-clock",
) -> tuple[Results, Results]:
    """Base and head results (``rounds`` runs each, merged); head has the slowdown.

    In lockstep when ``interleave``, else all base runs and then all head runs.
    Instruction counts (``timer="instructions"``): one run per side, one after the other.
    """
    if timer == "instructions":
        rounds, interleave = 1, False
    runners = {
        "base": side_runner(None, 0.0, timer),
        "head": side_runner(slowed_adapter, factor, timer),
    }
    with tempfile.TemporaryDirectory(prefix="jwtbench-calibrate-") as tmp:
        loaded = measure_rounds(
            runners, selection, rounds=rounds, interleave=interleave, folder=Path(tmp), echo=echo
        )
    base, head = (
        Results(path=None, raw=merge_rounds(loaded[side], label=f"calibrate-{side}"))
        for side in SIDES
    )
    return base, head
