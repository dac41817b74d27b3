"""The report's "share of time in crypto" section: 1 / x over limit, per library and (alg, op).

The limit is the bare primitive on the same signing input (``LimitAdapter``);
a cell's time over the limit's says how much of it the cryptography takes,
the rest being the library's own Python (JSON, base64, claims, key handling).
With paired ratios the share carries the flipped 95% interval of the paired
x over limit (``jwtbench.analysis.pairing.share_of``); an older file shows
the share of unpaired medians, without one.
"""

from __future__ import annotations

from jwtbench.analysis.intervals import Interval
from jwtbench.analysis.pairing import share_of
from jwtbench.analysis.views import FLOOR, LIMIT, Group, JwsCell, JwsView
from jwtbench.present.fmt import MISSING, fmt_share, fmt_status
from jwtbench.present.md_base import TIED, md_table, section, versioned

#: A cell measured faster than the bare primitive it calls (a share over 100%).
BELOW_LIMIT = "⚠ below the limit"
#: A compiled library faster than ``cryptography``'s primitive: it brings its own.
OWN_CRYPTO = "below the limit (own crypto)"


def share_text(view: JwsView, cell: JwsCell) -> str:
    """``30% [29, 31]`` (paired: percent, the 95% interval), ``30%`` (unpaired), or why none."""
    interval = view.over_limit_interval(cell)
    value = interval.value if interval else view.over_limit(cell)
    if value is None:
        return fmt_status(view.status(cell)) if view.row(cell) is None else MISSING
    mark = limit_mark(view, cell, interval, value)
    if mark:
        return mark
    if interval is None:
        return fmt_share(min(1 / value, 1.0))
    share = share_of(interval)
    low, high = (f"{min(100 * v, 100):.0f}" if v >= 0.005 else "<1" for v in share[1:3])
    if share.value > 1:  # within its interval of the limit: all of its time, as far as we can tell
        return f"{TIED} 100% [{low}, 100]"
    return f"{fmt_share(share.value)} [{low}, {high}]"


def limit_mark(view: JwsView, cell: JwsCell, interval: Interval | None, value: float) -> str:
    """Why a cell faster than the limit (beyond its interval) has no share; "" if it is not."""
    below = interval.high < 1 if interval is not None else value < 1
    if not below:
        return ""
    return BELOW_LIMIT if view.pure_python(cell.adapter) or cell.adapter == FLOOR else OWN_CRYPTO


def _share_table(view: JwsView, groups: list[Group]) -> str:
    adapters = [view.floor, *view.libraries]
    rows = []
    for group in groups:
        for alg in view.algs:
            if view.row(group.cell(LIMIT, alg)) is not None:
                rows.append(
                    [f"{alg} {group.op}"] + [share_text(view, group.cell(a, alg)) for a in adapters]
                )
    key_mode, payload = groups[0].key_mode, groups[0].payload
    header = ["alg op", *(versioned(view, a) for a in adapters)]
    return f"### {key_mode} key, {payload} payload: share in crypto\n\n" + md_table(header, rows)


def crypto_share_section(view: JwsView) -> str:
    """Per library and (alg, op): the share of its time spent in the crypto primitive."""
    with_limit = [g for g in view.groups if any(view.row(g.cell(LIMIT, a)) for a in view.algs)]
    if not with_limit:
        return ""
    by_keys: dict[tuple[str, str], list[Group]] = {}
    for group in with_limit:
        by_keys.setdefault((group.key_mode, group.payload), []).append(group)
    interval = (
        "paired: in brackets the 95% interval, from the paired x over limit's"
        if view.paired
        else "from unpaired medians, so without an interval"
    )
    intro = (
        "The share of each library's time spent in the crypto primitive itself (HMAC, RSA, "
        "ECDSA, EdDSA on the same signing input: the **limit**), 1 / x over limit "
        f"({interval}); the rest is the library's own Python: JSON, base64, claims, key "
        "handling. A low share means the library's overhead, not the algorithm, sets its "
        f"speed; a share near 100% means only a faster primitive would help. {BELOW_LIMIT}: "
        "measured faster than the bare primitive alone beyond the interval, which no code "
        f"calling it can be: a measurement artefact, not a result; {TIED} 100%: within its "
        "interval of the limit (shares are shown capped at 100%). Compiled libraries call "
        "their own primitives, not `cryptography`'s: their share is relative to "
        f"`cryptography`'s primitive, and *{OWN_CRYPTO}* is a real result (a faster "
        "primitive), not an artefact."
    )
    tables = [_share_table(view, groups) for groups in by_keys.values()]
    return section("## Share of time in crypto", intro, "", tables)
