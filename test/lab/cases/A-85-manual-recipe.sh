#!/bin/bash
# The manual restore of docs/FORMAT.md, run as written on real OpenZFS: the recipe's
# marked blocks are extracted from the document itself (dist/scripts/manual-recipe.js;
# a block missing or renamed fails the extraction) and run with bash -e -o pipefail.
# Per kind: make the zone, zbak save, vmadm delete (and for joyent imgadm delete of its
# image), run the recipe, compare per dataset (content, every local/received property,
# snapshots + GUIDs, origin + GUID) and the zone JSON (autoboot, create_timestamp) with
# what was recorded at save time.
#   joyent  delegated dataset, user snapshots on root and data, running; image deleted
#   lx      "datasets": [] (no delegated dataset), saved stopped with autoboot off
#   kvm     disk0 cloned from a zvol image with a hand snapshot, disk1 plain
#   bhyve   child disks, vmsnap on root and disks
# Self-contained (own images, zones and $STATE keys r85*; zones and images removed at the end).
# CI runs the joyent kind; the others only in the full suite (LAB_FULL=1) or when named in
# LAB_RECIPE_KINDS (e.g. in lab:shell).
set -uo pipefail
source "$(dirname "$0")/../kinds-case.sh"

R_IMG=5c1a1e55-0000-4000-8000-00000000a085      # zone-dataset (joyent)
R_LX_IMG=5c1a1e55-0000-4000-8000-00000000a086   # lx-dataset
R_ZVOL_IMG=5c1a1e55-0000-4000-8000-00000000a087 # zvol (kvm and bhyve disk0)
R_JOYENT=2b6e7c10-0000-4000-8000-00000000b085
R_LX=2b6e7c10-0000-4000-8000-00000000b086
R_KVM=2b6e7c10-0000-4000-8000-00000000b087
R_BHYVE=2b6e7c10-0000-4000-8000-00000000b088
KINDS=${LAB_RECIPE_KINDS:-joyent}
[ "${LAB_FULL:-0}" = 1 ] && [ -z "${LAB_RECIPE_KINDS:-}" ] && KINDS="joyent lx kvm bhyve"
wanted() { grep -qw -- "$1" <<<"$KINDS"; }

# SmartOS has /usr/bin/json; the guest does not: the repository's stand-in (personality/json.ts,
# only the invocations the recipe uses) on PATH for the recipe alone.
JSON_BIN=$(mktemp -d)
printf '#!/bin/sh\nexec /usr/local/bin/node /mnt/zbak/dist/personality/json.js "$@"\n' >"$JSON_BIN/json"
chmod 755 "$JSON_BIN/json"

# recipe KEY: the document's recipe on $STATE/KEY.archive into the pool zones, scratch
# directory as the document suggests; output in $STATE/KEY.recipe.out.
recipe() {
  local k=$1 f script=$STATE/$1.recipe.sh
  f=$(cat "$STATE/$k.archive") || return 1
  node /mnt/zbak/dist/scripts/manual-recipe.js /mnt/zbak/docs/FORMAT.md "$f" zones /zones/zbak-manual-restore >"$script" || return 1
  PATH="$JSON_BIN:$PATH" bash "$script" >"$STATE/$k.recipe.out" 2>&1
}

# recipe_check KEY UUID: delete nothing, run the recipe, compare with the save.
recipe_check() {
  local k=$1 u=$2 t0=$SECONDS
  if recipe "$k"; then pass "manual recipe from docs/FORMAT.md restores $k ($((SECONDS - t0)) s)"
  else fail "manual recipe from docs/FORMAT.md restores $k (rc=$?)"; tail -n 25 "$STATE/$k.recipe.out" | indent; fi
  eq "$k (recipe): datasets, properties, content, snapshots + GUIDs, origin" "$(cat "$STATE/$k.facts")" "$(ds_facts "$u")"
  eq "$k (recipe): zone JSON" "$(cat "$STATE/$k.vm.json")" "$(zone_json "$u")"
  eq "$k (recipe): scratch directory removed" "" "$(ls -d /zones/zbak-manual-restore 2>/dev/null)"
}

# saved KEY UUID: zbak save, then record what the recipe must bring back.
saved() {
  save_zone "$1" "$2" || return 1
  zone_json "$2" >"$STATE/$1.vm.json"
  ds_facts "$2" >"$STATE/$1.facts"
}

field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s)[process.argv[1]])))' "$1"; }

if wanted joyent; then
  t0=$SECONDS
  make_image "$R_IMG" zone-dataset smartos
  install_image "$R_IMG"
  img_guid=$(guid "zones/$R_IMG@final")
  os_zone "$R_JOYENT" "$R_IMG" lab-recipe-j 10.99.99.85 '"delegate_dataset": true, "customer_metadata": {"role": "db"}, "tags": {"lab": "yes"},'
  ok "user snapshot on root and data" zfs snapshot "zones/$R_JOYENT@user-1" "zones/$R_JOYENT/data@user-1"
  echo "after user-1" >"/zones/$R_JOYENT/root/home/app/conf"
  if saved r85joyent "$R_JOYENT"; then
    ok "vmadm delete joyent" vmadm delete "$R_JOYENT"
    ok "imgadm delete its image" imgadm delete "$R_IMG"
    eq "image gone (dataset and manifest)" "" "$(zfs list -H -o name "zones/$R_IMG" 2>/dev/null; ls "/var/imgadm/images/zones-$R_IMG.json" 2>/dev/null)"
    recipe_check r85joyent "$R_JOYENT"
    eq "joyent (recipe): image reinstalled with its @final GUID" "$img_guid" "$(guid "zones/$R_IMG@final" 2>&1)"
    ok "joyent (recipe): imgadm knows the image again" imgadm get -P zones "$R_IMG"
    eq "joyent (recipe): running, autoboot true" '"running" true' "$(vmadm get "$R_JOYENT" | field state) $(vmadm get "$R_JOYENT" | field autoboot)"
    grep -q 'installing from stream' "$STATE/r85joyent.recipe.out" && pass "joyent (recipe): the image came from the archive" || fail "joyent (recipe): the image came from the archive"
  fi
  vmadm delete "$R_JOYENT" >/dev/null 2>&1
  echo "--- joyent kind $((SECONDS - t0)) s"
