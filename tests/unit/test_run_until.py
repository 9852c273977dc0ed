"""The stepping loop: exactly the events due before the horizon are processed, and counted."""

from __future__ import annotations

import simpy

from sim.model.run import run_until


def walker(env: simpy.Environment, seen: list[float]):
    for gap in (1, 1, 3, 2):  # timeouts due at 1, 2, 5 and 7
        yield env.timeout(gap)
        seen.append(env.now)


def test_events_due_at_the_horizon_are_not_processed():
    env, seen = simpy.Environment(), []
    env.process(walker(env, seen))
    # Processed before 5: the process's start (t = 0) and the timeouts due at 1 and 2.
    assert run_until(env, 5) == 3
    assert seen == [1, 2]


def test_count_matches_a_peek_then_step_loop():
    def world() -> tuple[simpy.Environment, list[float]]:
        env, seen = simpy.Environment(), []
        for _ in range(3):
            env.process(walker(env, seen))
        return env, seen

    env, seen = world()
    steps = 0
    while env.peek() < 6:
        env.step()
        steps += 1
    env2, seen2 = world()
    # Three starts and three timeouts each at 1, 2 and 5: 12 events before 6.
    assert run_until(env2, 6) == steps == 12
    assert seen2 == seen
