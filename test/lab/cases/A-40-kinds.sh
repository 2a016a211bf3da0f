#!/bin/bash
# zbak on host A, one zone per kind/shape (mirrors test/e2e/zone-kinds.test.ts):
#   kvm      plain zoneroot, disk0 cloned from a zvol image with a hand snapshot, disk1 plain
#   bhyve    child disks, flexible_disk_size quota arithmetic, vmsnap-pre-upgrade on root + disks
#   minimal  joyent-minimal zone (full suite only)
#   deleg    joyent zone whose delegated dataset has a child dataset with its own snapshot
# Each: save -> vmadm delete -> zbak restore -> per dataset: content (file tree or
# zvol sha256), snapshots + GUIDs, origin + GUID, vmadm-owned properties; zone JSON.
# Archives, image files and the recorded facts stay on the scratch share for B-40.
set -uo pipefail
source "$(dirname "$0")/../kinds-case.sh"

make_zvol_image "$ZVOL_IMG" 8
make_image "$KIND_IMG" zone-dataset smartos
install_image "$ZVOL_IMG"
install_image "$KIND_IMG"
eq "zvol image installed with @final" "volume" "$(prop "zones/$ZVOL_IMG" type)"

# record_zone KEY UUID: after the save, what the round trip must bring back.
record_zone() {
  zone_json "$2" >"$STATE/$1.vm.json"
  ds_facts "$2" >"$STATE/$1.facts"
}

# --- kvm
cat >"$STATE/kvm.json" <<JSON
{"uuid": "$KVM_VM", "brand": "kvm", "alias": "lab-kvm", "ram": 256,
 "disks": [{"image_uuid": "$ZVOL_IMG", "boot": true, "model": "virtio"}, {"size": 16, "model": "virtio"}],
 "nics": [{"nic_tag": "admin", "ip": "10.99.99.41", "netmask": "255.255.255.0", "model": "virtio"}]}
JSON
ok "vmadm create kvm" vmadm create -f "$STATE/kvm.json"
eq "kvm disk0 is a clone of the zvol image" "zones/$ZVOL_IMG@final" "$(prop "zones/$KVM_VM-disk0" origin)"
vol_write "zones/$KVM_VM-disk0" 64 "KERNEL-1"
ok "hand snapshot on kvm disk0" zfs snapshot "zones/$KVM_VM-disk0@before-kernel"
vol_write "zones/$KVM_VM-disk0" 64 "KERNEL-2"
vol_write "zones/$KVM_VM-disk1" 0 "DATA-DISK-kvm"
if save_zone kvm "$KVM_VM"; then
  record_zone kvm "$KVM_VM"
  eq "kvm: facts name zoneroot, disk0, disk1, cores" "4" "$(grep -c '^== ' "$STATE/kvm.facts")"
  ok "vmadm delete kvm" vmadm delete "$KVM_VM"
  eq "kvm disks gone after delete" "" "$(zfs list -H -o name -t volume | grep "$KVM_VM")"
  restore_check kvm "$KVM_VM" "same host"
fi
ok "vmadm delete kvm (free the pool)" vmadm delete "$KVM_VM"

# --- bhyve
cat >"$STATE/bhyve.json" <<JSON
{"uuid": "$BHYVE_VM", "brand": "bhyve", "alias": "lab-bhyve", "ram": 256, "quota": 1, "flexible_disk_size": 64,
 "disks": [{"image_uuid": "$ZVOL_IMG", "boot": true, "model": "virtio", "size": 16}, {"size": 16, "model": "virtio"}],
 "nics": [{"nic_tag": "admin", "ip": "10.99.99.51", "netmask": "255.255.255.0", "model": "virtio"}]}
