#!/usr/bin/env bash
# npm run test:lab — the lab suite on real OpenZFS:
#   build the image if it is not cached, boot host A, run cases A-*;
#   boot host B (fresh boot, own empty pool), run cases B-*;
#   with both up, run the host-side cases test/lab/host-cases/P-* (a pipe from A to B
#   through the lab's ssh); stop both. Without P cases each VM stops after its phase.
# Prints PASS/FAIL/SKIP lines and ends with exactly "N passed, M failed".
#   ZBAK_LAB_RECORD=1  copy the recorded real outputs into fixtures/lab/
#   ZBAK_LAB_STRICT=1  count SKIP (pending) cases as failures
#   ZBAK_LAB_BUNDLE=0  run dist/ unbundled in the guest (default: esbuild bundles)
#   ZBAK_LAB_FULL=1    the full suite (npm run test:lab:full): the whole fault matrix and
#                      hostile-archive sample instead of CI's representative subset
#   ZBAK_LAB_FAULT_POINTS="save:P restore:P force:P"  the fault matrix's points (A-90)
#   ZBAK_LAB_COPY_KINDS="lx70"  A-70's kinds to run (default all; see the case)
#   ZBAK_LAB_ONLY=A-20,A-90  only the cases whose names start so (a case may need an
#                      earlier one's state: A-20 makes the zones and archives)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
T0=$SECONDS
RESULTS=$LAB_DIR/results.txt
export ZBAK_LAB_SCRATCH=$LAB_DIR/scratch
mkdir -p "$LAB_DIR"; : >"$RESULTS"

bash "$here/build.sh"
T_BUILD=$((SECONDS - T0))
rm -rf "$ZBAK_LAB_SCRATCH"; mkdir -p "$ZBAK_LAB_SCRATCH"

# zbak and the personality run from esbuild bundles of dist/ in the guest
# (bundle.sh; ZBAK_LAB_BUNDLE=0 runs dist/ unbundled).
source "$here/bundle.sh"
lab_bundle "$ZBAK_LAB_SCRATCH/bundle"
trap 'bash "$here/vm.sh" stop hosta; bash "$here/vm.sh" stop hostb' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM   # so the EXIT trap runs on signals too
export ZBAK_LAB_OWNER_PID=$$               # vm.sh's watchdog kills qemu if we die hard

# wanted PHASE: whether ZBAK_LAB_ONLY (if set) names a case of PHASE.
wanted() { [ -z "${ZBAK_LAB_ONLY:-}" ] || grep -q "$1-" <<<"$ZBAK_LAB_ONLY"; }
# The host-side cases this run has (full-suite-only ones left out of CI's subset).
host_cases=()
if wanted P; then
  for c in "$REPO"/test/lab/host-cases/P-*.sh; do
    [ -f "$c" ] || continue
    name=$(basename "$c" .sh)
    if [ -n "${ZBAK_LAB_ONLY:-}" ] && ! grep -qE "(^|,)${name:0:4}(,|$)" <<<"$ZBAK_LAB_ONLY"; then continue; fi
    if [ "${ZBAK_LAB_FULL:-0}" != 1 ] && grep -q '^# lab: full suite only' "$c"; then echo "--- $name: full suite only (npm run test:lab:full)"; continue; fi
    host_cases+=("$c")
  done
fi
keep_up=${host_cases[0]:+1}

# phase VM PHASE: boot VM, run the guest-side cases of PHASE, stop VM (unless P cases follow).
phase() {
  local vm=$1 ph=$2 t0=$SECONDS
  if ! wanted "$ph"; then return 0; fi
  if ! bash "$here/vm.sh" start "$vm"; then
    echo "FAIL boot-$vm: the VM did not boot (see above)" | tee -a "$RESULTS"; return 0
  fi
  local boot=$((SECONDS - t0))
  # Probe KVM once per run: later boots reuse what the first one found.
  export ZBAK_LAB_ACCEL=${ZBAK_LAB_ACCEL:-$(cat "$LAB_DIR/run/$vm/accel")}
  bash "$here/vm.sh" ssh "$vm" "LAB_FULL=${ZBAK_LAB_FULL:-0} LAB_ONLY=${ZBAK_LAB_ONLY:-} LAB_FAULT_POINTS='${ZBAK_LAB_FAULT_POINTS:-}' LAB_COPY_KINDS='${ZBAK_LAB_COPY_KINDS:-}' bash /mnt/zbak/test/lab/run.sh $ph" 2>&1 | tee -a "$RESULTS" \
    || echo "FAIL run-$vm: guest runner failed" | tee -a "$RESULTS"
  [ -n "$keep_up" ] || bash "$here/vm.sh" stop "$vm"
  echo "[lab] $vm: boot ${boot} s, cases $((SECONDS - t0 - boot)) s, accel $(cat "$LAB_DIR/run/$vm/accel")" \
    | tee -a "$LAB_DIR/times.txt" >&2
}
: >"$LAB_DIR/times.txt"
phase hosta A
phase hostb B

