"""Outcome proxies: expected numbers of adverse outcomes from what the model knows about each birth.

Each proxy (:class:`sim.scenario.economics.OutcomeProxy`, scenario data with
its source) names the babies it concerns (delivered in a case of given
types, final urgencies and gestation), their risk ``p0``, and optionally an
exposure: a case interval above a threshold, with the odds ratio the source
reports for it.  An exposed baby's risk is the one whose odds are
``OR`` times those of ``p0``::

    p1 = p0 * OR / (1 - p0 + p0 * OR)

Per replication, with ``years`` the observed span in years:

- ``outcome_<name>_per_year``: the expected number of babies with the outcome,
  ``sum(p) / years`` over the babies counted;
- ``outcome_<name>_excess_per_year``: the part due to exposure,
  ``sum(p1 - p0) / years`` over the exposed, and ``..._low`` / ``..._high`` the
  same at the two ends of the odds ratio's 95% interval (the source's
  uncertainty; the replications' spread is in each KPI's own interval);
- ``outcome_<name>_exposed_pct``: the share of the babies counted who were
  exposed (a mean over cases, 100 or 0 each).

These are proxies: associations from other populations, applied as if the
model's cases were like the source's; they rank scenarios, they do not
predict what happens to a patient.
"""

from __future__ import annotations

import pandas as pd

from sim.scenario.economics import OutcomeProxy


def risk_with_odds_ratio(p0: float, odds_ratio: float) -> float:
    """The risk whose odds are ``odds_ratio`` times the odds of risk ``p0`` (0 < p0 < 1)."""
    return p0 * odds_ratio / (1.0 - p0 + p0 * odds_ratio)


def counted(cases: pd.DataFrame, proxy: OutcomeProxy) -> pd.DataFrame:
    """The rows of ``cases`` whose babies ``proxy`` concerns: delivered, of its case types, final
    urgencies and gestation band."""
    keep = cases["delivery_min"].notna() & cases["case_type"].isin(proxy.case_types)
    if proxy.urgencies is not None:
        keep &= cases["urgency"].isin(proxy.urgencies)
    if proxy.gestation_weeks is not None:
        low, below = proxy.gestation_weeks
        keep &= (cases["gestation_weeks"] >= low) & (cases["gestation_weeks"] < below)
    return cases[keep.fillna(False).astype(bool)]


def exposed(babies: pd.DataFrame, proxy: OutcomeProxy) -> pd.Series:
    """True for each baby of ``babies`` whose case interval is above the proxy's threshold (False when the
    proxy has no exposure, or the interval is empty)."""
    if proxy.exposure is None:
        return pd.Series(False, index=babies.index)
    values = babies[proxy.exposure.interval]
    return (values > proxy.exposure.above_min).fillna(False).astype(bool)


def outcome_values(cases: pd.DataFrame, proxies: list[OutcomeProxy]) -> dict[str, pd.Series]:
    """Per-case values of each proxy with an exposure: ``outcome_<name>_exposed_pct`` -> 100 or 0 per baby
    counted (``cases``: the cases the KPIs count, one replication or several)."""
    out = {}
    for proxy in proxies:
        if proxy.exposure is not None:
            babies = counted(cases, proxy)
            out[f"outcome_{proxy.name}_exposed_pct"] = exposed(babies, proxy).astype("float64") * 100.0
    return out


def outcome_kpis(cases: pd.DataFrame, proxies: list[OutcomeProxy], years: float) -> dict[str, float]:
    """The per-year outcome KPIs of one replication (see the module's docstring); ``cases`` are the cases
    created after the warm-up, ``years`` the observed span."""
    out: dict[str, float] = {}
    for proxy in proxies:
        babies = counted(cases, proxy)
        hit = exposed(babies, proxy)
        p0, n_exposed = proxy.risk, int(hit.sum())
        excess = {"": 0.0, "_low": 0.0, "_high": 0.0}
        if proxy.exposure is not None:
            low, high = proxy.exposure.odds_ratio_ci
            for suffix, ratio in (("", proxy.exposure.odds_ratio), ("_low", low), ("_high", high)):
                excess[suffix] = n_exposed * (risk_with_odds_ratio(p0, ratio) - p0)
        out[f"outcome_{proxy.name}_per_year"] = (len(babies) * p0 + excess[""]) / years
        if proxy.exposure is not None:
            for suffix, value in excess.items():
                out[f"outcome_{proxy.name}_excess_per_year{suffix}"] = value / years
    return out


def outcome_kpi_names(proxies: list[OutcomeProxy]) -> set[str]:
    """Every KPI name the proxies give (for checking a name a user types)."""
    names = set()
    for proxy in proxies:
        names.add(f"outcome_{proxy.name}_per_year")
        if proxy.exposure is not None:
            names.add(f"outcome_{proxy.name}_exposed_pct")
            names |= {f"outcome_{proxy.name}_excess_per_year{s}" for s in ("", "_low", "_high")}
    return names
