"""The SimPy world: resources, processes and the event log.  No pandas, no files."""

from sim.model.run import ModelOutput, simulate

__all__ = ["ModelOutput", "simulate"]
