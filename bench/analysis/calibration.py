"""Scoring ``jwtbench calibrate``'s trials: false alarms and slowdowns caught.

Each trial compares a base and a head measured on this machine, where the
head's ``slowed_adapter`` was made exactly ``1 + factor`` times as slow
(``jwtbench.measure.calibrate``). A flag on any other cell is a false alarm;
a trial is a hit when every slowed cell is flagged as a regression.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jwtbench.analysis.compare import Comparison


@dataclass
class Trial:
    flagged: list[str]  # labels of cells called regression or improvement
    slowed_flagged: list[str]  # of those, cells of the slowed adapter flagged as regressions
    slowed_cells: int


@dataclass
class Experiment:
    name: str
    factor: float
    interleave: bool
    trials: list[Trial] = field(default_factory=list)

    @property
    def hits(self) -> int:
        """Trials in which every slowed cell was flagged as a regression."""
        return sum(1 for t in self.trials if t.slowed_cells and
                   len(t.slowed_flagged) == t.slowed_cells)  # fmt: skip

    @property
    def false_alarms(self) -> int:
        """Flags on cells that were not slowed, over all trials."""
        return sum(len(t.flagged) - len(t.slowed_flagged) for t in self.trials)


def score(cmp: Comparison, slowed_adapter: str | None) -> Trial:
    """One trial's flags, split into the slowed adapter's regressions and false alarms."""
    flagged = [c for c in cmp.ordered() if c.verdict in ("regression", "improvement")]
    mine = [c for c in flagged
            if c.verdict == "regression" and c.params["adapter"] == slowed_adapter]  # fmt: skip
    slowed_cells = sum(1 for c in cmp.ordered() if c.params["adapter"] == slowed_adapter)
    return Trial([c.label for c in flagged], [c.label for c in mine], slowed_cells)
