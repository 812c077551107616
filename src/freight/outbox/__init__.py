"""The outbox: committed events become jobs that a worker runs at least once.

The event log is the outbox. Each job kind (webhook deliveries now, mail later) keeps a
cursor over the events (``cursor.py``) and expands the ones it cares about into job rows
whose id is derived from the event, the kind and the target, inserted idempotently
(``jobs.py``). Workers claim due jobs under a lease, run them outside any transaction and
settle them fenced by the attempt they claimed (``worker.py``): a worker killed mid-job
leaves the job to be claimed again when its lease ends, with the same id.
"""
