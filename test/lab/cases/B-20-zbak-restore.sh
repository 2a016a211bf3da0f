#!/bin/bash
# zbak on host B: a fresh pool with only the base images installed; restore the
# archives made on host A; same files, snapshots, GUIDs, origin and zone JSON.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
need_zbak || exit 0
[ -f "$STATE/joyent.record" ] || { fail "no archives from host A (A-20 did not complete)"; exit 0; }
# Before the images are installed, the joyent archive needs its image (1 MiB of
# random data) and the zone: on a pool with 256 KiB available restore refuses
# (exit 6) and changes nothing.
f=$(cat "$STATE/joyent.archive")
avail=$(zfs get -H -p -o value available zones)
ok "reserve all but 256 KiB of the pool (refreservation)" zfs create -o refreservation=$((avail - 262144)) zones/hog
before=$(host_state)
refused "zbak restore on a pool with 256 KiB available is refused" "free space in zones or restore on another host" zbak restore "$f"
eq "exit status 6 for a pool without room" 6 "$RC"
eq "pool without room: host untouched" "$before" "$(host_state)"
record_err refusal-restore-no-space.txt "zbak restore <joyent archive> (pool with 256 KiB available)" "$RC" "$ERR"
ok "release the reservation" zfs destroy zones/hog
install_image "$JOYENT_IMG"
install_image "$LX_IMG"
for k in joyent lx; do
  [ $k = joyent ] && u=$JOYENT_VM || u=$LX_VM
  f=$(cat "$STATE/$k.archive")
  ok "zbak verify $k archive on host B" zbak verify "$f"
  before=$(host_state)
  ok "zbak restore --dry-run $k archive on host B" zbak restore "$f" --dry-run
  eq "$k: --dry-run changed nothing" "$before" "$(host_state)"
  ok "zbak restore $k archive on host B" zbak restore "$f"
  eq "$k: origin, files, snapshots and GUIDs identical on host B" "$(cat "$STATE/$k.record")" "$(zone_record "$u")"
  eq "$k: zone JSON identical on host B" "$(cat "$STATE/$k.vm.json")" "$(zone_json "$u")"
done
exit 0