JSON
ok "vmadm create bhyve" vmadm create -f "$STATE/bhyve.json"
eq "bhyve disk0 is a child clone of the zvol image" "zones/$ZVOL_IMG@final" "$(prop "zones/$BHYVE_VM/disk0" origin)"
vol_write "zones/$BHYVE_VM/disk0" 64 "OS-v1"
ok "vmadm create-snapshot bhyve pre-upgrade" vmadm create-snapshot "$BHYVE_VM" pre-upgrade
eq "vmsnap-pre-upgrade on root and both disks" "3" "$(zfs list -H -t snapshot -o name -r "zones/$BHYVE_VM" | grep -c '@vmsnap-pre-upgrade$')"
vol_write "zones/$BHYVE_VM/disk0" 64 "OS-v2"
vol_write "zones/$BHYVE_VM/disk1" 0 "DATA-DISK-bhyve"
record "zfs-get-bhyve-quota.tsv" "zfs get -H -p -o name,property,value,source quota,refquota,reservation,refreservation,volsize -r zones/$BHYVE_VM"
if save_zone bhyve "$BHYVE_VM"; then
  record_zone bhyve "$BHYVE_VM"
  ok "vmadm delete bhyve" vmadm delete "$BHYVE_VM"
  restore_check bhyve "$BHYVE_VM" "same host"
fi
ok "vmadm delete bhyve (free the pool)" vmadm delete "$BHYVE_VM"

# --- joyent-minimal: the full suite only (to zbak a joyent zone under another brand name, which
# A-20's joyent and the deleg zone below cover; CI's lab has a time budget). B-40 and A-70 skip it
# when it was not saved.
if [ "${LAB_FULL:-0}" = 1 ]; then
cat >"$STATE/minimal.json" <<JSON
{"uuid": "$MINIMAL_VM", "brand": "joyent-minimal", "image_uuid": "$KIND_IMG", "alias": "lab-minimal",
 "quota": 1, "max_physical_memory": 128,
 "nics": [{"nic_tag": "admin", "ip": "10.99.99.61", "netmask": "255.255.255.0"}]}
JSON
ok "vmadm create joyent-minimal" vmadm create -f "$STATE/minimal.json"
M=/zones/$MINIMAL_VM/root
mkdir -p "$M/opt/app"; echo min-1 >"$M/opt/app/conf"
ok "hand snapshot on minimal" zfs snapshot "zones/$MINIMAL_VM@hand-1"
echo min-2 >"$M/opt/app/conf"; chmod 640 "$M/opt/app/conf"; chown 100:200 "$M/opt/app/conf"
if save_zone minimal "$MINIMAL_VM"; then
  record_zone minimal "$MINIMAL_VM"
  ok "vmadm delete minimal" vmadm delete "$MINIMAL_VM"
  restore_check minimal "$MINIMAL_VM" "same host"
fi
else echo "--- A-40 joyent-minimal: full suite only"; rm -f "$STATE/minimal.facts"
fi

# --- joyent with delegated data and a child dataset with its own snapshot
cat >"$STATE/deleg.json" <<JSON
{"uuid": "$DELEG_VM", "brand": "joyent", "image_uuid": "$KIND_IMG", "alias": "lab-deleg",
 "quota": 1, "max_physical_memory": 128, "delegate_dataset": true,
 "nics": [{"nic_tag": "admin", "ip": "10.99.99.71", "netmask": "255.255.255.0"}]}
JSON
ok "vmadm create joyent with delegated dataset" vmadm create -f "$STATE/deleg.json"
D=zones/$DELEG_VM/data
fill_data() {
  zfs create -o compression=off -o recordsize=16K "$D/child" || return 1
  zfs mount "$D/child" 2>/dev/null
  mkdir -p "/$D/db" && head -c 200K /dev/urandom >"/$D/db/t.db" && echo c1 >"/$D/child/file" || return 1
  zfs snapshot "$D/child@child-1" && zfs snapshot "$D@data-1" || return 1
  echo c2 >"/$D/child/file"; head -c 50K /dev/urandom >>"/$D/db/t.db"
}
ok "child dataset under the delegated dataset, with its own snapshot" with_unzoned "$D" fill_data
eq "child inherits zoned=on" "on" "$(prop "$D/child" zoned)"
if save_zone deleg "$DELEG_VM"; then
  record_zone deleg "$DELEG_VM"
  with_unzoned "$D" data_facts "$DELEG_VM" >"$STATE/deleg.data"
  ok "vmadm delete deleg" vmadm delete "$DELEG_VM"
  restore_check deleg "$DELEG_VM" "same host"
  eq "deleg (same host): delegated data and child content" "$(cat "$STATE/deleg.data")" "$(with_unzoned "$D" data_facts "$DELEG_VM")"
fi
exit 0