fi

if wanted lx; then
  t0=$SECONDS
  make_image "$R_LX_IMG" lx-dataset linux
  install_image "$R_LX_IMG"
  cat >"$STATE/recipe-lx.json" <<JSON
{"uuid": "$R_LX", "brand": "lx", "image_uuid": "$R_LX_IMG", "alias": "lab-recipe-lx", "autoboot": false,
 "kernel_version": "4.3.0", "quota": 1, "max_physical_memory": 256}
JSON
  ok "vmadm create lx (autoboot false, no delegated dataset)" vmadm create -f "$STATE/recipe-lx.json"
  mkdir -p "/zones/$R_LX/root/home/user"; echo hello >"/zones/$R_LX/root/home/user/notes.txt"
  ok "user snapshot on lx" zfs snapshot "zones/$R_LX@user-1"
  head -c 100K /dev/urandom >"/zones/$R_LX/root/home/user/big.bin"
  eq "lx: saved with autoboot false and no delegated datasets" 'false 0' \
    "$(vmadm get "$R_LX" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(v.autoboot,(v.datasets||[]).length)})')"
  if saved r85lx "$R_LX"; then
    ok "vmadm delete lx" vmadm delete "$R_LX"
    recipe_check r85lx "$R_LX"
    eq "lx (recipe): autoboot false, stopped, no delegated dataset" 'false "stopped" ' \
      "$(vmadm get "$R_LX" | field autoboot) $(vmadm get "$R_LX" | field state) $(zfs list -H -o name "zones/$R_LX/data" 2>/dev/null)"
  fi
  vmadm delete "$R_LX" >/dev/null 2>&1
  echo "--- lx kind $((SECONDS - t0)) s"
fi

if wanted kvm || wanted bhyve; then
  make_zvol_image "$R_ZVOL_IMG" 8
  install_image "$R_ZVOL_IMG"
fi

if wanted kvm; then
  t0=$SECONDS
  cat >"$STATE/recipe-kvm.json" <<JSON
{"uuid": "$R_KVM", "brand": "kvm", "alias": "lab-recipe-kvm", "ram": 256,
 "disks": [{"image_uuid": "$R_ZVOL_IMG", "boot": true, "model": "virtio"}, {"size": 16, "model": "virtio"}],
 "nics": [{"nic_tag": "admin", "ip": "10.99.99.86", "netmask": "255.255.255.0", "model": "virtio"}]}
JSON
  ok "vmadm create kvm" vmadm create -f "$STATE/recipe-kvm.json"
  vol_write "zones/$R_KVM-disk0" 64 "KERNEL-1"
  ok "hand snapshot on kvm disk0" zfs snapshot "zones/$R_KVM-disk0@before-kernel"
  vol_write "zones/$R_KVM-disk0" 64 "KERNEL-2"
  vol_write "zones/$R_KVM-disk1" 0 "DATA-DISK-kvm"
  if saved r85kvm "$R_KVM"; then
    ok "vmadm delete kvm" vmadm delete "$R_KVM"
    recipe_check r85kvm "$R_KVM"
  fi
  vmadm delete "$R_KVM" >/dev/null 2>&1
  echo "--- kvm kind $((SECONDS - t0)) s"
fi

if wanted bhyve; then
  t0=$SECONDS
  cat >"$STATE/recipe-bhyve.json" <<JSON
{"uuid": "$R_BHYVE", "brand": "bhyve", "alias": "lab-recipe-bhyve", "ram": 256, "quota": 1, "flexible_disk_size": 64,
 "disks": [{"image_uuid": "$R_ZVOL_IMG", "boot": true, "model": "virtio", "size": 16}, {"size": 16, "model": "virtio"}],
 "nics": [{"nic_tag": "admin", "ip": "10.99.99.87", "netmask": "255.255.255.0", "model": "virtio"}]}
JSON
  ok "vmadm create bhyve" vmadm create -f "$STATE/recipe-bhyve.json"
  vol_write "zones/$R_BHYVE/disk0" 64 "OS-v1"
  ok "vmadm create-snapshot bhyve pre-upgrade" vmadm create-snapshot "$R_BHYVE" pre-upgrade
  vol_write "zones/$R_BHYVE/disk0" 64 "OS-v2"
  vol_write "zones/$R_BHYVE/disk1" 0 "DATA-DISK-bhyve"
  if saved r85bhyve "$R_BHYVE"; then
    ok "vmadm delete bhyve" vmadm delete "$R_BHYVE"
    recipe_check r85bhyve "$R_BHYVE"
  fi
  vmadm delete "$R_BHYVE" >/dev/null 2>&1
  echo "--- bhyve kind $((SECONDS - t0)) s"
fi

# Leave the pool as the case found it: its images go too.
for img in "$R_IMG" "$R_LX_IMG" "$R_ZVOL_IMG"; do imgadm delete "$img" >/dev/null 2>&1; done
rm -rf "$JSON_BIN"
exit 0
