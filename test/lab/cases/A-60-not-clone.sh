#!/bin/bash
# lab: full suite only (a promoted, non-clone zoneroot: rare, and CI time is bounded)
# zbak on host A: a zoneroot that is not a clone. The zone (on an incremental image)
# is promoted over its child image, @final renamed aside, promoted over the base;
# both image datasets and their imgadm records are destroyed. save --dry-run says
# "full stream"; the restore runs on a host that has the zone's image installed.
set -uo pipefail
source "$(dirname "$0")/../kinds-case.sh"

make_image "$PROMO_BASE" zone-dataset smartos
install_image "$PROMO_BASE"
make_child_image "$PROMO_BASE" "$PROMO_CHILD"
install_image "$PROMO_CHILD"
os_zone "$PROMO_VM" "$PROMO_CHILD" lab-promo 10.99.99.83
Z=zones/$PROMO_VM
ok "zfs promote over the child image" zfs promote "$Z"
ok "rename @final aside" zfs rename "$Z@final" "$Z@child-final"
ok "zfs promote over the base image" zfs promote "$Z"
for i in "$PROMO_CHILD" "$PROMO_BASE"; do
  ok "destroy image $i" zfs destroy -r "zones/$i"
  rm -f "/var/imgadm/images/zones-$i.json"
done
eq "zoneroot is no longer a clone" "-" "$(prop "$Z" origin)"
record "zfs-list-promoted-zoneroot.tsv" "zfs list -H -p -t all -o name,origin,guid -r $Z"

mkdir -p "$ARCHIVES/promo-dry"
out=$(zbak save "$PROMO_VM" --to "$ARCHIVES/promo-dry" --dry-run 2>&1)
if grep -qF "$Z is not a clone of an image: saved as a full stream" <<<"$out"; then pass "save --dry-run notes the full stream"
else fail "save --dry-run notes the full stream"; indent <<<"$out"; fi
eq "save --dry-run wrote nothing" "" "$(ls "$ARCHIVES/promo-dry")"

if save_zone promo "$PROMO_VM"; then
  zone_json "$PROMO_VM" >"$STATE/promo.vm.json"; ds_facts "$PROMO_VM" >"$STATE/promo.facts"
  ok "vmadm delete promoted zone" vmadm delete "$PROMO_VM"
  # The host has the zone's image again (vmadm create needs it); the zone no longer depends on it.
  install_image "$PROMO_BASE"
  install_image "$PROMO_CHILD"
  restore_check promo "$PROMO_VM" "same host, image reinstalled"
fi
exit 0
