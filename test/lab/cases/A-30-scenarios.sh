#!/bin/bash
# lab: full suite only (the fake zfs against real zfs, scenario by scenario: fidelity, not a journey)
# The ZFS scenario list (fakezfs/scenarios.ts) run against REAL zfs. Each scenario
# encodes its expected end (success or the exact refusal); test.sh runs the same
# list on the host against the fake zfs and checks both end the same.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
R=/mnt/zbak/dist/fakezfs/run-scenarios.js
[ -f "$R" ] || { skip "pending: dist/fakezfs/run-scenarios.js not built"; exit 0; }
out=$(cd /tmp && timeout 3600 node "$R" --pool zones --json "$FIX/scenarios-real.json" 2>&1)
rc=$?
printf '%s\n' "$out" >"$STATE/scenarios-real.txt"
# One PASS/FAIL line per scenario ("ok  N name (ms)" / "FAIL N name" + detail lines).
while IFS= read -r line; do
  case $line in
    "ok  "*) pass "real zfs: scenario ${line#ok  }" ;;
    "FAIL "*) fail "real zfs: scenario ${line#FAIL }" ;;
    "    "*) echo "$line" ;;
  esac
done <<<"$out"
grep -qE '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" || fail "scenario runner did not finish (rc=$rc): $(tail -n 3 <<<"$out")"
exit 0
