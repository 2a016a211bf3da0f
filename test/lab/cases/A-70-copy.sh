#!/bin/bash
# zbak on host A: restore as a copy (--new-uuid --alias). A joyent zone is copied
# beside its running original; the kind archives of A-40 are copied too (kvm and
# bhyve disks, joyent-minimal beside its original, delegated data with a child).
# New uuid, new MAC, IPs replaced by dhcp, same content, properties and snapshot
# GUIDs per dataset; the original untouched. Each copy is deleted afterwards.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
source "$(dirname "$0")/../kinds.sh"
need_zbak || exit 0

os_zone "$COPY_VM" "$KIND_IMG" lab-orig 10.99.99.91
if save_zone orig "$COPY_VM"; then
  zone_json "$COPY_VM" >"$STATE/orig.vm.json"; ds_facts "$COPY_VM" >"$STATE/orig.facts"
fi

# copy_check KEY ORIGINAL_UUID ALIAS: restore KEY's archive as a copy and compare.
copy_check() {
  local k=$1 u=$2 alias=$3 f n before
  f=$(cat "$STATE/$k.archive" 2>/dev/null) || { fail "$k: no archive"; return; }
  before=$(host_state | grep "$u"; ds_facts "$u")
  ok "zbak restore $k --new-uuid --alias $alias" zbak restore "$f" --new-uuid --alias "$alias"
  n=$(vmadm lookup -1 "alias=$alias" 2>/dev/null)
  [ -n "$n" ] || { fail "$k: no zone with alias $alias"; return; }
  [ "$n" != "$u" ] && pass "$k copy: new uuid $n" || fail "$k copy: uuid not changed"
  eq "$k copy: datasets, properties, content, snapshots + GUIDs, origin" "$(cat "$STATE/$k.facts")" "$(ds_facts "$n")"
  eq "$k copy: no dataset left under the original uuid's name but the original's" "$before" "$(host_state | grep "$u"; ds_facts "$u")"
  local macs
  macs=$(vmadm get "$n" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log((v.nics||[]).map(x=>x.mac+" "+JSON.stringify(x.ips)).join(","))})')
  local old; old=$(node -e 'const v=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log((v.nics||[]).map(x=>x.mac).join(","))' "$STATE/$k.vm.json")
  case ",$macs" in *",${old%%,*} "*) fail "$k copy: MAC kept ($macs)" ;; *) pass "$k copy: new MAC ($old -> ${macs%% *})" ;; esac
  case $macs in *'["dhcp"]'*) pass "$k copy: IPs replaced by dhcp" ;; *) fail "$k copy: IPs not dhcp ($macs)" ;; esac
  eq "$k copy: alias" "$alias" "$(vmadm get "$n" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).alias))')"
  ok "vmadm delete $k copy" vmadm delete "$n"
}
copy_check orig "$COPY_VM" copy1
eq "original zone JSON untouched" "$(cat "$STATE/orig.vm.json")" "$(zone_json "$COPY_VM")"
for k in kvm bhyve minimal deleg; do
  case $k in kvm) u=$KVM_VM ;; bhyve) u=$BHYVE_VM ;; minimal) u=$MINIMAL_VM ;; deleg) u=$DELEG_VM ;; esac
  copy_check "$k" "$u" "$k-copy"
done
exit 0
