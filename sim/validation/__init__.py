"""Validation of the model, as the page ``docs/validation.md``, from fresh runs.

``ihsim validation --out docs/validation.md`` (or ``python -m sim validation``)
runs every check and writes the page; nothing in it is typed by hand.  Each
module here runs one check and returns its numbers as DataFrames and
sentences; :mod:`sim.validation.page` puts them together.

- :mod:`~sim.validation.mmc`: the model reduced to M/M/c queues against Erlang C;
- :mod:`~sim.validation.little`: Little's law on every resource pool;
- :mod:`~sim.validation.replay`: a replay of the July 2025 index case;
- :mod:`~sim.validation.audit`: the baseline's decision-to-delivery intervals
  against published audits;
- :mod:`~sim.validation.soak`: ten simulated years at doubled demand.
"""
