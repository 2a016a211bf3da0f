#!/bin/bash
# lab: full suite only (the fortnight of A-76 on another host)
# zbak on host B: a fresh pool without the image. The newest archive of A-76's fortnight
# (night 14) and a mid-chain one (night 12) restored from usb-b's directory on the scratch
# share: the chain's full archive (night 10) brings the image. Compared with the facts host A
# recorded those nights (user snapshots and GUIDs, content, properties, origin with its GUID,
# zone JSON, the restore point's zbak snapshot GUID).
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
source "$(dirname "$0")/../kinds.sh"
need_zbak || exit 0
F_IMG=5c1a1e55-0000-4000-8000-00000000a076
F_VM=2b6e7c10-0000-4000-8000-00000000b076
S=$STATE/f76
[ -f "$S/newest.archive" ] && [ -f "$S/n14.facts" ] || { fail "no fortnight from host A (A-76 did not complete)"; exit 0; }
A14=$(cat "$S/newest.archive"); A12=$(cat "$S/mid.archive")
user_facts() { grep -v '^snap zbak-'; }
stamp() { printf '202611%02dT023000Z' "$1"; }

eq "the image is not installed on host B" "" "$(zfs list -H -o name "zones/$F_IMG" 2>/dev/null)"
before=$(host_state)
ok "zbak restore --dry-run of the newest (night 14)" zbak restore "$A14" --dry-run
eq "--dry-run changed nothing" "$before" "$(host_state)"
ok "zbak restore the newest (night 14) on host B" zbak restore "$A14"
ok "the image installed from the chain's full archive" imgadm get -P zones "$F_IMG"
eq "night 14 on host B: datasets, properties, content, user snapshots + GUIDs, origin" "$(user_facts <"$S/n14.facts")" "$(ds_facts "$F_VM" | user_facts)"
eq "night 14 on host B: zone JSON" "$(cat "$S/n14.vm")" "$(zone_json "$F_VM")"
eq "night 14 on host B: its zbak snapshot, same GUID" "$(cat "$S/n14.guid")" "$(guid "zones/$F_VM@zbak-$(stamp 14)")"
ok "zbak restore --force the mid-chain archive (night 12) on host B" zbak restore "$A12" --force
eq "night 12 on host B: datasets, properties, content, user snapshots + GUIDs, origin" "$(user_facts <"$S/n12.facts")" "$(ds_facts "$F_VM" | user_facts)"
eq "night 12 on host B: zone JSON" "$(cat "$S/n12.vm")" "$(zone_json "$F_VM")"
eq "night 12 on host B: its zbak snapshot, same GUID" "$(cat "$S/n12.guid")" "$(guid "zones/$F_VM@zbak-$(stamp 12)")"
ok "clean up: vmadm delete" vmadm delete "$F_VM"
exit 0
