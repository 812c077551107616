"""The load test's own logic: gates, statistics and metric parsing."""
