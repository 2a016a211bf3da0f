#!/bin/bash
# zbak on host A: indestructible_zoneroot. restore --force onto it is refused
# (exit 5, says how to clear the flag), host unchanged; after clearing the flag
# and deleting, restore brings back the flag and the do_not_destroy hold.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
source "$(dirname "$0")/../kinds.sh"
need_zbak || exit 0

os_zone "$INDE_VM" "$KIND_IMG" lab-inde 10.99.99.95
ok "vmadm update indestructible_zoneroot=true" vmadm update "$INDE_VM" indestructible_zoneroot=true
record "zfs-holds-indestructible.txt" "zfs holds -H zones/$INDE_VM@indestructible"
if save_zone inde "$INDE_VM"; then
  zone_json "$INDE_VM" >"$STATE/inde.vm.json"; ds_facts "$INDE_VM" >"$STATE/inde.facts"
  f=$(cat "$STATE/inde.archive")
  before=$(host_state; ds_facts "$INDE_VM")
  refused "restore --force onto an indestructible zone is refused, saying how to clear it" \
    "vmadm update $INDE_VM indestructible_zoneroot=false" zbak restore "$f" --force
  eq "refusal exit status" 5 "$RC"
  record_err "refusal-restore-force-indestructible.txt" "zbak restore FILE --force" "$RC" "$ERR"
  eq "host unchanged by the refusal" "$before" "$(host_state; ds_facts "$INDE_VM")"
  refused "vmadm delete refuses while indestructible" "" vmadm delete "$INDE_VM"
  ok "vmadm update indestructible_zoneroot=false" vmadm update "$INDE_VM" indestructible_zoneroot=false
  ok "vmadm delete" vmadm delete "$INDE_VM"
  ok "zbak restore (same host)" zbak restore "$f"
  eq "indestructible_zoneroot is true again" true \
    "$(vmadm get "$INDE_VM" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).indestructible_zoneroot))')"
  holds=$(zfs holds -H "zones/$INDE_VM@indestructible" 2>&1)
  grep -q do_not_destroy <<<"$holds" && pass "do_not_destroy hold is back" || { fail "do_not_destroy hold is back"; indent <<<"$holds"; }
  eq "inde: datasets, properties, content, snapshots + GUIDs, origin" "$(cat "$STATE/inde.facts")" "$(ds_facts "$INDE_VM")"
  eq "inde: zone JSON" "$(cat "$STATE/inde.vm.json")" "$(zone_json "$INDE_VM")"
fi
exit 0
