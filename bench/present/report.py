"""The report of one results file: ``report.md`` and its charts, side by side.

The one place the rest of the project gets the report from:
``write_report(results, out_dir)`` draws the charts (``jwtbench.present.charts``)
and writes the Markdown (``jwtbench.present.markdown``) that links them;
``render_markdown(results)`` is the pure text alone. This writer is the only
module that uses both renderers (they do not import each other).
"""

from __future__ import annotations

from pathlib import Path

from jwtbench.model.results import Results
from jwtbench.present.markdown import render_markdown
from jwtbench.present.md_instructions import render_instructions
from jwtbench.present.names import REPORT_NAME

__all__ = ["render_markdown", "write_report"]


def write_report(results: Results, out_dir: Path) -> Path:
    """Draw the charts and write ``out_dir/report.md``; return the report's path."""
    from jwtbench.present.charts import write_charts  # matplotlib is only needed here

    out_dir.mkdir(parents=True, exist_ok=True)
    if results.record.units.counts:  # instruction counts: their own section, no time charts
        return _written(out_dir / REPORT_NAME, render_instructions(results))
    charts = write_charts(results, out_dir)
    path = out_dir / REPORT_NAME
    path.write_text(render_markdown(results, charts), encoding="utf-8")
    return path


def _written(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
