"""Check that two source trees of ihsim write the same event logs (for performance work).

Usage::

    git worktree add /tmp/ihsim-before <commit>      # or any copy of the old tree
    python scripts/same_event_logs.py /tmp/ihsim-before . [scenario.yaml ...]

Each tree runs in its own interpreter (``PYTHONPATH=<tree>``) on the same
scenarios, seed and replications (default: the stress scenario, replications
0 and 1, and the baseline, replications 0 to 2), and prints a digest of every
replication's event rows and SimPy event count.  Exit code 0 when every
digest matches, 1 otherwise.  Scenario files are read from the newer tree.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SEED = 11
DEFAULT = {"stress.yaml": 2, "baseline.yaml": 3}
DIGEST = r"""
import hashlib, json, math, sys
from sim.scenario import load_scenario
from sim.model import simulate
out = {}
for path, reps in json.loads(sys.argv[1]).items():
    scenario = load_scenario(path)
    for rep in range(reps):
        run = simulate(scenario, %d, rep)
        rows = [tuple("nan" if isinstance(x, float) and math.isnan(x) else x for x in r) for r in run.rows]
        out[f"{path}#{rep}"] = [hashlib.sha256(repr(rows).encode()).hexdigest()[:16], len(rows), run.sim_events]
print(json.dumps(out))
""".replace("%d", str(SEED))


def digests(tree: Path, plan: dict[str, int]) -> dict[str, list]:
    tree = tree.resolve()  # run inside the tree: ``python -c`` puts the working directory first on sys.path
    done = subprocess.run([sys.executable, "-c", DIGEST, json.dumps(plan)], env={"PYTHONPATH": str(tree)}, cwd=tree,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    old, new, *names = argv
    scenarios = Path(new).resolve() / "scenarios"
    plan = {str(scenarios / n): 1 for n in names} if names else {str(scenarios / n): r for n, r in DEFAULT.items()}
    before, after = digests(Path(old), plan), digests(Path(new), plan)
    same = True
    for key in plan_keys(plan):
        match = before[key] == after[key]
        same &= match
        verdict = "same     " if match else "DIFFERENT"
        print(f"{verdict} {Path(key).name}: rows/events {before[key][1:]} -> {after[key][1:]}")
    return 0 if same else 1


def plan_keys(plan: dict[str, int]) -> list[str]:
    return [f"{path}#{rep}" for path, reps in plan.items() for rep in range(reps)]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
