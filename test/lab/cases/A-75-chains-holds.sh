#!/bin/bash
# lab: full suite only (incremental chains and medium holds on real ZFS; CI time is bounded)
# zbak on host A: three nights of `save --incremental --medium` (full, then two incrementals,
# each -I from the night before by GUID); zfs holds on the chain end and the release of the
# previous one, as real OpenZFS does them; the incremental archive's size against raw
# `zfs send -I` of the same change; restore --force of the newest and of a mid-chain link,
# compared as the other cases do. Self-contained: its own image, zone and uuids.
set -uo pipefail
source "$(dirname "$0")/../kinds-case.sh"

C_IMG=5c1a1e55-0000-4000-8000-00000000a075
C_VM=2b6e7c10-0000-4000-8000-00000000b075
MEDIUM_ID=aaaaaaaa-0000-4000-8000-000000000075
D=$ARCHIVES/chain75
rm -rf "$D"; mkdir -p "$D"
# The medium gate wants a mount point; the scratch share is one directory: the test hook.
export ZBAK_FAKE_MOUNTS=$D ZBAK_NEW_MEDIUM_ID=$MEDIUM_ID

make_image "$C_IMG" zone-dataset smartos
install_image "$C_IMG"
os_zone "$C_VM" "$C_IMG" lab-chain75 10.99.99.75 || exit 0
Z=zones/$C_VM
R=/zones/$C_VM/root
snap() { echo "zbak-2026110${1}T023000Z"; }
# --keep 3: the nights' snapshots stay, so raw zfs send -I can be measured afterwards.
night() { ZBAK_NOW="2026-11-0${1}T02:30:00Z" zbak save "$C_VM" --to "$D" --incremental --medium m75 --keep 3 "${@:2}" 2>"$STATE/chain75.n$1.err"; }
archive() { ls "$D"/*"-2026110${1}T023000Z.zbak" 2>/dev/null; }
base_of() { zbak inspect --json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).base?.archive ?? "none"))'; }

ok "night 1: full archive onto a new medium" night 1 --new-medium m75
grep -q "full archive of $C_VM: no earlier archive" "$STATE/chain75.n1.err" && pass "night 1 says why it is full" || { fail "night 1 says why it is full"; indent <"$STATE/chain75.n1.err"; }
echo "night 2" >"$R/home/app/n2"; head -c 2M /dev/urandom >"$R/home/app/n2.bin"
ok "night 2" night 2
ds_facts "$C_VM" >"$STATE/chain75.n2.facts"; zone_json "$C_VM" >"$STATE/chain75.n2.vm"
echo "night 3" >"$R/home/app/n3"; head -c 3M /dev/urandom >"$R/home/app/n3.bin"
ok "night 3" night 3
ds_facts "$C_VM" >"$STATE/chain75.n3.facts"; zone_json "$C_VM" >"$STATE/chain75.n3.vm"
A1=$(archive 1); A2=$(archive 2); A3=$(archive 3)
[ -n "$A1" ] && [ -n "$A2" ] && [ -n "$A3" ] || { fail "three archives in $D"; ls -l "$D" | indent; exit 0; }
eq "night 2 continues night 1" "$(basename "$A1")" "$(base_of "$A2")"
eq "night 3 continues night 2" "$(basename "$A2")" "$(base_of "$A3")"
ok "zbak verify the incremental" zbak verify "$A3"

TAG=zbak-medium-${MEDIUM_ID:0:8}
eq "night 3's snapshot is the medium's held chain end" "$TAG" "$(zfs holds -H "$Z@$(snap 3)" | cut -f2)"
eq "night 2's hold was released" "" "$(zfs holds -H "$Z@$(snap 2)" | cut -f2)"

# Size: the archive against raw `zfs send -L -e -c -p -I` of the same change, every dataset.
raw=0
for ds in $(zone_datasets "$C_VM"); do
  n=$(zfs send -L -e -c -p -I "@$(snap 2)" "$ds@$(snap 3)" | wc -c); raw=$((raw + n))
done
size=$(stat -c %s "$A3")
echo "INFO A-75: night-3 archive $size bytes, raw zfs send -I $raw bytes, overhead $((size - raw)) bytes"
[ $((size - raw)) -lt $((1024 * 1024 + 65536)) ] && pass "incremental archive within 1 MiB (+ headers) of raw zfs send -I" \
  || fail "incremental archive within 1 MiB (+ headers) of raw zfs send -I ($size vs $raw)"

# Restores replace the zone (--force releases zbak's holds first); the chain comes from $D.
ok "restore --force the newest link (night 3)" zbak restore "$A3" --force
eq "night 3: datasets, properties, content, snapshots + GUIDs, origin" "$(cat "$STATE/chain75.n3.facts")" "$(ds_facts "$C_VM")"
eq "night 3: zone JSON" "$(cat "$STATE/chain75.n3.vm")" "$(zone_json "$C_VM")"
ok "restore --force a mid-chain link (night 2)" zbak restore "$A2" --force
eq "night 2: datasets, properties, content, snapshots + GUIDs, origin" "$(cat "$STATE/chain75.n2.facts")" "$(ds_facts "$C_VM")"
eq "no work dataset left" "" "$(zfs list -H -o name "zones/zbak-$C_VM" 2>/dev/null)"

# A missing link: refused before any change.
mv "$A2" "$D/../chain75-away.zbak"
before=$(host_state)
refused "restore of night 3 with night 2 missing" "$(basename "$A2"), the base of $(basename "$A3"), is missing" zbak restore "$A3" --force
eq "host unchanged after the refusal" "$before" "$(host_state)"
mv "$D/../chain75-away.zbak" "$A2"

ok "clean up: vmadm delete" vmadm delete "$C_VM"
zfs destroy -r "zones/$C_IMG" 2>/dev/null; rm -f "/var/imgadm/images/zones-$C_IMG.json"
exit 0
