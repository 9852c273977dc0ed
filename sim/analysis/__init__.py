"""Analysis layer: pure functions from the event log to tables, KPIs and statistics.

It imports nothing from the model or the experiment; the experiment layer
calls it inside each worker so that tables stream to disk replication by
replication.
"""
