"""The report of an instruction-count run (``jwtbench run --timer instructions``).

Instructions per operation per library and algorithm, the share of them the
bare primitive takes (the ``limit`` adapter's count for the same cell over
the library's), how they were counted, and the caveat that valgrind's code
path is not the native one. Pure: the rows come from
``jwtbench.analysis.compare_counts.count_rows``.
"""

from __future__ import annotations

from jwtbench.analysis.compare_counts import count_rows
from jwtbench.model.results import Results
from jwtbench.present.compare import md_table
from jwtbench.present.compare_counts import format_count
from jwtbench.present.fmt import md_escape

CAVEAT = (
    "Counts are instructions executed under valgrind (callgrind), not time. valgrind's "
    "virtual CPU has no SHA-NI and no AVX-512, so OpenSSL takes another code path than on "
    "a native CPU that has them; `OPENSSL_ia32cap` is pinned to a mask that clears exactly "
    "those features (the same everywhere counts are made), so counts from different hosts "
    "and runs are comparable with each other, but a hash-heavy cell can be cheaper natively "
    "than its count suggests. Use counts to gate changes, wall-clock runs to rank speed."
)


def _how(results: Results) -> str:
    details = dict(results.record.timer.details or {})
    parts = [
        f"{k}: `{md_escape(str(details[k]))}`"
        for k in (
            "tool",
            "valgrind",
            "python",
            "openssl",
            "cryptography_openssl",
            "openssl_ia32cap",
            "pythonhashseed",
            "method",
        )
        if k in details
    ]
    return "Counted with " + "; ".join(parts) + "." if parts else ""


def render_instructions(results: Results) -> str:
    """The whole report of a counts file."""
    label = results.meta.get("label") or results.meta.get("profile") or "run"
    out = [f"# jwtbench instruction counts: {md_escape(str(label))}", ""]
    if results.path:
        out += [f"Results file: `{results.path.name}`", ""]
    out += [instructions_section(results)]
    failed = [c for c in results.cells if c["status"] != "ok"]
    if failed:
        out += ["", "## Cells without a count", ""]
        out += [
            f"- {md_escape(' '.join(str(v) for v in c['params'].values() if v))}: "
            f"{c['status']} ({md_escape(str(c.get('reason', '')))})"
            for c in failed
        ]
    return "\n".join(out) + "\n"


def instructions_section(results: Results) -> str:
    """Instructions per op per library and algorithm, with the share in the crypto."""
    rows = sorted(
        count_rows(results),
        key=lambda r: (r.params.get("alg", ""), r.params.get("op", ""), r.per_op),
    )
    header = ("library", "alg", "op", "key mode", "payload", "instructions/op", "in crypto")
    table = [
        [
            r.params.get("adapter", ""),
            r.params.get("alg", ""),
            r.params.get("op", ""),
            r.params.get("key_mode", ""),
            r.params.get("payload", ""),
            format_count(r.per_op),
            "-" if r.crypto_share is None else f"{r.crypto_share:.0%}",
        ]
        for r in rows
    ]
    text = [
        "## Instructions per operation",
        "",
        "Warm calls, set-up cancelled (N and 2N calls counted, subtracted). "
        "*In crypto*: the bare primitive's count for the same cell (the `limit` row) "
        "over the library's: the rest is JSON, base64, claims and the library's own "
        "code.",
        "",
        md_table(header, table, {5, 6}),
        "",
        f"> {CAVEAT}",
    ]
    how = _how(results)
    if how:
        text += ["", how]
    return "\n".join(text)
