"""PNG charts of one results file (matplotlib, Agg backend: no display needed).

Every public function takes the ``Results`` and an output folder and returns the
PNG paths it wrote; the charts read the view model (``jwtbench.analysis.views``),
never the Markdown. Each library has one colour in every chart, the one its
results entry records. ``jws`` draws the JWS charts, ``jwe`` the JWE ones.
"""

from __future__ import annotations

from pathlib import Path

from jwtbench.model.results import Results
from jwtbench.present.charts.common import SPARE_COLOURS, adapter_colour
from jwtbench.present.charts.cost import cost_chart
from jwtbench.present.charts.jwe import (
    MAX_PAIRS,
    jwe_cost_charts,
    jwe_throughput_charts,
    jwe_token_size_charts,
    pair_chunks,
)
from jwtbench.present.charts.jws import over_floor_charts, throughput_charts, token_size_chart

__all__ = [
    "MAX_PAIRS",
    "SPARE_COLOURS",
    "adapter_colour",
    "pair_chunks",
    "write_charts",
]


def write_charts(results: Results, out_dir: Path) -> list[Path]:
    """Every chart of the report, in the order the report shows them."""
    return [
        *throughput_charts(results, out_dir),
        *token_size_chart(results, out_dir),
        *over_floor_charts(results, out_dir),
        *jwe_throughput_charts(results, out_dir),
        *jwe_cost_charts(results, out_dir),
        *jwe_token_size_charts(results, out_dir),
        *cost_chart(results, out_dir),
    ]
