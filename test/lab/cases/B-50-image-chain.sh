#!/bin/bash
# zbak on host B: the image-chain archive of A-50.
# 1. A base built independently here (same uuid, another @final GUID): restore is
#    refused with exit 5 naming the image and both GUIDs; host unchanged.
# 2. The base received from host A's stream (same GUID) replaces it: restore
#    installs the child image from the archive; same facts and zone JSON.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
source "$(dirname "$0")/../kinds.sh"
need_zbak || exit 0
[ -f "$STATE/chain.facts" ] || { fail "no archive from host A (A-50 did not complete)"; exit 0; }
f=$(cat "$STATE/chain.archive")

# 1. Independent base: same uuid and manifest shape, built here.
ALT=/mnt/scratch/images-alt-b; rm -rf "$ALT"; mkdir -p "$ALT"
( IMAGES=$ALT; make_image "$CHAIN_BASE" zone-dataset smartos )
ok "install the independently built base" imgadm install -m "$ALT/$CHAIN_BASE.imgmanifest" -f "$ALT/$CHAIN_BASE.zfs"
a_guid=$(cat "$STATE/chain.base.guid"); b_guid=$(guid "zones/$CHAIN_BASE@final")
[ "$a_guid" != "$b_guid" ] && pass "independent base has another @final GUID" || fail "independent base has the same GUID"
before=$(host_state)
refused "restore refused: base installed with another @final GUID" "$CHAIN_BASE" zbak restore "$f"
eq "refusal exit status" 5 "$RC"
for g in "$a_guid" "$b_guid"; do
  grep -qF "$g" <<<"$ERR" && pass "refusal names GUID $g" || { fail "refusal names GUID $g"; indent <<<"$ERR"; }
done
record_err "refusal-restore-image-guid-mismatch.txt" "zbak restore FILE (base image installed with another @final GUID)" "$RC" "$ERR"
eq "host unchanged by the refusal (zfs list -t all -o name,guid, zones, images)" "$before" "$(host_state)"

# 2. The base from host A's stream: the child comes from the archive.
ok "imgadm delete the independent base" imgadm delete "$CHAIN_BASE"
install_image "$CHAIN_BASE"
eq "base @final GUID matches host A" "$a_guid" "$(guid "zones/$CHAIN_BASE@final")"
restore_check chain "$CHAIN_VM" "host B, base only"
ok "child image installed from the archive" imgadm get -P zones "$CHAIN_CHILD"
eq "child image is a clone of base@final" "zones/$CHAIN_BASE@final" "$(prop "zones/$CHAIN_CHILD" origin)"
exit 0
