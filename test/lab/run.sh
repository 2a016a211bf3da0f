#!/bin/bash
# Runs in the guest: every case test/lab/cases/<PHASE>-*.sh in name order.
# PHASE A = host A (first boot), B = host B (second boot, own empty pool).
set -uo pipefail
PHASE=${1:?usage: run.sh A|B}
cd "$(dirname "$0")"
export LAB_STATE=/mnt/scratch/state LAB_FIXTURES=/mnt/scratch/fixtures
export LAB_FULL=${LAB_FULL:-0}     # 1: the full fault matrix and hostile sample (test:lab:full)
ONLY=${LAB_ONLY:-}                 # e.g. A-20,A-90: only these cases
mkdir -p "$LAB_STATE" "$LAB_FIXTURES"
for c in cases/"$PHASE"-*.sh; do
  name=$(basename "$c" .sh); t0=$SECONDS
  if [ -n "$ONLY" ] && ! grep -qE "(^|,)${name:0:4}(,|$)" <<<"$ONLY"; then continue; fi
  # A case marked "# lab: full suite only" is left out of CI's representative subset.
  if [ "$LAB_FULL" != 1 ] && grep -q '^# lab: full suite only' "$c"; then echo "--- $name: full suite only (npm run test:lab:full)"; continue; fi
  echo "=== $name"
  CASE=$name bash "$c"; rc=$?
  [ $rc -eq 0 ] || echo "FAIL $name: case script exited with rc=$rc"
  echo "--- $name $((SECONDS - t0)) s"
done
