#!/bin/bash
# zbak on host A: a joyent zone on an incremental image (child image = clone of
# base@final, installed from a `zfs send -i` stream with manifest.origin). The
# archive carries base and child; save -> delete -> restore on the same host.
# B-50 restores it on a host with only the base, and refuses a host whose base
# has another @final GUID.
set -uo pipefail
source "$(dirname "$0")/../kinds-case.sh"

make_image "$CHAIN_BASE" zone-dataset smartos
install_image "$CHAIN_BASE"
make_child_image "$CHAIN_BASE" "$CHAIN_CHILD"
install_image "$CHAIN_CHILD"
eq "child image is a clone of base@final" "zones/$CHAIN_BASE@final" "$(prop "zones/$CHAIN_CHILD" origin)"
guid "zones/$CHAIN_BASE@final" >"$STATE/chain.base.guid"

os_zone "$CHAIN_VM" "$CHAIN_CHILD" lab-chain 10.99.99.81
if save_zone chain "$CHAIN_VM"; then
  zone_json "$CHAIN_VM" >"$STATE/chain.vm.json"; ds_facts "$CHAIN_VM" >"$STATE/chain.facts"
  f=$(cat "$STATE/chain.archive")
  eq "archive carries the images base first" "$CHAIN_BASE $CHAIN_CHILD" \
    "$(zbak inspect "$f" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).images.map(i=>i.uuid).join(" ")))')"
  ok "vmadm delete chain zone" vmadm delete "$CHAIN_VM"
  restore_check chain "$CHAIN_VM" "same host"
fi
exit 0
