#!/bin/bash
# zbak on host A: restore --force over a live zone, on real ZFS. The archive's streams are
# received below zones/zbak-<uuid>/new while the old zone runs; only then is the old zone
# stopped and its datasets renamed aside. Cases:
#   1. a failure injected at `vmadm create` (after the old zone was put aside and its
#      configuration deleted): the undo brings the old zone back, files and snapshot GUIDs
#      byte for byte, running again; nothing of zbak's is left;
#   2. the same restore without a fault replaces the zone with the archive's exactly.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
need_zbak && need_joyent_archive || exit 0
J_ARCH=$ARCH

# The live zone differs from the archive: a changed file and a newer user snapshot.
echo live-v4 >"$J/root/etc/app.conf"
ok "user snapshot @user-3 on the live zone" zfs snapshot "zones/$u@user-3"
ok "the live zone is running" bash -c "vmadm get $u | grep -q '\"state\": \"running\"'"
old=$(zone_record "$u")

# n: the index of `vmadm create` among the commands the restore starts (its dry run's reads,
# then its printed steps), for ZBAK_FAULT_AT.
trace=$(mktemp); dry=$(ZBAK_TRACE=$trace zbak restore "$J_ARCH" --force --dry-run 2>&1)
reads=$(wc -l <"$trace"); rm -f "$trace"
idx=$(grep -E '^  [0-9]+\. ' <<<"$dry" | sed -E 's/^  [0-9]+\. //; s/   # .*//' \
  | grep -vE '^(read |write |remove |publish |commit$)' | grep -n '^vmadm create' | head -n1 | cut -d: -f1)
if [ -z "$idx" ]; then fail "the --force dry run has a vmadm create step"; indent <<<"$dry"; exit 0; fi
n=$((reads + idx))
refused "restore --force failing at vmadm create (command $n) is undone" "injected fault" \
  env ZBAK_FAULT_AT="$n:fail" zbak restore "$J_ARCH" --force
eq "the old zone is back: files, snapshots and GUIDs as before" "$old" "$(zone_record "$u")"
ok "the old zone runs again" bash -c "vmadm get $u | grep -q '\"state\": \"running\"'"
eq "no work dataset left after the undo" "" "$(zfs list -H -o name "zones/zbak-$u" 2>/dev/null)"
eq "no journal left after the undo" "" "$(ls /var/zbak/journal 2>/dev/null)"

ok "zbak restore --force over the live zone" zbak restore "$J_ARCH" --force
eq "joyent: origin, files, snapshots and GUIDs are the archive's after --force" "$(cat "$STATE/joyent.record")" "$(zone_record "$u")"
eq "joyent: zone JSON is the archive's after --force" "$(cat "$STATE/joyent.vm.json")" "$(zone_json "$u")"
eq "no work dataset left after --force" "" "$(zfs list -H -o name "zones/zbak-$u" 2>/dev/null)"
exit 0
