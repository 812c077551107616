"""The release load test (Locust): seed, serve, run, judge. See loadtest/README.md."""
