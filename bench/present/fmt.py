"""One set of number and text formats for every renderer (Markdown, terminal, charts, CSV).

Report tables show throughput (``fmt_ops``), coarse ratios (``fmt_ratio``)
and run times (``fmt_seconds``); compare tables show times per operation
(``format_seconds``), precise ratios, intervals and p-values.
"""

from __future__ import annotations

import math
import re


def fmt_ops(ops: float) -> str:
    """Operations per second, humanely: ``12,345``, ``16.4``, ``0.52``."""
    if ops >= 100:
        return f"{ops:,.0f}"
    if ops >= 10:
        return f"{ops:.1f}"
    return f"{ops:.2f}"


def fmt_ratio(ratio: float) -> str:
    """A ratio of times: ``1.8x``, ``12x``, ``1,234x``."""
    if ratio >= 10:
        return f"{ratio:,.0f}x"
    return f"{ratio:.1f}x"


def fmt_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def md_escape(text: str) -> str:
    """Text safe inside a Markdown table cell or list item (one line)."""
    return re.sub(r"([\\`*_|<>\[\]])", r"\\\1", text).replace("\n", " ")


def md_cell(text: str) -> str:
    """Markdown (already formatted) made safe inside a table cell: ``|``, ``\\``, newlines."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def fmt_us(seconds: float) -> str:
    """A time in microseconds, without the unit: ``1,484``, ``31.8``, ``8.50``."""
    return fmt_ops(seconds * 1e6)


def format_seconds(seconds: float) -> str:
    """A time per operation in a sensible unit: ``812 ns``, ``34.8 µs``, ``61.2 ms``."""
    if math.isnan(seconds):
        return "-"
    for unit, scale in (("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3)):
        if abs(seconds) < scale * 1000:
            return f"{_three_digits(seconds / scale)} {unit}"
    return f"{_three_digits(seconds)} s"


def _three_digits(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_ratio(ratio: float) -> str:
    return "-" if math.isnan(ratio) else f"{ratio:.2f}x"


def format_ci(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "-"
    return f"[{low:.2f}, {high:.2f}]"


def format_p(p_value: float) -> str:
    if math.isnan(p_value):
        return "-"
    return "<0.001" if p_value < 0.001 else f"{p_value:.3f}"


#: What a table or chart shows where there is no number to show.
MISSING = "—"
_STATUS_TEXT = {"unsupported": MISSING}


def fmt_status(status: str | None) -> str:
    """What to show for a cell without a usable number: ``—`` (unsupported), else the status.

    A cell measured as ``ok`` (or without a status) shows ``—`` too: what it is
    compared with is missing.
    """
    if status in (None, "", "ok"):
        return MISSING
    return _STATUS_TEXT.get(status, status)


def _paired_number(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_interval(low: float, high: float) -> str:
    """A ratio's 95% interval: ``[1.91, 2.30]``, ``[11.8, 13.0]``."""
    return f"[{_paired_number(low)}, {_paired_number(high)}]"


def fmt_paired(value: float, low: float, high: float) -> str:
    """A paired ratio with its 95% interval: ``2.14x [1.91, 2.30]``, ``12.3x [11.8, 13.0]``."""
    return f"{_paired_number(value)}x {fmt_interval(low, high)}"


def fmt_share(share: float) -> str:
    """A share of time: ``13%``, ``97%``, ``<1%``."""
    return "<1%" if share < 0.005 else f"{share:.0%}"


def fmt_bytes(size: float) -> str:
    """A size in bytes, decimal units: ``812 B``, ``2.8 kB``, ``16.1 MB``."""
    if size < 1000:
        return f"{size:,.0f} B"
    for unit in ("kB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            return f"{_three_digits(size)} {unit}"
    return f"{size:,.0f} GB"  # pragma: no cover - the loop always returns
