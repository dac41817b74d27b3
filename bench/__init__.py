"""jwtbench's measuring side: matrix, suites, runner, results, statistics, report."""
