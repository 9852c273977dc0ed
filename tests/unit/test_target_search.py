"""The target solver's search and parsing, on evaluators with a known answer."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.experiment.target import Goal, Lever, Trial, parse_goal, parse_lever, search


def _evaluator(estimate, half_width, goal):
    calls = []

    def evaluate(value):
        calls.append(value)
        m = estimate(value)
        return Trial(value, 1, 10, m, m - half_width, m + half_width, goal.holds(m - half_width, m + half_width))

    return evaluate, calls


def test_integer_lever_gives_the_smallest_value_that_holds():
    goal = parse_goal("ddi_within_target_pct >= 90")
    evaluate, calls = _evaluator(lambda v: 60 + 10 * v, 2.0, goal)  # ci_low = 58 + 10 v >= 90 from v = 4
    answer, how = search(Lever("k", 1, 10, True, 1), evaluate)
    assert answer == 4
    assert how.startswith("smallest")
    assert len(set(calls)) <= 2 + 4  # both ends plus log2(9) bisection steps


def test_continuous_lever_where_less_is_better_gives_the_largest_value():
    goal = parse_goal("decision_to_team_on_site_min <= 60")
    evaluate, _ = _evaluator(lambda v: 30 + v, 1.5, goal)  # ci_high = 31.5 + v <= 60 up to v = 28.5
    answer, how = search(Lever("shift", 0, 60, False, 0.1), evaluate)
    assert answer == pytest.approx(28.5, abs=0.1)
    assert answer <= 28.5
    assert how.startswith("largest")


def test_goal_that_holds_nowhere_has_no_answer():
    goal = parse_goal("x_pct > 100")
    evaluate, _ = _evaluator(lambda v: 50.0, 1.0, goal)
    assert search(Lever("k", 0, 5, True, 1), evaluate)[0] is None


def test_goal_holds_only_when_the_whole_interval_is_on_its_side():
    goal = Goal("x", ">=", 90)
    assert goal.holds(90.0, 95.0)
    assert not goal.holds(89.9, 99.0)
    assert Goal("x", "<", 10).holds(5.0, 9.9)
    assert not Goal("x", "<", 10).holds(5.0, 10.0)
    assert not goal.holds(float("nan"), float("nan"))


@pytest.mark.parametrize("text", ["ddi >= ", "90 >= ddi", "ddi => 90", "ddi == 90", ""])
def test_bad_goals_are_refused(text):
    with pytest.raises(InputError, match="--goal"):
        parse_goal(text)


def test_range_parsing_and_integer_detection():
    assert parse_lever("a", "1..4", 1, None).integer
    assert not parse_lever("a", "1..4", 1.0, None).integer
    assert not parse_lever("a", "0.5..4", 1, None).integer
    for bad in ("4..1", "1-4", "a..b", "3..3"):
        with pytest.raises(InputError, match="--range"):
            parse_lever("a", bad, 1, None)
    with pytest.raises(InputError, match="not a number"):
        parse_lever("a", "1..2", {"dist": "fixed"}, None)


def test_a_zero_width_interval_never_holds_with_95_percent_confidence():
    """Every replication gave 100%: the t interval is 100 to 100, which measures nothing."""
    from sim.experiment.target import Lever, Outcome, format_outcome

    goal = Goal("ddi_within_target_pct", ">=", 90)
    assert not goal.holds(100.0, 100.0)
    assert not Goal("call_ins", "<=", 5).holds(3.0, 3.0)
    assert goal.holds(95.0, 100.0)
    trial = Trial(1, 1, 3, 100.0, 100.0, 100.0, goal.holds(100.0, 100.0))
    lines = format_outcome(Outcome(goal, Lever("team.ambulances", 1, 2, True, 1), None, "the goal holds at neither "
                                   "end of the range", [trial]))
    assert any("no (zero-width interval" in line for line in lines)


def test_two_of_two_cases_within_target_do_not_make_a_90_percent_goal_hold():
    """The summary's interval for 2 of 2 within target is 15.8 to 100 (Clopper-Pearson), not 100 to 100."""
    import pandas as pd

    from sim.analysis.stats import summarise
    from sim.experiment.target import trial_from_summary

    reps = pd.DataFrame({"replication": [0, 1, 2], "ddi_within_target_pct": [100.0, 100.0, float("nan")]})
    summary = summarise(reps, shares={"ddi_within_target_pct": (2, 2)})
    trial = trial_from_summary(Goal("ddi_within_target_pct", ">=", 90), 1, 1, summary)
    assert not trial.holds
    assert trial.ci_low == pytest.approx(100 * 0.025 ** 0.5)
