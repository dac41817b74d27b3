"""File names the report writer, the Markdown and the charts agree on.

The charts name their PNG files with these prefixes and the Markdown places
each chart by its prefix; both import the names from here, not from each other.
"""

from __future__ import annotations

REPORT_NAME = "report.md"
CHART_THROUGHPUT = "throughput"
CHART_TOKEN_SIZE = "token_size"
CHART_OVER_FLOOR = "over_floor"
CHART_JWE_THROUGHPUT = "jwe_throughput"
CHART_JWE_COST = "jwe_cost"
CHART_JWE_TOKEN_SIZE = "jwe_token_size"
CHART_COST = "library_cost"
