#!/bin/bash
# zbak on host A: restore as a copy (--new-uuid --alias). A joyent zone is copied
# beside its running original; the kind archives of A-40 are copied too (kvm and
# bhyve disks, joyent-minimal beside its original, delegated data with a child).
# New uuid, new MAC, IPs replaced by dhcp, same content, every local property (modulo
# the uuid: cores is mounted at the copy's own /zones/<uuid>/cores) and snapshot GUIDs
# per dataset; no property of the copy names the original. Deleting a copy leaves its
# original intact; the joyent zone's second copy outlives its deleted original. In the full
# suite every other kind (kvm, bhyve, joyent-minimal, delegated with a child, lx, incremental
# image, the promoted zoneroot) goes both ways too (copy_cycle); CI copies and deletes bhyve
# (see below).
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
source "$(dirname "$0")/../kinds.sh"
need_zbak || exit 0
# LAB_COPY_KINDS="lx70 chain70": only these kinds (orig kvm bhyve minimal deleg lx70 chain70
# promo70), to re-run one kind's proof without the rest; default all.
wanted() { [ -z "${LAB_COPY_KINDS:-}" ] || grep -qw -- "$1" <<<"$LAB_COPY_KINDS"; }

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
  local macs old
  # A zone without nics (the lab's lx zone) has no MAC or IP to check.
  if grep -q '"mac"' "$STATE/$k.vm.json"; then
    macs=$(vmadm get "$n" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log((v.nics||[]).map(x=>x.mac+" "+JSON.stringify(x.ips)).join(","))})')
    old=$(node -e 'const v=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log((v.nics||[]).map(x=>x.mac).join(","))' "$STATE/$k.vm.json")
    case ",$macs" in *",${old%%,*} "*) fail "$k copy: MAC kept ($macs)" ;; *) pass "$k copy: new MAC ($old -> ${macs%% *})" ;; esac
    case $macs in *'["dhcp"]'*) pass "$k copy: IPs replaced by dhcp" ;; *) fail "$k copy: IPs not dhcp ($macs)" ;; esac
  fi
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

# The joyent zone: the original and a copy, both running; the copy deleted (the
# original intact), then a new copy whose original is deleted (the copy intact, still mounted at
# its own paths, still starting).
if wanted orig; then
  os_zone "$COPY_VM" "$KIND_IMG" lab-orig 10.99.99.91
  if save_zone orig "$COPY_VM"; then
    zone_json "$COPY_VM" >"$STATE/orig.vm.json"; ds_facts "$COPY_VM" >"$STATE/orig.facts"
  fi
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
fi
# copy_cycle KEY UUID: a copy of every other kind goes through both deletions: beside its
# original (compared), the original deleted (the copy intact, mounted at its own paths), the
# original restored from its archive beside the copy (both intact), then the copy deleted (the
# original intact). The originals end as they were, for later cases.
copy_cycle() {
  local k=$1 u=$2 n copy_facts absent=0
  # A-40 deletes some kind zones to free the pool: such an original is restored for the cycle
  # and deleted again at its end.
  if ! vmadm get "$u" >/dev/null 2>&1; then
    absent=1
    restore_check "$k" "$u" "the original, for its copy to sit beside" || return
  fi
  copy_check "$k" "$u" "$k-copy" || return
  n=$(cat "$STATE/$k.copy")
  copy_facts=$(ds_facts "$n")
  ok "vmadm delete the original of $k-copy" vmadm delete "$u"
  eq "$k: no dataset of the deleted original left" "" "$(zone_datasets "$u")"
  eq "$k copy after its original is deleted" "$(cat "$STATE/$k.facts")" "$(ds_facts "$n")"
  eq "$k copy: cores still mounted at its own path" "yes /zones/$n/cores" "$(prop "zones/cores/$n" mounted) $(prop "zones/cores/$n" mountpoint)"
  restore_check "$k" "$u" "the original again, beside its copy"
  eq "$k copy unchanged by its original's restore" "$copy_facts" "$(ds_facts "$n")"
  delete_copy_check "$k" "$u"
  if [ "$absent" = 1 ]; then ok "vmadm delete $k (free the pool, as A-40 left it)" vmadm delete "$u"; fi
}

# save_fresh KEY UUID: a save of a zone an earlier case made, with the facts its copy must match.
# --keep 100: the zbak snapshots of earlier saves stay, as the archive carries them.
save_fresh() {
  save_zone "$1" "$2" --keep 100 || return
  zone_json "$2" >"$STATE/$1.vm.json"; ds_facts "$2" >"$STATE/$1.facts"
}

# CI: the copy of bhyve (disks that are children of the zoneroot, one cloned from a zvol image)
# beside its original (or its archive when A-40 deleted it), then the copy deleted. kvm,
# joyent-minimal and the delegated dataset with a child (renamed under the copy's uuid like
# bhyve's disks; the fake host's copy tests cover it in npm test) are left to the full suite to
# keep CI's lab in its time budget (A-70 took 907 s of CI's lab on 2026-12-03). The full suite:
# every kind through both deletions (copy_cycle), more kinds too.
for k in kvm bhyve minimal deleg; do
  wanted "$k" || continue
  if [ "${LAB_FULL:-0}" != 1 ] && [ -z "${LAB_COPY_KINDS:-}" ] && { [ "$k" = kvm ] || [ "$k" = minimal ] || [ "$k" = deleg ]; }; then
    echo "--- A-70 $k copy: full suite only"; continue
  fi
  case $k in kvm) u=$KVM_VM ;; bhyve) u=$BHYVE_VM ;; minimal) u=$MINIMAL_VM ;; deleg) u=$DELEG_VM ;; esac
  if [ "${LAB_FULL:-0}" = 1 ]; then copy_cycle "$k" "$u"
  else copy_check "$k" "$u" "$k-copy"; delete_copy_check "$k" "$u"; fi
done
[ "${LAB_FULL:-0}" = 1 ] || exit 0
# lx (A-20's, stopped), the zone on an incremental image (A-50's) and the zoneroot promoted over
# its images (A-60's, full suite only): saved here, so the facts are the archive's.
# A zone an earlier case makes is skipped, said, when that case did not run (ZBAK_LAB_ONLY).
fresh_cycle() {
  wanted "$1" || return 0
  if ! vmadm get "$2" >/dev/null 2>&1; then skip "$1: zone $2 absent (the case that makes it did not run)"; return 0; fi
  save_fresh "$1" "$2" && copy_cycle "$1" "$2"
}
fresh_cycle lx70 "$LX_VM"
fresh_cycle chain70 "$CHAIN_VM"
fresh_cycle promo70 "$PROMO_VM"
exit 0
