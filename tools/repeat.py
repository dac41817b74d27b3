"""Repeatability of two identical runs: the share of x-over-floor cells that agree within 5%.

Issue 9's "Repeatability" bar. Make two identical quick runs back to back,
then compare them here::

    jwtbench run --quick --output /tmp/rep/a.json
    jwtbench run --quick --output /tmp/rep/b.json
    python tools/repeat.py /tmp/rep/a.json /tmp/rep/b.json [--png /tmp/rep/hist.png]

For every prepared-key JWS library cell timed (status ``ok``) in both runs,
the change of its x over floor (the paired ``extra_info.over_floor`` when
stored, else the unpaired ratio of medians, which the output says): the share
agreeing within 5% (target 95%), how many cells' two stored 95% intervals do
not even overlap (the intervals' honesty), the quantiles of ``|log(r2/r1)|``
(and as a percentage change), a text histogram and the worst cells. ``--png``
also draws the histogram. The computation is ``jwtbench.analysis.repeatability``.
Bad input: one line, exit 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from jwtbench.analysis.repeatability import (
    AGREE,
    BINS,
    Repeatability,
    repeatability,
    text_histogram,
)
from jwtbench.model.errors import UserError
from jwtbench.model.results import load_results


def report(found: Repeatability) -> list[str]:
    """The lines printed for one comparison."""
    kind = "paired over_floor" if found.paired else "UNPAIRED ratios of medians (some or all)"
    n = len(found.changes)
    lines = [
        f"{n} prepared-key JWS library cells compared on x over floor ({kind}); "
        f"not compared: {found.only_base} in the first run, {found.only_head} in the second",
    ]
    if not n:
        return lines
    lines.append(
        f"agree within {AGREE - 1:.0%}: {found.agreeing} of {n} = {found.share:.1%} (target 95%)"
    )
    if found.paired:
        lines.append(
            f"cells whose two 95% intervals do not overlap: {found.disjoint} of {n} "
            "(intervals that held the other run's ratio would make this ~0)"
        )
    lines.append("")
    lines.append("|log(r2/r1)| quantiles (and as a change):")
    for q, value in found.quantiles():
        name = "max" if q == 1.0 else f"p{q * 100:g}"
        lines.append(f"  {name:>4}: {value:.4f}  ({math.exp(value) - 1:.1%})")
    lines.append("")
    lines.append("histogram of |change|:")
    lines += ["  " + line for line in text_histogram(found.histogram())]
    lines.append("")
    lines.append("worst cells (adapter alg op payload: run 1 -> run 2):")
    for change in found.worst():
        adapter, alg, op, payload = change.cell
        lines.append(
            f"  {adapter} {alg} {op} {payload}: {_ratio(change.base, change.base_ci)} -> "
            f"{_ratio(change.head, change.head_ci)} ({math.exp(change.log_ratio) - 1:+.1%})"
        )
    return lines


def _ratio(value: float, ci: tuple[float, float] | None) -> str:
    return f"{value:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def draw(found: Repeatability, path: Path) -> None:
    """The histogram of changes as a PNG."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    bins = found.histogram()
    fig = Figure(figsize=(7.5, 3.8), layout="constrained")
    ax = fig.add_subplot()
    agree = 100 * (AGREE - 1)  # a bin whose upper edge is at most 5%: agreeing cells
    colours = [
        "#2ca02c" if i + 1 < len(BINS) and BINS[i + 1] <= agree else "#d62728"
        for i in range(len(bins))
    ]
    ax.bar([label for label, _ in bins], [n for _, n in bins], color=colours)
    ax.set_xlabel("|change of x over floor| between the two runs")
    ax.set_ylabel("library cells")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", rotation=30)
    ax.set_title(
        f"Repeatability: {found.agreeing} of {len(found.changes)} cells "
        f"({found.share:.1%}) agree within {AGREE - 1:.0%} (green)",
        loc="left",
    )
    fig.savefig(path, dpi=120)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--png", type=Path, default=None, help="also draw the histogram here")
    opts = parser.parse_args(argv)
    try:
        base, head = load_results(opts.first), load_results(opts.second)
    except (UserError, OSError, ValueError) as exc:
        print(f"repeat: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    found = repeatability(base, head)
    print("\n".join(report(found)))
    if opts.png is not None and found.changes:
        draw(found, opts.png)
        print(f"\nhistogram: {opts.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
