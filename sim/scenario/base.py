"""The base of every scenario model (its own module so that sections kept apart, such as
:mod:`sim.scenario.economics`, share it without importing the whole schema)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Base of every scenario model: unknown keys refused, immutable, strict types.

    Strict: text is never read as a number ("6"), nor a boolean as a count
    (``true`` is not 1), nor a fraction as a whole number; infinities and NaN
    are refused.  Lists stand for the two tuple fields, as YAML has no tuples.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True, allow_inf_nan=False)
