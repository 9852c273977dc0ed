#!/bin/bash
# Wall time of the README's quick-start run for two source trees, run in turn (docs/performance.md).
#
# Usage:
#     git worktree add --detach /tmp/ihsim-before <commit>
#     scripts/quick_start_pairs.sh /tmp/ihsim-before . [pairs]
#
# Each pair runs `python -m sim run scenarios/baseline.yaml --workers 2 --force` once with the first
# tree on PYTHONPATH, then once with the second (default 5 pairs), into a scratch folder, and prints the
# wall seconds and the peak resident set size of the largest process (/usr/bin/time).  Uses the python
# of $PYTHON (default: .venv/bin/python of the working folder).
set -euo pipefail
A=$(realpath "$1"); B=$(realpath "$2"); N=${3:-5}
PY=$(realpath -s "${PYTHON:-.venv/bin/python}")  # -s: a venv's python is a link; following it loses the venv
OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT
for i in $(seq "$N"); do
  for T in "$A" "$B"; do
    start=$(date +%s.%N)
    if ! (cd "$T" && PYTHONPATH="$T" /usr/bin/time -f "%M" -o "$OUT/mem" "$PY" -m sim run scenarios/baseline.yaml \
      --workers 2 --force --out "$OUT/run" > /dev/null 2> "$OUT/err"); then
      echo "error: the run with $T failed:" >&2; tail -5 "$OUT/err" >&2; exit 1
    fi
    end=$(date +%s.%N)
    printf '%s\t%.1f s\tpeak %d MiB\n' "$T" "$(echo "$end - $start" | bc)" "$(( $(cat "$OUT/mem") / 1024 ))"
  done
done