# Phase P, on this host with both VMs up: each case pipes between them through vm.sh ssh.
host_phase() {
  local vm c name t0
  [ -n "$keep_up" ] || return 0
  for vm in hosta hostb; do
    bash "$here/vm.sh" ssh "$vm" true </dev/null 2>/dev/null && continue
    bash "$here/vm.sh" start "$vm" || { echo "FAIL boot-$vm: the VM did not boot (see above)" | tee -a "$RESULTS"; return 0; }
  done
  export LAB_HOST_TMP=$LAB_DIR/host-cases; mkdir -p "$LAB_HOST_TMP"
  for c in "${host_cases[@]}"; do
    name=$(basename "$c" .sh); t0=$SECONDS
    echo "=== $name" | tee -a "$RESULTS"
    bash "$c" </dev/null 2>&1 | tee -a "$RESULTS" || echo "FAIL $name: case script failed" | tee -a "$RESULTS"
    echo "--- $name $((SECONDS - t0)) s" | tee -a "$RESULTS"
  done
  bash "$here/vm.sh" stop hosta; bash "$here/vm.sh" stop hostb
}
host_phase

# The same scenario list against the fake zfs (on this host, fast): each scenario
# must end the same as it did on real ZFS in host A (A-30-scenarios).
compare_scenarios() {
  local real=$ZBAK_LAB_SCRATCH/fixtures/scenarios-real.json d
  if [ "${ZBAK_LAB_FULL:-0}" != 1 ]; then echo "SKIP scenarios-fake-vs-real: full suite only (A-30)"; return 0; fi
  if [ ! -f "$REPO/dist/fakezfs/run-scenarios.js" ] || [ ! -f "$real" ]; then
    echo "SKIP scenarios-fake-vs-real: pending (no dist/fakezfs/run-scenarios.js or no real results)"; return 0
  fi
  d=$(mktemp -d); mkdir -p "$d/root" "$d/state"
  ( export PATH="$REPO/fakebin:$PATH" ZBAK_ROOT=$d/root ZBAK_FAKE_STATE=$d/state
    cd "$d" && zpool create zones \
      && timeout 3600 node "$REPO/dist/fakezfs/run-scenarios.js" --pool zones --json "$LAB_DIR/scenarios-fake.json"
  ) >"$LAB_DIR/scenarios-fake.txt" 2>&1 || true
  node "$REPO/test/lab/compare-scenarios.mjs" "$real" "$LAB_DIR/scenarios-fake.json"
  rm -rf "$d"
}
rm -f "$LAB_DIR/scenarios-fake.json"
compare_scenarios | tee -a "$RESULTS"

if [ -n "${ZBAK_LAB_RECORD:-}" ] && [ -d "$ZBAK_LAB_SCRATCH/fixtures" ]; then
  mkdir -p "$REPO/fixtures/lab"
  cp "$ZBAK_LAB_SCRATCH"/fixtures/* "$REPO/fixtures/lab/"
  log "recorded outputs copied to fixtures/lab/"
fi

passed=$(grep -c '^PASS ' "$RESULTS" || true)
failed=$(grep -c '^FAIL ' "$RESULTS" || true)
skipped=$(grep -c '^SKIP ' "$RESULTS" || true)
[ -z "${ZBAK_LAB_STRICT:-}" ] || failed=$((failed + skipped))
echo "[lab] build/cache check ${T_BUILD} s, total $((SECONDS - T0)) s; $skipped skipped (pending)" >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
