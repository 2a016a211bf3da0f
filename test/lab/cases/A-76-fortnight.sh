#!/bin/bash
# lab: full suite only (a simulated fortnight of nightly runs; CI time is bounded)
# zbak on host A: a fortnight of `zbak run` from a config file (one job, two rotated media,
# incremental with a full archive every 7 days, keep: last 2), one night each at 02:30 UTC
# (ZBAK_NOW), the zone's files changing every day. Disk usb-a is plugged in on odd nights,
# usb-b on even ones (each a directory of the scratch share bind-mounted at the job's `to`, a
# real mount point). Each good night: nothing on stdout/stderr; the archive continues its own
# medium's chain (inspect --json base); the only zbak snapshots are the two media's chain ends,
# each held with its medium's tag (zfs holds); the media hold what keep: last 2 and the chains'
# bases say. Night 6 is SIGKILLed halfway through its second zfs send; night 9/10 are full by
# policy; before night 13 usb-a's full archive (the base of its newest) is removed: status
# --check says CRITICAL and night 13 falls back to full, saying why. The night-14 archive
# against raw `zfs send -L -e -c -p -I`. Then restore --force of the newest and of a mid-chain
# archive and a copy (--new-uuid) of a chain link, compared with the facts recorded those
# nights. Self-contained: its own image, zone and uuids, removed at the end; the two disks'
# directories and the facts stay for B-76.
set -uo pipefail
source "$(dirname "$0")/../kinds-case.sh"

F_IMG=5c1a1e55-0000-4000-8000-00000000a076
F_VM=2b6e7c10-0000-4000-8000-00000000b076
ID_A=aaaaaaaa-0000-4000-8000-00000000a076
ID_B=bbbbbbbb-0000-4000-8000-00000000b076
TAG_A=zbak-medium-${ID_A:0:8} TAG_B=zbak-medium-${ID_B:0:8}
F=$ARCHIVES/f76   # the disks' contents: $F/usb-a, $F/usb-b (host B restores from here)
MNT=/mnt/usb76    # the job's `to`: where the night's disk is mounted
S=$STATE/f76      # config, log, traces and the facts recorded each night (B-76 reads them)
umount "$MNT" 2>/dev/null
rm -rf "$F" "$S"; mkdir -p "$F/usb-a" "$F/usb-b" "$S" "$MNT"
Z=zones/$F_VM
R=/zones/$F_VM/root

cat >"$S/zbak.yaml" <<YAML
log: $S/zbak.log
jobs:
  fortnight:
    zones: [lab-f76]
    to: $MNT
    media: [usb-a, usb-b]
    incremental: { full_every_days: 7 }
    verify: true
    keep: { last: 2 }
    snapshots: 1
YAML

make_image "$F_IMG" zone-dataset smartos
install_image "$F_IMG"
os_zone "$F_VM" "$F_IMG" lab-f76 10.99.99.76 || exit 0

