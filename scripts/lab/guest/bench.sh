#!/bin/bash
# Runs in the guest (started by scripts/lab/bench.sh, npm run bench:lab): zbak's throughput
# against raw zfs send/receive on the same data, on real OpenZFS.
#   An image (imgadm install) and a stopped joyent zone (vmadm create) through the
#   personality; ZBAK_BENCH_MIB MiB of random data in four files with two user snapshots;
#   then each operation ZBAK_BENCH_RUNS times, page cache dropped before each run:
#   zbak --version, raw zfs send | cat > /dev/null, raw zfs send > files (+fsync), zbak save
#   --dry-run, the seed recipe (zfs send | tee >(sha256sum > sum) > file, +fsync), the same with
#   the seed document's vmadm get > file and zfs snapshot first, zbak save,
#   sha256sum of the archive, zbak verify, (vmadm delete), zbak restore
#   --dry-run, raw zfs receive < files, zbak restore.
# Every process runs on one vCPU (ZBAK_BENCH_CPU) and every run starts with cold data.
# Prints a markdown table (best run, every run, MiB/s, ratio against raw, zbak's peak RSS)
# and writes it to ZBAK_BENCH_RESULTS. Every command's output: /mnt/scratch/commands.log.
#   ZBAK_BENCH_MIB=256  ZBAK_BENCH_RUNS=2
#   ZBAK_BENCH_DIR=/var/tmp/zbak-bench  where the archive and the raw stream files go (one filesystem)
#   ZBAK_BENCH_CPU=0  vCPU the benchmark's processes are pinned to ('all': not pinned)
#   ZBAK_BENCH_RESULTS=/mnt/scratch/results.txt
set -eEuo pipefail
# The seed recipe's tee runs in this shell (last element of its pipeline), so the
# sha256sum of its process substitution is this shell's child and `wait $!` can wait for it.
shopt -s lastpipe
export LC_ALL=C   # a '.' decimal point in $EPOCHREALTIME for awk
STEP=setup LOG=/mnt/scratch/commands.log
trap 'echo "bench: step \"$STEP\" failed (line $LINENO: $BASH_COMMAND, exit $?); end of $LOG:" >&2
  tail -n 15 "$LOG" | sed "s/^/    /" >&2' ERR
die() { echo "bench: step \"$STEP\": $*" >&2; exit 1; }
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

