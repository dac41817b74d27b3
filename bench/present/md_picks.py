"""The "What to pick" section: renders ``jwtbench.analysis.decide.Decisions`` records.

Every decision (who wins, whether it is a tie, what caveats it carries) is made
in ``decide``; this module only chooses the words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jwtbench.analysis.decide import TIE, Decisions, Pick
from jwtbench.present.fmt import MISSING, fmt_ratio, md_escape
from jwtbench.present.md_base import md_table

#: Families of JWS algorithms, as the pick table names them.
FAMILIES = {
    "HS": "HMAC (HS*)",
    "RS": "RSA PKCS#1 v1.5 (RS*)",
    "PS": "RSA-PSS (PS*)",
    "ES": "ECDSA (ES*)",
    "EdDSA": "EdDSA (Ed25519)",
}
#: How a library is named (its display label).
Namer = Callable[[str], str]


def pick_text(pick: Pick, name: Namer) -> str:
    """``**a** (next: b, 1.4x)``, ``**a** ≈ b (1.0x)`` or ``**a** (only one)``; caveats after."""
    if pick.pick is None:
        return MISSING
    best = f"**{md_escape(name(pick.pick))}**"
    if not pick.runners_up or pick.gap is None:
        text = f"{best} (only one)"
    else:
        runner = md_escape(name(pick.runners_up[0].library))
        if pick.tie:
            text = f"{best} ≈ {runner} ({fmt_ratio(pick.gap)})"
        else:
            text = f"{best} (next: {runner}, {fmt_ratio(pick.gap)})"
    if pick.caveats:
        text += f" ⚠ {md_escape('; '.join(pick.caveats))}"
    return text


def _ranking(pick: Pick, name: Namer, algs: int) -> str:
    return " · ".join(
        f"{md_escape(name(s.library))} {fmt_ratio(s.score)}"
        + (f" ({s.count}/{algs} algs)" if s.count < algs else "")
        for s in pick.scores
    )


def _pick_table(decisions: Decisions, name: Namer, payloads: int) -> str:
    """One row per (op, key mode, payload), one column per algorithm family."""
    rows = []
    for row in decisions.rows:
        group = row.group
        payload = f", {group.payload}" if payloads > 1 else ""
        picks = [pick_text(p, name) for p in row.families]
        rows.append([f"{group.op}, {group.key_mode}{payload}", *picks, pick_text(row.common, name)])
    names = [md_escape(FAMILIES.get(fam, fam)) for fam in decisions.families]
    header = ["op, key mode", *names, "common algorithms"]
    return md_table(header, rows, numeric=False)


def caveat_text(decisions: Decisions) -> str:
    """The run's caveats, as a warning paragraph (empty without any)."""
    if not decisions.caveats:
        return ""
    said = "; ".join(decisions.caveats)
    return f"**⚠ Caveat**: {said[:1].upper()}{said[1:]}. Picks marked ⚠ rest on cells not run."


def tie_rule(decisions: Decisions) -> str:
    """How this run's ties were called: on paired intervals, or (unpaired) on a 10% gap."""
    if decisions.paired:
        return (
            "≈: a tie, the runner-up's 95% interval (geometric mean of its paired x over floor "
            "over the same cells) overlaps the pick's; *next*: faster beyond the interval"
        )
    return (
        f"≈: the runner-up is within {round((TIE - 1) * 100)}%, a tie; the ratios are "
        "unpaired, so a gap a little above that may be the machine"
    )


def jws_pick_section(decisions: Decisions, name: Namer, payloads: int) -> str:
    if not decisions.rows:
        return "## What to pick\n\nNo library was measured."
    parts = [
        "## What to pick",
        caveat_text(decisions),
        "Fastest library per algorithm family, computed from the tables above: the lowest "
        "geometric mean of *x slower than the fastest library* over the family's algorithms "
        f"({tie_rule(decisions)}). *Common algorithms*: "
        "over the algorithms every library has a number for, so a library is not favoured "
        "for skipping slow ones.",
        _pick_table(decisions, name, payloads),
        "Overall (geometric mean over the algorithms each library ran; lower is better):",
        "\n".join(
            f"- {p.group.title}: {_ranking(p, name, decisions.algs) or MISSING}"
            for p in decisions.overall
        ),
    ]
    if decisions.coverage:
        lines = [
            f"- {md_escape(name(c.library))}: no usable number at all (see *Cells without numbers*)"
            if len(c.missing) == decisions.algs
            else f"- {md_escape(name(c.library))} has no usable number for: {', '.join(c.missing)}"
            for c in decisions.coverage
        ]
        parts += ["Coverage:", "\n".join(lines)]
    if decisions.raw_costs:
        lines = [
            f"- {r.op}, {r.payload} payload: "
            + ", ".join(f"{fam} {fmt_ratio(c)}" for fam, c in r.costs)
            for r in decisions.raw_costs
        ]
        parts += [
            "Cost of parsing the key on every call, measured on the floor (raw / prepared "
            "median time, geometric mean per family, largest first):",
            "\n".join(lines),
        ]
    return "\n\n".join(part for part in parts if part)


def jwe_pick_text(picks: Sequence[Pick], name: Namer) -> str:
    if not picks:
        return ""
    lines = []
    for pick in picks:
        ranking = " · ".join(
            f"{md_escape(name(s.library))} {fmt_ratio(s.score)}" for s in pick.scores
        )
        lines.append(
            f"- {pick.group.title}: {pick_text(pick, name)} — over the {pick.common} "
            f"{pick.scope} every library measured ({ranking})"
        )
    intro = (
        "JWE and nested tokens: the lowest geometric mean of *x slower than the fastest "
        "library* over the (alg, enc) pairs (nested: the signature + JWE alg combinations) "
        "that every library with a number for the op measured:"
    )
    return intro + "\n\n" + "\n".join(lines)


def pick_section(decisions: Decisions, name: Namer, payloads: int, jws: bool) -> str:
    """What to pick: per JWS family, then a JWE line per op (empty if nothing was measured).

    ``jws``: whether the run has JWS cells at all (else the section is JWE only).
    """
    parts = [jws_pick_section(decisions, name, payloads)] if jws else []
    jwe_text = jwe_pick_text(decisions.jwe, name)
    if jwe_text:
        if not parts:
            caveat = caveat_text(decisions)
            jwe_text = "\n\n".join(p for p in ("## What to pick", caveat, jwe_text) if p)
        parts.append(jwe_text)
    return "\n\n".join(parts)
