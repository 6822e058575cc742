#!/usr/bin/env bash
# Runs the shared whole-process benchmarks (../shared/bench) against this project's guild.
# Usage: bench/run_bench.sh [SCENARIO...]   (scenarios: startup run pipeline batch listing; default: all)
# Results go to build/bench/<scenario>.txt; medians are printed at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
shared="$top/../shared/bench"
[ -d "$shared" ] || { echo "bench: $shared not found" >&2; exit 1; }
export GUILD_BIN="$top/.venv/bin/guild"
# Outside any git work tree, as in the reference figures (Guild probes git there).
export BENCH_TMP="${BENCH_TMP:-${TMPDIR:-/tmp}/guild-bench}"
out="$top/build/bench"
mkdir -p "$out"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(startup run pipeline batch listing)
for s in "${scenarios[@]}"; do
  echo "== $s" >&2
  "$top/.venv/bin/python" "$shared/bench_$s.py" > "$out/$s.txt"
  grep -E 'wall_median|overhead_median' "$out/$s.txt" || true
done
