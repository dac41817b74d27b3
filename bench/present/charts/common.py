"""What every chart shares: the Agg backend, library colours and labels, axes, saving.

A library's colour and label come from the results file (``Adapter.colour`` and
``Adapter.label``, written by ``describe()``), read through the view model; a
name without a recorded colour (older files) gets a stable spare one.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from jwtbench.analysis.views import REFERENCES, CellView

DPI = 110
#: For adapters whose results entry names no colour (older files): by a stable hash of the name.
SPARE_COLOURS = ("#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
NEUTRAL = "#5b7fa6"
EMPTY_NOTE = "empty slot = no usable number (unsupported, invalid or error)"


def adapter_colour(view: CellView[Any], name: str) -> str:
    """The colour the results file gives ``name`` (``Adapter.colour``), else a stable spare."""
    found = view.identity.get(name)
    if found and found.colour:
        return found.colour
    return SPARE_COLOURS[zlib.crc32(name.encode()) % len(SPARE_COLOURS)]


def legend_label(view: CellView[Any], adapter: str) -> str:
    """The display label with its version; the floor's (the limit's) version is its library's."""
    version, label = view.versions.get(adapter), view.label_of(adapter)
    if adapter in REFERENCES:
        found = view.identity.get(adapter)
        library = found.library if found and found.library else "cryptography"
        return f"{label} ({library} {version})" if version else f"{label} ({library})"
    return f"{label} {version}" if version else label


def save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def titles(fig: Figure, ax: Axes, title: str, note: str) -> None:
    """A bold figure title with a grey note under it."""
    fig.suptitle(title, fontweight="bold")
    ax.set_title(note, fontsize=9, color="#555555")


def ops_label(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def short_label(value: float, _pos: object = None) -> str:
    """``500``, ``2k``, ``50k``, ``1M``: tick labels that fit side by side on an x axis."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return ops_label(value)


def log_ops_axis(
    ax: Axes,
    low: float,
    high: float,
    axis: Literal["x", "y"] = "y",
    label: str = "operations per second (log scale)",
) -> None:
    """A log scale from the decade below ``low`` to the decade above ``high``, 1-2-5 ticks."""
    limits = (10 ** np.floor(np.log10(low * 0.9)), 10 ** np.ceil(np.log10(high * 1.1)))
    target: Axis
    if axis == "x":
        ax.set_xscale("log")
        ax.set_xlim(*limits)
        ax.set_xlabel(label)
        target = ax.xaxis
    else:
        ax.set_yscale("log")
        ax.set_ylim(*limits)
        ax.set_ylabel(label)
        target = ax.yaxis
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(short_label if axis == "x" else ops_label))
    target.set_minor_locator(NullLocator())  # 1-2-5 major ticks are enough, and faster
    ax.grid(axis=axis, which="major", color="#dddddd")
    ax.set_axisbelow(True)
