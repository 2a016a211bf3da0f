#!/usr/bin/env bash
# npm run bench:lab — zbak's throughput as ratios against raw zfs send/receive and the seed
# recipe (zfs send | tee >(sha256sum) > file) on the same data, on real OpenZFS in a lab VM
# (docs/LAB.md, "Benchmark"):
#   build the image if it is not cached, bundle dist/ for the guest, boot VM `bench`,
#   run scripts/lab/guest/bench.sh in it, stop the VM, print the figures.
# Results: $ZBAK_LAB_DIR/bench/results.txt (the table with the run's facts), guest.log (the
# guest's progress), scratch/commands.log (every command's output in the guest).
# Knobs: ZBAK_BENCH_MIB=256 (data in the zone)  ZBAK_BENCH_RUNS=2 (runs per operation)
#        ZBAK_BENCH_DIR=/var/tmp/zbak-bench (guest directory for the archive and raw streams)
#        ZBAK_BENCH_CPU=0 (the vCPU the guest's processes are pinned to; 'all': not pinned)
#        and vm.sh's: ZBAK_LAB_ACCEL, ZBAK_LAB_MEM, ZBAK_LAB_SMP, ZBAK_LAB_DISK_SIZE (default
#        grows with ZBAK_BENCH_MIB), ZBAK_LAB_BUNDLE=0 (dist/ unbundled; slower start-up).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/bundle.sh"
T0=$SECONDS
MIB=${ZBAK_BENCH_MIB:-256}
RUNS=${ZBAK_BENCH_RUNS:-2}
GUEST_DIR=${ZBAK_BENCH_DIR:-/var/tmp/zbak-bench}
CPU=${ZBAK_BENCH_CPU:-0}
[[ $MIB =~ ^[0-9]+$ ]] && [ "$MIB" -ge 4 ] || die "ZBAK_BENCH_MIB must be a whole number of MiB >= 4 (got '$MIB')"
[[ $RUNS =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "ZBAK_BENCH_RUNS must be a whole number >= 1 (got '$RUNS')"
[[ $CPU =~ ^(all|[0-9]+)$ ]] || die "ZBAK_BENCH_CPU must be a vCPU number or 'all' (got '$CPU')"
[[ $GUEST_DIR =~ ^/[A-Za-z0-9._/-]+$ ]] || die "ZBAK_BENCH_DIR must be an absolute guest path of [A-Za-z0-9._/-] (got '$GUEST_DIR')"
[ -f "$REPO/dist/src/cli/main.js" ] && [ -f "$REPO/dist/personality/vmadm.js" ] \
  || die "no compiled zbak in dist/: run npm run build first (npm run bench:lab does)"
BENCH=$LAB_DIR/bench
RESULTS=$BENCH/results.txt
export ZBAK_LAB_SCRATCH=$BENCH/scratch
# The pool disk is sparse: room for the zone's data and a received copy of it.
export ZBAK_LAB_DISK_SIZE=${ZBAK_LAB_DISK_SIZE:-$((MIB * 3 / 1024 + 2))G}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

bash "$here/build.sh" || die "step build: the lab image could not be built or found (see above)"
rm -rf "$BENCH"; mkdir -p "$ZBAK_LAB_SCRATCH"
lab_bundle "$ZBAK_LAB_SCRATCH/bundle"

trap 'bash "$here/vm.sh" stop bench' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM   # so the EXIT trap runs on signals too
export ZBAK_LAB_OWNER_PID=$$               # vm.sh's watchdog kills qemu if we die hard
t_boot=$SECONDS
bash "$here/vm.sh" start bench || die "step boot: VM bench did not boot (see above)"
t_boot=$((SECONDS - t_boot))
accel=$(cat "$LAB_DIR/run/bench/accel")
t_guest=$SECONDS
log "bench: $MIB MiB, $RUNS runs per operation, archive and raw streams in $GUEST_DIR (guest)"
if ! bash "$here/vm.sh" ssh bench env "ZBAK_BENCH_MIB=$MIB" "ZBAK_BENCH_RUNS=$RUNS" "ZBAK_BENCH_DIR=$GUEST_DIR" \
  "ZBAK_BENCH_CPU=$CPU" ZBAK_BENCH_RESULTS=/mnt/scratch/results.txt bash /mnt/zbak/scripts/lab/guest/bench.sh 2>&1 \
  | tee "$BENCH/guest.log" >&2; then
  log "guest commands' output: $ZBAK_LAB_SCRATCH/commands.log"
  die "step guest: scripts/lab/guest/bench.sh failed in VM bench (see above; log $BENCH/guest.log)"
fi
t_guest=$((SECONDS - t_guest))
bash "$here/vm.sh" stop bench
[ -s "$ZBAK_LAB_SCRATCH/results.txt" ] || die "step results: the guest wrote no $ZBAK_LAB_SCRATCH/results.txt"

{
  echo "# zbak lab benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "zbak $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo '?') (dist/ as built; bundles: ZBAK_LAB_BUNDLE=$ZBAK_LAB_BUNDLE)"
  echo "host: $(nproc) cores, load average $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg) at end; VM: accel $accel, ${ZBAK_LAB_SMP:-2} vCPU, ${ZBAK_LAB_MEM:-2048} MiB, boot $t_boot s, benchmark $t_guest s"
  cat "$ZBAK_LAB_SCRATCH/results.txt"
} >"$RESULTS"
log "total $((SECONDS - T0)) s; results: $RESULTS"
cat "$RESULTS"
