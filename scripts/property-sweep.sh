#!/usr/bin/env bash
# Runs the hostile-archive property test ROUNDS times on fresh random seeds (CI runs one fixed
# seed). A failure prints its seed: replay with ZBAK_PROPERTY_SEED=<seed minus the family's index>.
set -euo pipefail
rounds=${1:-5}
for ((r = 1; r <= rounds; r++)); do
  echo "== round $r/$rounds"
  ZBAK_PROPERTY_SEED=random npx vitest run test/property/hostile-archives.test.ts
done
