"""Scenario layer: the schema, distributions as data, and the file loader."""

from sim.scenario.load import ScenarioError, load_scenario, scenario_dict, scenario_hash
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "scenario_dict", "scenario_hash"]
