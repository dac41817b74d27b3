"""Export one results file for other tools: CSV, or github-action-benchmark's JSON.

* ``csv``: one row per matrix cell (``jwtbench.cells``, every status), so a
  spreadsheet sees the unsupported and failed cells with their reasons, not
  only the timed ones. Numbers are filled for ``ok`` cells only: a timed row
  of a cell that failed a check after timing is not a usable number.
* ``github-action-benchmark``: its ``customBiggerIsBetter`` list (ops/s per
  ``ok`` cell) with a stable, readable name per cell, so the action's
  history charts line up across runs.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from jwtbench.analysis.compare import measured_rows
from jwtbench.analysis.stats import summarize
from jwtbench.model.cell import CellKey, cell_key, cell_label
from jwtbench.model.results import Results, Row
from jwtbench.present.fmt import format_seconds

FORMATS = ("csv", "github-action-benchmark")
CSV_COLUMNS = (
    "adapter", "alg", "enc", "sig_alg", "op", "key_mode", "payload",
    "status", "reason", "median_s", "ops_per_s", "rounds", "token_bytes", "library_version",
)  # fmt: skip


def _library_version(results: Results, adapter: str, row: Row | None) -> str:
    """The row's recorded library version, else the adapter's (cells without a row)."""
    if row is not None and row.extra_info.get("library_version"):
        return str(row.extra_info["library_version"])
    info = results.meta.get("adapters", {}).get(adapter, {})
    return str(info.get("version") or "") if isinstance(info, dict) else ""


def _cells(results: Results) -> list[tuple[dict[str, str], str, str]]:
    """(params, status, reason) for every cell; timed rows missing from the list are ``ok``."""
    out = [
        (
            {str(k): str(v) for k, v in c["params"].items()},
            str(c["status"]),
            str(c.get("reason", "")),
        )
        for c in results.cells
    ]
    listed = {cell_key(params) for params, _, _ in out}
    out += [(dict(r.params), "ok", "") for r in results.rows() if cell_key(r.params) not in listed]
    return out


def to_csv(results: Results) -> str:
    """CSV text: one row per matrix cell, every status, numbers for ``ok`` cells."""
    measured = measured_rows(results)
    rows: dict[CellKey, Row] = {cell_key(r.params): r for r in results.rows()}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for params, status, reason in _cells(results):
        key = cell_key(params)
        row = measured.get(key)
        record: dict[str, Any] = {name: params.get(name, "") for name in CSV_COLUMNS[:7]}
        record |= {
            "status": status,
            "reason": reason,
            "median_s": repr(row.median) if row else "",
            "ops_per_s": f"{row.ops:.2f}" if row else "",
            "rounds": row.rounds if row else "",
            "token_bytes": row.token_bytes if row and row.token_bytes is not None else "",
            "library_version": _library_version(results, params.get("adapter", ""), rows.get(key)),
        }
        writer.writerow(record)
    return buffer.getvalue()


def benchmark_name(params: dict[str, str]) -> str:
    """The github-action-benchmark name of a cell: ``pyjwt HS256 sign (prepared, small)``."""
    label = cell_label({k: v for k, v in params.items() if k not in ("key_mode", "payload")})
    return f"{label} ({params.get('key_mode', '?')}, {params.get('payload', '?')})"


def _ops_range(row: Row) -> str:
    """Half the interquartile range of the per-round throughput, as ``± 1,234``."""
    quartiles = summarize(row.data)
    q1, q3 = float(quartiles["q1"]), float(quartiles["q3"])
    if math.isnan(q1) or not (q1 > 0 and q3 > 0):
        return ""
    half = (1 / q1 - 1 / q3) / 2
    return f"± {half:,.1f} (IQR/2)"


def to_github_action_benchmark(results: Results) -> list[dict[str, Any]]:
    """The ``customBiggerIsBetter`` entries: ops/s of every ``ok`` cell."""
    out = []
    for row in measured_rows(results).values():
        token = f"; token {row.token_bytes} B" if row.token_bytes is not None else ""
        version = row.extra_info.get("library_version")
        library = f"{row.extra_info.get('library', row.params.get('adapter'))} {version}"
        out.append(
            {
                "name": benchmark_name(row.params),
                "unit": "ops/s",
                "value": round(row.ops, 3),
                "range": _ops_range(row),
                "extra": f"median {format_seconds(row.median)}; {row.rounds} rounds{token}; "
                f"{library}",
            }
        )
    return out


def export(results: Results, fmt: str) -> str:
    """``results`` as text in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "csv":
        return to_csv(results)
    if fmt == "github-action-benchmark":
        return json.dumps(to_github_action_benchmark(results), indent=1, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
