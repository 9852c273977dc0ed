"""Would compiling the model core meet ``cost_ratio`` <= 1.5?  A trial with mypyc.

Usage::

    python scripts/compiled_model_trial.py [--rounds 3] [--pairs 5]

Copies ``sim/`` and ``scenarios/`` to a temporary folder, compiles the model
(``sim/model`` and ``sim/model/processes``, all but ``context.py``, whose
dataclass needs its annotations at run time, and the ``__init__`` files) with
mypyc, and then, ``--rounds`` times in turn, measures the stress scenario's
``cost_ratio`` and ``work_ratio`` as ``ihsim bench`` does (``--pairs`` model
and reference runs, one of each in turn; the medians) with the pure-Python
model and with the compiled one, each in a fresh interpreter.  Checks first
that the compiled model writes the same event log as the pure one.

Needs mypy (a development dependency, which ships mypyc) and a C compiler;
nothing is installed and the repository is not changed.  The two edits the
compiler needs (an ``int`` rank stored in a ``float`` variable in
``Waiters``) are made in the copy only.  docs/performance.md quotes the
figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_COMPILED = {"__init__.py", "context.py"}
EDITS = [  # (file, text, replacement): int ranks held in float variables, which mypyc stores unboxed
    ("sim/model/resources.py", "first = ranks[i]", "first = float(ranks[i])"),
    ("sim/model/resources.py", "found = ranks[lo]", "found = float(ranks[lo])"),
]
MEASURE = """
import statistics, sys
from sim.bench.core import count_stress, default_scenario, interleaved
from sim.scenario.load import load_scenario
import sim.model.resources as r
scenario = load_scenario(default_scenario("stress.yaml"))
work, _ = count_stress(scenario)
model, ref = interleaved(scenario, work, int(sys.argv[1]))
cost = statistics.median(m.us_per_event / f.us_per_event for m, f in zip(model, ref))
ratio = statistics.median(m.seconds / f.seconds for m, f in zip(model, ref))
print(cost, ratio, statistics.median(m.us_per_event for m in model), r.__file__.endswith(".so"))
"""
LOG = """
import hashlib, sys
from sim.bench.core import default_scenario
from sim.model import simulate
from sim.scenario.load import load_scenario
rows = simulate(load_scenario(default_scenario("stress.yaml")), 20250708, 0).rows
print(hashlib.sha256(repr(rows).encode()).hexdigest())
"""


def compiled_copy(folder: Path) -> None:
    """``sim/`` and ``scenarios/`` copied to ``folder``, the model compiled there in place."""
    shutil.copytree(ROOT / "sim", folder / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scenarios", folder / "scenarios")
    for name, old, new in EDITS:
        path = folder / name
        text = path.read_text()
        if text.count(old) != 1:
            sys.exit(f"{name}: expected one {old!r} to edit for the compiler, found {text.count(old)}")
        path.write_text(text.replace(old, new))
    model = folder / "sim" / "model"
    files = sorted(str(p.relative_to(folder)) for p in [*model.glob("*.py"), *model.glob("processes/*.py")]
                   if p.name not in NOT_COMPILED)
    subprocess.run([sys.executable, "-m", "mypyc", "--ignore-missing-imports", *files], cwd=folder, check=True,
                   stdout=subprocess.DEVNULL)


def run(code: str, path: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=path, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        sys.exit("no C compiler on PATH: mypyc needs one")
    with tempfile.TemporaryDirectory(prefix="ihsim-mypyc-") as tmp:
        folder = Path(tmp)
        print("compiling the model with mypyc ...", flush=True)
        compiled_copy(folder)
        same = run(LOG, ROOT) == run(LOG, folder)
        print(f"event log of the compiled model is the same as the pure one's: {same}")
        results: dict[str, list[tuple[float, ...]]] = {"pure Python": [], "compiled": []}
        for i in range(args.rounds):
            for label, path in (("pure Python", ROOT), ("compiled", folder)):
                cost, work, us, native = run(MEASURE, path, str(args.pairs)).split()
                assert (native == "True") == (label == "compiled"), f"{label}: wrong model imported"
                results[label].append((float(cost), float(work), float(us)))
                print(f"round {i + 1} {label:12s} cost_ratio {float(cost):.3f}  work_ratio {float(work):.3f}  "
                      f"model {float(us):.2f} us/event", flush=True)
        for label, rows in results.items():
            print(f"{label:12s} median of rounds: cost_ratio {statistics.median(r[0] for r in rows):.3f}, "
                  f"work_ratio {statistics.median(r[1] for r in rows):.3f}")


if __name__ == "__main__":
    main()