medium_of() { [ $(($1 % 2)) = 1 ] && echo usb-a || echo usb-b; }
stamp() { printf '202611%02dT023000Z' "$1"; }
plug() { umount "$MNT" 2>/dev/null; mount --bind "$F/$1" "$MNT"; }
unplug() { umount "$MNT" 2>/dev/null; }
# run_night N [ENV=V...] [-- ARGS]: `zbak run` at 02:30 of day N, stdout/stderr in $S/nN.out/.err.
run_night() {
  local n=$1 envs=(); shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  env "${envs[@]}" ZBAK_NOW="2026-11-$(printf %02d "$n")T02:30:00Z" zbak run fortnight --config "$S/zbak.yaml" "$@" >"$S/n$n.out" 2>"$S/n$n.err"
}
archive() { ls "$F"/usb-*/*"-$(stamp "$1").zbak" 2>/dev/null; }
base_of() { zbak inspect --json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).base?.archive ?? "none"))'; }
# on_disk LABEL: the nights whose archives the disk holds, and its temp files (a save that died).
on_disk() {
  local f out=()
  for f in "$F/$1"/*.zbak; do [ -e "$f" ] && out+=("$((10#$(sed -E 's/.*-202611([0-9]{2})T023000Z\.zbak$/\1/' <<<"$f")))"); done
  ls -A "$F/$1" | grep -q '\.partial-' && out+=(temp)
  echo "${out[*]}"
}
# zbak_snaps: every zbak snapshot of the zone's datasets with its holds (uuid as U).
zbak_snaps() {
  local ds s
  for ds in $(zone_datasets "$F_VM"); do
    for s in $(zfs list -H -o name -t snapshot -d 1 "$ds" | grep '@zbak-'); do
      echo "${s//$F_VM/U} $(zfs holds -H "$s" | cut -f2 | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
    done
  done | sed 's/ $//' | LC_ALL=C sort
}
# want_snaps "NIGHT TAG"...: the zbak snapshots there must be, on every dataset of the zone.
want_snaps() {
  local ds x
  for ds in $(zone_datasets "$F_VM"); do
    for x in "$@"; do echo "${ds//$F_VM/U}@zbak-$(stamp "${x%% *}") ${x#* }"; done
  done | sed 's/ $//' | LC_ALL=C sort
}
user_facts() { grep -v '^snap zbak-'; }
# The day's work in the zone before night N: new files, a changed one, an old one removed.
work() {
  local n=$1
  echo "day $n" >"$R/home/app/day$n"
  head -c 256K /dev/urandom >"$R/home/app/day$n.bin"
  echo "conf as of day $n" >"$R/home/app/conf"
  rm -f "$R/home/app/day$((n - 3)).bin"
}
record_night() {
  ds_facts "$F_VM" >"$S/n$1.facts"; zone_json "$F_VM" >"$S/n$1.vm"
  guid "$Z@zbak-$(stamp "$1")" >"$S/n$1.guid"
}
# good_night N BASE_NIGHT(0: full) DISK_A DISK_B SNAPS [-- ARGS]: the night runs quietly, its
# archive continues BASE_NIGHT (or is full), the disks and zbak snapshots are as given.
good_night() {
  local n=$1 base=$2 da=$3 db=$4 snaps=$5 m a rc t0=$SECONDS; shift 5
  m=$(medium_of "$n"); plug "$m"
  run_night "$n" "$@"; rc=$?
  if [ $rc = 0 ] && [ ! -s "$S/n$n.out" ] && [ ! -s "$S/n$n.err" ]; then pass "night $n ($m): exit 0, nothing on stdout or stderr ($((SECONDS - t0)) s)"
  else fail "night $n ($m): rc=$rc, stdout/stderr:"; cat "$S/n$n.out" "$S/n$n.err" | indent; tail -n 5 "$S/zbak.log" | indent; fi
  a=$(archive "$n")
  if [ -z "$a" ]; then fail "night $n: no archive"; else
    case $a in "$F/$m/"*) pass "night $n: archive on $m" ;; *) fail "night $n: archive not on $m: $a" ;; esac
    if [ "$base" = 0 ]; then eq "night $n: a full archive" none "$(base_of "$a")"
    else eq "night $n: continues night $base on $m" "$(basename "$(archive "$base")")" "$(base_of "$a")"; fi
  fi
  eq "night $n: usb-a holds nights" "$da" "$(on_disk usb-a)"
  eq "night $n: usb-b holds nights" "$db" "$(on_disk usb-b)"
  eval "local want=($snaps)"
  eq "night $n: zbak snapshots are the media's chain ends, held by their tags" "$(want_snaps "${want[@]}")" "$(zbak_snaps)"
  record_night "$n"
}
said() {  # said DESC TEXT: the run log has TEXT
  grep -qF -- "$2" "$S/zbak.log" && pass "$1" || { fail "$1 (log lacks: $2)"; tail -n 8 "$S/zbak.log" | indent; }
}
check() {  # check DESC WANT_RC [ZBAK_NOW]: zbak status --check's nagios exit code
  local out rc
  out=$(ZBAK_NOW=$3 zbak status --config "$S/zbak.yaml" --check --warn 26h --crit 50h 2>&1); rc=$?
  [ "$rc" = "$2" ] && pass "$1: exit $rc ($out)" || fail "$1: exit $rc, wanted $2 ($out)"
}

# A night with no disk plugged in: /mnt/usb76 is a folder on the host's disk. Refused, cron mails.
unplug
before=$(host_state; ls -A "$MNT")
run_night 1; rc=$?
eq "no disk plugged in: exit 13 (not the expected medium)" 13 "$rc"
grep -q "is not a mounted disk" "$S/n1.err" && pass "no disk plugged in: stderr says so" || { fail "no disk plugged in: stderr says so"; indent <"$S/n1.err"; }
eq "no disk plugged in: host unchanged, nothing written" "$before" "$(host_state; ls -A "$MNT")"

good_night 1 0 "1" "" "'1 $TAG_A'" ZBAK_NEW_MEDIUM_ID=$ID_A -- --new-medium usb-a
said "night 1 says why it is full" "full archive of $F_VM: no earlier archive of this zone on the medium"
work 2; good_night 2 0 "1" "2" "'1 $TAG_A' '2 $TAG_B'" ZBAK_NEW_MEDIUM_ID=$ID_B -- --new-medium usb-b
eq "usb-b's identity" "usb-b $ID_B" "$(node -e 'const m=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(m.label+" "+m.id)' "$F/usb-b/.zbak-medium.json")"
work 3; good_night 3 1 "1 3" "2" "'3 $TAG_A' '2 $TAG_B'"
work 4; good_night 4 2 "1 3" "2 4" "'3 $TAG_A' '4 $TAG_B'" ZBAK_TRACE="$S/n4.trace"
work 5; zfs snapshot "$Z@hand-5"
good_night 5 3 "1 3 5" "2 4" "'5 $TAG_A' '4 $TAG_B'"

# Night 6 (usb-b) is killed (SIGKILL) just before its second zfs send: the first stream is
# in the temp file. The point comes from night 4's trace (the same steps on the same disk).
k=$(node -e 'const l=require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean).map(JSON.parse);let c=0;for(let i=0;i<l.length;i++){if(/(^|\/)zfs$/.test(l[i][0])&&l[i][1]==="send"&&!l[i].includes("-n")&&++c===2){console.log(i+1);break}}' "$S/n4.trace")
work 6; plug usb-b
if [ -z "$k" ]; then fail "night 4's trace has two zfs sends"; indent <"$S/n4.trace"; else
  run_night 6 ZBAK_FAULT_AT="$k:SIGKILL"; rc=$?
  eq "night 6 killed (SIGKILL before command $k, the second zfs send)" 137 "$rc"
  eq "night 6: no archive, the temp file left on usb-b" "2 4 temp" "$(on_disk usb-b)"
  eq "night 6: its snapshot left, held by nobody" "$(want_snaps '5 '"$TAG_A" '4 '"$TAG_B" '6 ')" "$(zbak_snaps)"
fi
work 7; good_night 7 5 "1 3 5 7" "2 4 temp" "'7 $TAG_A' '4 $TAG_B'"
pass "night 7: no stray zbak snapshot of the killed night (checked above)"
work 8; good_night 8 4 "1 3 5 7" "2 4 8" "'7 $TAG_A' '8 $TAG_B'"
said "night 8 removed the killed night's temp file" "temp file of a save that died"
work 9; good_night 9 0 "1 3 5 7 9" "2 4 8" "'9 $TAG_A' '8 $TAG_B'"
said "night 9 is full by policy, saying why" "full archive of $F_VM: the chain's full archive is 8 days old (a full one every 7)"
work 10; good_night 10 0 "1 3 5 7 9" "2 4 8 10" "'9 $TAG_A' '10 $TAG_B'"
work 11; good_night 11 9 "9 11" "2 4 8 10" "'11 $TAG_A' '10 $TAG_B'"
work 12; good_night 12 10 "9 11" "10 12" "'11 $TAG_A' '12 $TAG_B'"
check "status --check after night 12" 0 2026-11-12T08:00:00Z

# Before night 13: usb-a plugged in, its full archive (the base of its newest) removed.
plug usb-a
A9=$(archive 9); A11=$(archive 11)
rm -f "$A9"
check "status --check with usb-a's newest chain broken" 2 2026-11-12T09:00:00Z
work 13; good_night 13 0 "11 13" "10 12" "'13 $TAG_A' '12 $TAG_B'"
said "night 13 falls back to full, saying why" "full archive of $F_VM: the newest archive's chain is broken: $(basename "$A9"), the base of $(basename "$A11"), is missing"

# Night 14 (measured): a user hold keeps night 12's snapshots for raw zfs send -I afterwards;
# zbak releases its own hold there and cannot destroy them (a warning in the log, not stderr).
work 14; head -c 2M /dev/urandom >"$R/home/app/day14.big"
for ds in $(zone_datasets "$F_VM"); do zfs hold lab76 "$ds@zbak-$(stamp 12)"; done
good_night 14 12 "11 13" "10 12 14" "'12 lab76' '13 $TAG_A' '14 $TAG_B'"
A12=$(archive 12); A14=$(archive 14)
raw=0
for ds in $(zone_datasets "$F_VM"); do
  n=$(zfs send -L -e -c -p -I "@zbak-$(stamp 12)" "$ds@zbak-$(stamp 14)" | wc -c); raw=$((raw + n))
done
size=$(stat -c %s "$A14")
echo "INFO A-76: night-14 archive $size bytes, raw zfs send -L -e -c -p -I $raw bytes, overhead $((size - raw)) bytes"
[ $((size - raw)) -lt $((1024 * 1024 + 65536)) ] && pass "night-14 archive within 1 MiB (+ headers) of raw zfs send -I" \
  || fail "night-14 archive within 1 MiB (+ headers) of raw zfs send -I ($size vs $raw)"
for ds in $(zone_datasets "$F_VM"); do zfs release lab76 "$ds@zbak-$(stamp 12)" && zfs destroy "$ds@zbak-$(stamp 12)"; done
check "status --check after night 14" 0 2026-11-14T08:00:00Z
check "status --check a day and a half later (warning)" 1 2026-11-15T14:00:00Z
check "status --check three days later (critical)" 2 2026-11-17T08:00:00Z
unplug
echo "$A14" >"$S/newest.archive"; echo "$A12" >"$S/mid.archive"

# Restores on host A, the chain read from the disk's directory.
ok "restore --force the newest (night 14: chain 10, 12, 14)" zbak restore "$A14" --force
eq "night 14: datasets, properties, content, user snapshots + GUIDs, origin" "$(user_facts <"$S/n14.facts")" "$(ds_facts "$F_VM" | user_facts)"
eq "night 14: zone JSON" "$(cat "$S/n14.vm")" "$(zone_json "$F_VM")"
eq "night 14: its zbak snapshot, same GUID" "$(cat "$S/n14.guid")" "$(guid "$Z@zbak-$(stamp 14)")"
ok "restore --force a mid-chain archive (night 12: chain 10, 12)" zbak restore "$A12" --force
eq "night 12: datasets, properties, content, user snapshots + GUIDs, origin" "$(user_facts <"$S/n12.facts")" "$(ds_facts "$F_VM" | user_facts)"
eq "night 12: zone JSON" "$(cat "$S/n12.vm")" "$(zone_json "$F_VM")"
eq "night 12: its zbak snapshot, same GUID" "$(cat "$S/n12.guid")" "$(guid "$Z@zbak-$(stamp 12)")"
eq "no work dataset left" "" "$(zfs list -H -o name "zones/zbak-$F_VM" 2>/dev/null)"

# A copy of a chain link (night 12) beside the zone: its own datasets, a clone of the image,
# naming nothing of the original; the original's deletion leaves it intact.
before=$(ds_facts "$F_VM")
ok "restore the night-12 archive as a copy (--new-uuid --alias lab-f76-copy)" zbak restore "$A12" --new-uuid --alias lab-f76-copy
C=$(vmadm lookup -1 alias=lab-f76-copy 2>/dev/null)
if [ -z "$C" ] || [ "$C" = "$F_VM" ]; then fail "the copy has a new uuid ($C)"; else
  pass "the copy has a new uuid ($C)"
  eq "copy: datasets, properties, content at its own paths, user snapshots + GUIDs, origin (the image)" "$(user_facts <"$S/n12.facts")" "$(ds_facts "$C" | user_facts)"
  eq "copy: origin is the image's @final" "zones/$F_IMG@final" "$(prop "zones/$C" origin)"
  eq "copy: no property names the original" "" "$(names_uuid "$F_VM" "$C")"
  eq "the original unchanged by its copy" "$before" "$(ds_facts "$F_VM")"
  copy_facts=$(ds_facts "$C")
  ok "vmadm delete the original" vmadm delete "$F_VM"
  eq "no dataset of the original left" "" "$(zone_datasets "$F_VM")"
  eq "copy intact after its original's deletion" "$copy_facts" "$(ds_facts "$C")"
  eq "copy's cores still mounted at its own path" "yes /zones/$C/cores" "$(prop "zones/cores/$C" mounted) $(prop "zones/cores/$C" mountpoint)"
  ok "clean up: vmadm delete the copy" vmadm delete "$C"
fi
vmadm delete "$F_VM" >/dev/null 2>&1
zfs destroy -r "zones/$F_IMG" 2>/dev/null; rm -f "/var/imgadm/images/zones-$F_IMG.json"
exit 0
