"""The simulated users of the load test, by role (collected by ``loadtest/locustfile.py``)."""
