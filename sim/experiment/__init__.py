"""Experiment layer: replications on local or Dask workers, comparisons and sweeps."""

from sim.experiment.runner import BatchResult, replication_tables, run_replications

__all__ = ["BatchResult", "replication_tables", "run_replications"]