MIB=${ZBAK_BENCH_MIB:-256}
RUNS=${ZBAK_BENCH_RUNS:-2}
OUT=${ZBAK_BENCH_DIR:-/var/tmp/zbak-bench}
RESULTS=${ZBAK_BENCH_RESULTS:-/mnt/scratch/results.txt}
[[ $MIB =~ ^[0-9]+$ ]] && [ "$MIB" -ge 4 ] || die "ZBAK_BENCH_MIB must be a whole number >= 4 (got '$MIB')"
[[ $RUNS =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "ZBAK_BENCH_RUNS must be a whole number >= 1 (got '$RUNS')"
CPU=${ZBAK_BENCH_CPU:-0}
[[ $CPU =~ ^(all|[0-9]+)$ ]] || die "ZBAK_BENCH_CPU must be a vCPU number or 'all' (got '$CPU')"
HERE=$(cd "$(dirname "$0")" && pwd)
HOOK=$HERE/bench-hwm.cjs
# make_image (the lab cases' small image: 1 MiB of files, @final, stream + manifest in $IMAGES).
source /mnt/zbak/test/lab/lib.sh
source /mnt/zbak/test/lab/zones.sh
IMG=5c1a1e55-0000-4000-8000-00000000be01
VM=2b6e7c10-0000-4000-8000-00000000be02
ROOT=zones/$VM CORES=zones/cores/$VM
RAW=$OUT/raw ARCH_DIR=$OUT/zbak SEED=$OUT/seed HWM=$OUT/hwm.txt
: >"$LOG"

# Pin this shell, so every process it starts (zfs, cat, node, the personality), to one vCPU:
# under multi-threaded TCG a pipe between two vCPUs is 5-10x slower than on one (128 MiB through
# `cat | cat`: 7.9-13.8 s across vCPUs, 1.4 s on one), which would measure qemu, not zbak.
# Kernel threads (ZFS's taskqs, txg sync, writeback) still run on every vCPU.
if [ "$CPU" != all ]; then taskset -cp "$CPU" $$ >/dev/null; fi

STEP="check free space"
rm -rf "$OUT"; mkdir -p "$RAW" "$ARCH_DIR" "$SEED" "$IMAGES"
need_out=$((MIB * 2 + MIB / 4 + 64)) need_pool=$((MIB * 5 / 4 + 64))
have_out=$(($(df -Pk "$OUT" | awk 'NR == 2 { print $4 }') / 1024))
have_pool=$(($(zfs get -H -p -o value available zones) / 1048576))
[ "$have_out" -ge "$need_out" ] || die "$OUT has $have_out MiB free, the archive and the raw streams need about $need_out MiB (lower ZBAK_BENCH_MIB or set ZBAK_BENCH_DIR)"
[ "$have_pool" -ge "$need_pool" ] || die "pool zones has $have_pool MiB free, the zone needs about $need_pool MiB (lower ZBAK_BENCH_MIB or raise ZBAK_LAB_DISK_SIZE)"

STEP="image and zone"
make_image "$IMG" zone-dataset smartos
imgadm install -m "$IMAGES/$IMG.imgmanifest" -f "$IMAGES/$IMG.zfs" >>"$LOG" 2>&1
cat >"$OUT/zone.json" <<JSON
{"uuid": "$VM", "brand": "joyent", "image_uuid": "$IMG", "alias": "bench", "hostname": "bench",
 "autoboot": false, "quota": $(((MIB * 5 / 4 + 1023) / 1024 + 1)), "max_physical_memory": 256}
JSON
vmadm create -f "$OUT/zone.json" >>"$LOG" 2>&1
[ "$(zfs get -H -o value origin "$ROOT")" = "zones/$IMG@final" ] || die "$ROOT is not a clone of zones/$IMG@final"

STEP="write $MIB MiB of random data"
t0=$SECONDS
data=/zones/$VM/root/var/bench q=$((MIB / 4))
mkdir -p "$data"
head -c "${q}M" /dev/urandom >"$data/file1"
head -c "${q}M" /dev/urandom >"$data/file2"
zfs snapshot "$ROOT@bench-1"
head -c "${q}M" /dev/urandom >"$data/file3"
head -c "$((MIB - 3 * q))M" /dev/urandom >"$data/file4"
zfs snapshot "$ROOT@bench-2" "$CORES@bench-2"
GUID=$(zfs get -H -p -o value guid "$ROOT@bench-2")
log "$MIB MiB written and snapshotted in $((SECONDS - t0)) s"

# drop_caches: every run reads its data cold, but not its programs: after dropping the page
# cache (and with it ZFS's ARC), read node, the bundles and zfs back in (a cold node binary
# alone costs ~4 s under TCG, which is disk speed, not zbak).
drop_caches() {
  sync; echo 3 >/proc/sys/vm/drop_caches
  cat /usr/local/bin/node /mnt/scratch/bundle/* >/dev/null 2>&1 || true
  zfs version >/dev/null; zbak --version >/dev/null
}
wait_free() { zpool wait -t free zones; }   # destroyed space is freed in the background
same_guid() { [ "$(zfs get -H -p -o value guid "$ROOT@bench-2")" = "$GUID" ] || die "$ROOT@bench-2 came back with another GUID"; }
# raw_send TO: the zfs send commands zbak save runs for this zone (docs/ARCHITECTURE.md:
# image @final full, zoneroot -p -I from the image, cores -p full). TO=files: each straight
# into $RAW/<name>.zfs; TO=null: through cat into /dev/null (zfs send refuses a stdout of
# /dev/null on this kernel: "Writing directly to /dev/{null,zero} files ... not implemented").
send_to() {
  local to=$1 name=$2; shift 2
  if [ "$to" = files ]; then "$@" >"$RAW/$name.zfs"; else "$@" | cat >/dev/null; fi
}
raw_send() {
  send_to "$1" image zfs send "zones/$IMG@final"
  send_to "$1" root zfs send -p -I "zones/$IMG@final" "$ROOT@bench-2"
  send_to "$1" cores zfs send -p "$CORES@bench-2"
}
raw_send_null() { raw_send null; }
# seed_send NAME CMD...: the seed's shell recipe for one stream, a file and its digest in one read.
seed_send() {
  local name=$1; shift
  "$@" | tee >(sha256sum >"$SEED/$name.sha256") >"$SEED/$name.zfs"
  wait $!
  [ -s "$SEED/$name.sha256" ] || die "the seed recipe wrote no digest for $name"
}
# seed_save: the same three sends as raw_send, each through the seed recipe, then fsync like raw
# send > files and zbak's archive.
seed_save() {
  seed_send image zfs send "zones/$IMG@final"
  seed_send root zfs send -p -I "zones/$IMG@final" "$ROOT@bench-2"
  seed_send cores zfs send -p "$CORES@bench-2"
  sync "$SEED"/*.zfs
}
# seed_whole: the seed document's whole recipe for a nightly copy, not only its sends: keep the
# zone's configuration (vmadm get > file), take the snapshots, then seed_save. Its sends are of
# @bench-2 like every other row's (same bytes); the snapshots it takes are destroyed untimed.
seed_whole() {
  vmadm get "$VM" >"$SEED/vmadm.json"
  zfs snapshot "$ROOT@seed" "$CORES@seed"
  seed_save
}
raw_send_files() { raw_send files; sync "$RAW"/*.zfs; }  # zbak fsyncs its archive too
raw_receive() { zfs receive -F "$ROOT" <"$RAW/root.zfs"; zfs receive -F "$CORES" <"$RAW/cores.zfs"; }
raw_sha256() { sha256sum "$ARCHIVE" >>"$LOG"; }
# zb ARGS: zbak with the VmHWM hook (bench-hwm.cjs appends "KiB script" to $HWM at exit).
zb() { NODE_OPTIONS="--require $HOOK" ZBAK_BENCH_HWM=$HWM zbak "$@" >>"$LOG" 2>&1; }
zbak_version() { zb --version; }
zbak_save() { zb save "$VM" --to "$ARCH_DIR"; }
zbak_save_plan() { zb save "$VM" --to "$ARCH_DIR" --dry-run; }
zbak_verify() { zb verify "$ARCHIVE"; }
zbak_restore() { zb restore "$ARCHIVE"; }
zbak_restore_plan() { zb restore "$ARCHIVE" --dry-run; }

declare -A SECS=() RSSK=()
# timed KEY FUNC: drop the page cache, run FUNC, add its wall time to SECS[KEY] and the
# zbak process's peak RSS (KiB; personality processes it starts are not counted) to RSSK[KEY].
timed() {
  local key=$1 t0 t1 kib; shift
  : >"$HWM"
  drop_caches
  t0=$EPOCHREALTIME
  "$@"
  t1=$EPOCHREALTIME
  SECS[$key]="${SECS[$key]:-} $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
  kib=$(awk '$2 ~ /(zbak\.mjs|cli\/main\.js)$/ && $1 + 0 > m { m = $1 + 0 } END { print m + 0 }' "$HWM")
  if [ "$kib" -gt "${RSSK[$key]:-0}" ]; then RSSK[$key]=$kib; fi
  log "$STEP: ${SECS[$key]##* } s"
}

for i in $(seq "$RUNS"); do STEP="zbak --version, run $i"; timed version zbak_version; done
for i in $(seq "$RUNS"); do STEP="raw zfs send > /dev/null, run $i"; timed send_null raw_send_null; done
for i in $(seq "$RUNS"); do
  STEP="raw zfs send > files, run $i"; rm -f "$RAW"/*.zfs; timed send_files raw_send_files
done
STREAM_BYTES=$(stat -c %s "$RAW/image.zfs" "$RAW/root.zfs" "$RAW/cores.zfs" | awk '{ n += $1 } END { print n }')
RECV_BYTES=$(stat -c %s "$RAW/root.zfs" "$RAW/cores.zfs" | awk '{ n += $1 } END { print n }')
for i in $(seq "$RUNS"); do STEP="zbak save --dry-run, run $i"; timed save_plan zbak_save_plan; done
for i in $(seq "$RUNS"); do
  STEP="seed recipe zfs send | tee >(sha256sum) > files, run $i"; rm -f "$SEED"/*; timed seed seed_save
done
for i in $(seq "$RUNS"); do
  STEP="seed recipe with vmadm get and zfs snapshot, run $i"; rm -f "$SEED"/*; timed seed_whole seed_whole
  zfs destroy "$ROOT@seed"; zfs destroy "$CORES@seed"
done
rm -f "$SEED"/*   # room for the archive: the check above counted one copy besides the raw files
for i in $(seq "$RUNS"); do
  STEP="zbak save, run $i"; rm -f "$ARCH_DIR"/*; timed save zbak_save
done
STEP="find the archive"
archives=("$ARCH_DIR"/*.zbak)
[ ${#archives[@]} -eq 1 ] && [ -f "${archives[0]}" ] || die "expected one .zbak in $ARCH_DIR, found: ${archives[*]}"
ARCHIVE=${archives[0]} ARCHIVE_BYTES=$(stat -c %s "${archives[0]}")
for i in $(seq "$RUNS"); do STEP="raw sha256sum of the archive, run $i"; timed sha256 raw_sha256; done
for i in $(seq "$RUNS"); do STEP="zbak verify, run $i"; timed verify zbak_verify; done
ARCHIVE_STREAMS=$(sed -n 's/.*streams, \([0-9]*\) bytes.*/\1/p' "$LOG" | tail -n 1)

STEP="vmadm delete"
vmadm delete "$VM" >>"$LOG" 2>&1; wait_free
for i in $(seq "$RUNS"); do STEP="zbak restore --dry-run, run $i"; timed restore_plan zbak_restore_plan; done
for i in $(seq "$RUNS"); do
  STEP="raw zfs receive < files, run $i"; timed receive raw_receive; same_guid
  zfs destroy -r "$CORES"; zfs destroy -r "$ROOT"; wait_free
done
for i in $(seq "$RUNS"); do
  STEP="zbak restore, run $i"; timed restore zbak_restore; same_guid
  if [ "$i" -lt "$RUNS" ]; then vmadm delete "$VM" >>"$LOG" 2>&1; wait_free; fi
done

STEP="report"
best() { awk '{ for (i = 1; i <= NF; i++) if (m == "" || $i + 0 < m + 0) m = $i } END { print m }' <<<"${SECS[$1]}"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
# row KEY LABEL BYTES [BASE_KEY BASE_NAME [BASE2_KEY BASE2_NAME]]: one table row; ratio = this row's
# MiB/s over BASE_KEY's (both carry BYTES, so it is BASE_KEY's best time over this row's best time),
# then the same over BASE2_KEY's.
row() {
  local key=$1 label=$2 bytes=$3 base=${4:-} base2=${6:-} b rate=- size=- ratio=- rss=- runs
  b=$(best "$key")
  runs=$(xargs <<<"${SECS[$key]}")
  if [ "$bytes" != - ]; then
    size=$(mib "$bytes")
    rate=$(awk -v n="$bytes" -v s="$b" 'BEGIN { printf "%.1f", n / 1048576 / (s > 0.005 ? s : 0.005) }')
  fi
  if [ -n "$base" ]; then
    ratio="$(awk -v a="$(best "$base")" -v s="$b" 'BEGIN { printf "%.2f", a / (s > 0.005 ? s : 0.005) }') of $5"
  fi
  if [ -n "$base2" ]; then
    ratio="$ratio; $(awk -v a="$(best "$base2")" -v s="$b" 'BEGIN { printf "%.2f", a / (s > 0.005 ? s : 0.005) }') of $7"
  fi
  if [ "${RSSK[$key]:-0}" -gt 0 ]; then rss="$((RSSK[$key] / 1024)) MiB"; fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$size" "$b" "$rate" "$ratio" "$rss" "${runs// / · }"
}
pinned="processes pinned to vCPU $CPU (taskset)"; [ "$CPU" != all ] || pinned="processes not pinned"
arc=$(sync; echo 3 >/proc/sys/vm/drop_caches; awk '$1 == "size" { printf "%d", $3 / 1048576 }' /proc/spl/kstat/zfs/arcstats)
# shellcheck disable=SC2016 # the backquotes are markdown
{
  echo "data: $MIB MiB of random data in a stopped joyent zone (4 files, snapshots @bench-1 and @bench-2), image of 1 MiB"
  echo "raw streams (image full, zoneroot -p -I, cores -p): $STREAM_BYTES bytes; archive: $ARCHIVE_BYTES bytes, its streams $ARCHIVE_STREAMS bytes (zbak verify)"
  echo "guest: $(zfs version | head -n 1), kernel $(uname -r), $(nproc --all) vCPU, $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo); files in $OUT ($(df -PT "$OUT" | awk 'NR == 2 { print $2 " on " $1 }')); ARC after drop_caches: $arc MiB"
  echo "each operation $RUNS times; before each run the page cache and ARC are dropped (sync; echo 3 > /proc/sys/vm/drop_caches) and only the programs read back in; $pinned; s = best run, runs = every run in order"
  echo
  echo "| operation | MiB | s (best of $RUNS) | MiB/s | ratio | peak RSS | runs (s) |"
  echo "|---|---|---|---|---|---|---|"
  row version '`zbak --version` (node start-up)' -
  row send_null 'raw `zfs send \| cat` (3 streams) > /dev/null' "$STREAM_BYTES"
  row send_files 'raw `zfs send` (3 streams) > files + fsync' "$STREAM_BYTES"
  row save_plan '`zbak save --dry-run` (look-ups and plan, no data)' -
  row seed 'seed recipe `zfs send \| tee >(sha256sum > sum) > file` (3 streams) + fsync' "$STREAM_BYTES" send_files 'raw send > files'
  row seed_whole 'seed recipe as the seed document runs it: `vmadm get > file`, `zfs snapshot`, then the row above' "$STREAM_BYTES" send_files 'raw send > files'
  row save '`zbak save`' "$STREAM_BYTES" send_files 'raw send > files' seed 'seed recipe'
  row save '`zbak save` (again, against the whole recipe)' "$STREAM_BYTES" seed_whole 'seed recipe with vmadm get and zfs snapshot'
  row sha256 'raw `sha256sum` of the archive' "$ARCHIVE_BYTES"
  row verify '`zbak verify`' "$ARCHIVE_BYTES" sha256 'raw sha256sum'
  row receive 'raw `zfs receive -F` (2 streams) < files' "$RECV_BYTES"
  row restore_plan '`zbak restore --dry-run` (verify and plan)' -
  row restore '`zbak restore` (after `vmadm delete`)' "$RECV_BYTES" receive 'raw receive'
  echo
  echo "MiB: the zfs stream data the operation carries (sha256sum and verify: the archive file); MiB/s = MiB / best s."
  echo "ratio: zbak's MiB/s over the raw row's on the same bytes (= raw best s / zbak best s); 1.00 = as fast as raw zfs."
  echo "seed recipe: the shell recipe zbak replaces, one file and its sha256 per stream; zbak save's second ratio is over it (above 1.00 = ahead of it)."
  echo "seed recipe as the seed document runs it: also keeps the zone's configuration (vmadm get, about a second on SmartOS as here) and takes the snapshots first, as zbak save does."
  echo "peak RSS: VmHWM of zbak's node process (max over runs; its zfs and vmadm children not counted)."
} >"$RESULTS"
cat "$RESULTS"
