#!/bin/bash
# zbak on host A: restore as a copy (--new-uuid --alias). A joyent zone is copied
# beside its running original; the kind archives of A-40 are copied too (kvm and
# bhyve disks, joyent-minimal beside its original, delegated data with a child).
# New uuid, new MAC, IPs replaced by dhcp, same content, every local property (modulo
# the uuid: cores is mounted at the copy's own /zones/<uuid>/cores) and snapshot GUIDs
# per dataset; no property of the copy names the original. Deleting a copy leaves its
# original intact; the joyent zone's second copy outlives its deleted original.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
source "$(dirname "$0")/../kinds.sh"
need_zbak || exit 0

os_zone "$COPY_VM" "$KIND_IMG" lab-orig 10.99.99.91
if save_zone orig "$COPY_VM"; then
  zone_json "$COPY_VM" >"$STATE/orig.vm.json"; ds_facts "$COPY_VM" >"$STATE/orig.facts"
fi

# copy_check KEY ORIGINAL_UUID ALIAS: restore KEY's archive as a copy beside the original and
# compare; the copy's uuid is left in $STATE/KEY.copy. Facts (kinds.sh ds_facts) are every
# property set on each dataset modulo the uuid, and content read at each zone's own paths.
copy_check() {
  local k=$1 u=$2 alias=$3 f n before
  rm -f "$STATE/$k.copy"
  f=$(cat "$STATE/$k.archive" 2>/dev/null) || { fail "$k: no archive"; return 1; }
  before=$(host_state | grep "$u"; ds_facts "$u")
  ok "zbak restore $k --new-uuid --alias $alias" zbak restore "$f" --new-uuid --alias "$alias"
  n=$(vmadm lookup -1 "alias=$alias" 2>/dev/null)
  [ -n "$n" ] || { fail "$k: no zone with alias $alias"; return 1; }
  echo "$n" >"$STATE/$k.copy"
  [ "$n" != "$u" ] && pass "$k copy: new uuid $n" || fail "$k copy: uuid not changed"
  eq "$k copy: datasets, every local property, content at its own paths, snapshots + GUIDs, origin" "$(cat "$STATE/$k.facts")" "$(ds_facts "$n")"
  eq "$k copy: no property of the copy names the original uuid" "" "$(names_uuid "$u" "$n")"
  eq "$k copy: cores mounted at its own path" "yes /zones/$n/cores" "$(prop "zones/cores/$n" mounted) $(prop "zones/cores/$n" mountpoint)"
  eq "$k copy: the original unchanged (datasets, properties, content)" "$before" "$(host_state | grep "$u"; ds_facts "$u")"
  local macs
  macs=$(vmadm get "$n" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log((v.nics||[]).map(x=>x.mac+" "+JSON.stringify(x.ips)).join(","))})')
  local old; old=$(node -e 'const v=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log((v.nics||[]).map(x=>x.mac).join(","))' "$STATE/$k.vm.json")
  case ",$macs" in *",${old%%,*} "*) fail "$k copy: MAC kept ($macs)" ;; *) pass "$k copy: new MAC ($old -> ${macs%% *})" ;; esac
  case $macs in *'["dhcp"]'*) pass "$k copy: IPs replaced by dhcp" ;; *) fail "$k copy: IPs not dhcp ($macs)" ;; esac
  eq "$k copy: alias" "$alias" "$(vmadm get "$n" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).alias))')"
}

# delete_copy_check KEY ORIGINAL_UUID: delete KEY's copy; the original stays as it was, mounted.
delete_copy_check() {
  local k=$1 u=$2 n before
  n=$(cat "$STATE/$k.copy" 2>/dev/null) || return
  before=$(host_state | grep "$u"; ds_facts "$u")
  ok "vmadm delete $k copy" vmadm delete "$n"
  eq "$k: no dataset of the deleted copy left" "" "$(zone_datasets "$n")"
  eq "$k: the original after its copy is deleted" "$before" "$(host_state | grep "$u"; ds_facts "$u")"
}

state_of() { vmadm get "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).state))'; }

# The original and a copy, both running; the copy deleted (the original intact), then a new copy
# whose original is deleted (the copy intact, still mounted at its own paths, still starting).
if copy_check orig "$COPY_VM" copy1; then
  eq "copy1 running beside the original" "running running" "$(state_of "$COPY_VM") $(state_of "$(cat "$STATE/orig.copy")")"
fi
delete_copy_check orig "$COPY_VM"
eq "original zone JSON untouched" "$(cat "$STATE/orig.vm.json")" "$(zone_json "$COPY_VM")"
if copy_check orig "$COPY_VM" copy2; then
  n=$(cat "$STATE/orig.copy")
  ok "vmadm delete the original of copy2" vmadm delete "$COPY_VM"
  eq "no dataset of the deleted original left" "" "$(zone_datasets "$COPY_VM")"
  eq "copy2 after its original is deleted" "$(cat "$STATE/orig.facts")" "$(ds_facts "$n")"
  eq "copy2's cores still mounted at its own path" "yes /zones/$n/cores" "$(prop "zones/cores/$n" mounted) $(prop "zones/cores/$n" mountpoint)"
  ok "vmadm stop copy2" vmadm stop "$n" -F
  ok "vmadm start copy2" vmadm start "$n"
  ok "vmadm delete copy2" vmadm delete "$n"
fi
# The kind zones stay for later cases: their copies are checked and deleted, the originals kept.
for k in kvm bhyve minimal deleg; do
  case $k in kvm) u=$KVM_VM ;; bhyve) u=$BHYVE_VM ;; minimal) u=$MINIMAL_VM ;; deleg) u=$DELEG_VM ;; esac
  copy_check "$k" "$u" "$k-copy"
  delete_copy_check "$k" "$u"
done
exit 0
