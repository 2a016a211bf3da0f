#!/bin/bash
# zbak on host B: a fresh pool with only the base images installed; restore the
# archives made on host A; same files, snapshots, GUIDs, origin and zone JSON.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
need_zbak || exit 0
[ -f "$STATE/joyent.record" ] || { fail "no archives from host A (A-20 did not complete)"; exit 0; }
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
