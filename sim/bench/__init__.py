"""The performance benchmark behind ``ihsim bench`` (see :mod:`sim.bench.core`)."""

from sim.bench.core import BenchResult, default_scenario, format_result, run_bench

__all__ = ["BenchResult", "default_scenario", "format_result", "run_bench"]
