"""Load the matrix plugin for plain ``pytest`` runs (tests and benchmark suites)."""

pytest_plugins = ["jwtbench.measure.plugin"]
