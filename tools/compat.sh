#!/usr/bin/env bash
# Guild AI's own CLI test documents (../shared/compat) against this guild: prints the per-document
# table as a report, and fails only when the total of passing examples falls below the last total
# kept in tools/compat-total.txt (raise that number when the total goes up).
# Skipped, with a note, when the documents are not beside this checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
compat="$root/../shared/compat/run.sh"
if [ ! -x "$compat" ] && [ ! -f "$compat" ]; then
  echo "compat: $compat not found - skipping Guild's test documents"
  exit 0
fi
out=$(mktemp); trap 'rm -f "$out"' EXIT
PATH="$root/.venv/bin:$PATH" bash "$compat" 2>/dev/null | tee "$out"
total=$(sed -n 's/^\([0-9][0-9]*\) passed, .*(reference: .*/\1/p' "$out" | tail -1)
kept=$(tr -dc '0-9' < "$root/tools/compat-total.txt")
if [ -z "$total" ]; then
  echo "compat: no total in the report" >&2
  exit 1
fi
if [ "$total" -lt "$kept" ]; then
  echo "compat: $total examples pass, fewer than the $kept kept in tools/compat-total.txt" >&2
  exit 1
fi
echo "compat: $total examples pass (kept total: $kept)"
