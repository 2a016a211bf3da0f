# shellcheck shell=bash
# Helpers for the per-kind round-trip cases (A-40.. / B-40..): more images and
# zones (fixed uuids so host A and host B agree), per-dataset facts that must
# survive a round trip, zvol helpers. Sourced after lib.sh and zones.sh.
ZVOL_IMG=5c1a1e55-0000-4000-8000-00000000a003    # zvol image (kvm/bhyve disk0)
CHAIN_BASE=5c1a1e55-0000-4000-8000-00000000a004  # zone-dataset base of a chain
CHAIN_CHILD=5c1a1e55-0000-4000-8000-00000000a005 # incremental image: clone of base@final
KIND_IMG=5c1a1e55-0000-4000-8000-00000000a006   # zone-dataset for the OS-zone shapes
PROMO_BASE=5c1a1e55-0000-4000-8000-00000000a007  # base and child image the promoted zone leaves
PROMO_CHILD=5c1a1e55-0000-4000-8000-00000000a008
KVM_VM=2b6e7c10-0000-4000-8000-00000000b003
BHYVE_VM=2b6e7c10-0000-4000-8000-00000000b004
MINIMAL_VM=2b6e7c10-0000-4000-8000-00000000b005
DELEG_VM=2b6e7c10-0000-4000-8000-00000000b006    # joyent, delegated data with a child dataset
CHAIN_VM=2b6e7c10-0000-4000-8000-00000000b007    # joyent on the incremental image
PROMO_VM=2b6e7c10-0000-4000-8000-00000000b008    # zoneroot promoted over its images
COPY_VM=2b6e7c10-0000-4000-8000-00000000b009     # original of the --new-uuid copy
INDE_VM=2b6e7c10-0000-4000-8000-00000000b00a     # indestructible_zoneroot

# write_manifest UUID TYPE OS [EXTRA_JSON]: imgadm manifest for $IMAGES/UUID.zfs.
write_manifest() {
  local u=$1 type=$2 os=$3 extra=${4:-}
  cat >"$IMAGES/$u.imgmanifest" <<JSON
{"v": 2, "uuid": "$u", "owner": "00000000-0000-0000-0000-000000000000",
 "name": "lab-$type-${u: -4}", "version": "1.0.0", "state": "active", "disabled": false, "public": true,
 "published_at": "2026-01-01T00:00:00Z", "type": "$type", "os": "$os",
 "description": "zbak lab $type image", "requirements": {}, $extra
 "files": [{"sha1": "$(sha1sum <"$IMAGES/$u.zfs" | cut -d' ' -f1)", "size": $(stat -c %s "$IMAGES/$u.zfs"), "compression": "none"}]}
JSON
}

# zvol_dev NAME: the device path of a zvol once udev has made it (waits up to 30 s).
zvol_dev() {
  local i
  for i in $(seq 60); do
    [ -e "/dev/zvol/$1" ] && { echo "/dev/zvol/$1"; return 0; }
    udevadm settle -t 5 2>/dev/null || sleep 0.5
  done
  echo "/dev/zvol/$1"; return 1
}
# vol_write NAME OFFSET_KIB TEXT: distinct bytes at an offset of a zvol.
vol_write() {
  local dev; dev=$(zvol_dev "$1")
  printf '%s' "$3" | dd of="$dev" bs=1K seek="$2" conv=notrunc,fsync status=none
}
vol_hash() { local dev; dev=$(zvol_dev "$1") && sha256sum <"$dev" | cut -c1-16; }

# make_zvol_image UUID MIB: a zvol image (boot sector bytes, @final) sent to $IMAGES.
make_zvol_image() {
  local u=$1 mib=$2 ds=zones/lab-build-$1
  zfs create -V "${mib}M" "$ds"
  vol_write "$ds" 0 "BOOTSECTOR zvol image $u"
  head -c 1M /dev/urandom | dd of="$(zvol_dev "$ds")" bs=1M seek=1 conv=notrunc,fsync status=none
  zfs snapshot "$ds@final"
  zfs send "$ds@final" >"$IMAGES/$u.zfs"
  zfs destroy -r "$ds"
  write_manifest "$u" zvol linux "\"image_size\": $mib,"
}

# with_unzoned DS CMD...: run CMD with DS (zoned=on, so unmountable in the global zone
# on Linux) and its children mounted; zoned=on again afterwards (set back as local).
with_unzoned() {
  local ds=$1 rc; shift
  zfs set zoned=off "$ds" && zfs list -H -o name -r "$ds" | xargs -n1 zfs mount 2>/dev/null
  "$@"; rc=$?
  zfs list -H -o name -r "$ds" | tac | xargs -n1 zfs umount 2>/dev/null
  zfs set zoned=on "$ds"
  return $rc
}

# zone_datasets UUID: every dataset of the zone (root and below, kvm disks, cores).
zone_datasets() {
  { zfs list -H -o name -t filesystem,volume -r "zones/$1" 2>/dev/null
    zfs list -H -o name -t volume 2>/dev/null | grep -E "^zones/$1-disk[0-9]+$"
    zfs list -H -o name "zones/cores/$1" 2>/dev/null; } |
    # Sorted as if the uuid were "U", so a copy (another, random uuid) lists in the same order.
    awk -v u="$1" '{ k = $0; gsub(u, "U", k); print k "\t" $0 }' | LC_ALL=C sort -u | cut -f2
}

# own_path DS UUID: where a filesystem of zone UUID belongs in the global zone (SmartOS layout):
# cores at /zones/UUID/cores, everything else at /DS.
own_path() { if [ "$1" = "zones/cores/$2" ]; then echo "/zones/$2/cores"; else echo "/$1"; fi; }

# ds_facts UUID: per dataset (names and values with the zone's uuid written as U so a copy
# compares): type, content hash, origin + origin GUID, every property set on the dataset itself
# but a received encryption=off (source local or received: what `zfs send -p` carries, so a copy's local cores mountpoint and
# the original's compare modulo the uuid), every snapshot with its GUID. Content is read only at
# the zone's own path (own_path), never where a mountpoint points: a copy whose dataset mounts
# over the original's shows as "mounted elsewhere" instead of hashing the original's files.
ds_facts() {
  local u=$1 ds type mnt origin s
  for ds in $(zone_datasets "$u"); do
    type=$(prop "$ds" type)
    origin=$(prop "$ds" origin)
    echo "== ${ds//$u/U} $type origin=$origin$([ "$origin" = - ] || echo " $(guid "$origin")")"
    # encryption=off: OpenZFS records it as received on every dataset created by receiving a
    # clone stream with properties (docs/SMARTOS.md); it is the default, so it is no difference.
    zfs get -H -p -o property,value -s local,received all "$ds" | LC_ALL=C sort | tr '\t' '=' | grep -vx 'encryption=off' | sed "s/$u/U/g" | tr '\n' ' '; echo
    if [ "$type" = volume ]; then echo "content $(vol_hash "$ds")"
    elif [ "$(prop "$ds" mounted)" != yes ]; then echo "content (not mounted)"
    else
      mnt=$(prop "$ds" mountpoint)
      if [ "$mnt" = "$(own_path "$ds" "$u")" ]; then echo "content $(tree_hash "$mnt")"
      else echo "content (mounted elsewhere: ${mnt//$u/U})"; fi
    fi
    for s in $(zfs list -H -t snapshot -o name -d 1 "$ds" | sed 's/.*@//'); do
      echo "snap $s $(guid "$ds@$s")"
    done
  done
}

# names_uuid UUID OTHER: the properties set on OTHER's datasets whose value names UUID (none for
# an independent copy).
names_uuid() {
  local ds
  for ds in $(zone_datasets "$2"); do
    zfs get -H -p -o name,property,value -s local,received all "$ds" | awk -F'\t' -v u="$1" 'index($3, u) { print }'
  done
}

# data_facts UUID: content of the delegated dataset and its children (mounted for the look).
data_facts() {
  local d
  for d in $(zfs list -H -o name -r "zones/$1/data"); do
    echo "${d//$1/U} $(tree_hash "/$d")"
  done
}

# save_zone KEY UUID [ZBAK SAVE ARGS...]: zbak save into $ARCHIVES/KEY; path in $STATE/KEY.archive.
save_zone() {
  local k=$1 u=$2 f
  rm -rf "${ARCHIVES:?}/$k"; mkdir -p "$ARCHIVES/$k"
  if zbak save "$u" --to "$ARCHIVES/$k" "${@:3}" >"$STATE/$k.save.out" 2>"$STATE/$k.save.err"; then pass "zbak save $k"
  else fail "zbak save $k (rc=$?)"; indent <"$STATE/$k.save.err"; return 1; fi
  f=$(ls "$ARCHIVES/$k"/*.zbak 2>/dev/null | head -n1)
  [ -n "$f" ] || { fail "no archive for $k"; return 1; }
  echo "$f" >"$STATE/$k.archive"
}

# restore_check KEY UUID WHERE [ZBAK RESTORE ARGS...]: restore $STATE/KEY.archive and
# compare the dataset facts and zone JSON with those recorded at save time.
restore_check() {
  local k=$1 u=$2 where=$3; shift 3
  local f; f=$(cat "$STATE/$k.archive")
  ok "zbak restore $k ($where)" zbak restore "$f" "$@"
  eq "$k ($where): datasets, properties, content, snapshots + GUIDs, origin" "$(cat "$STATE/$k.facts")" "$(ds_facts "$u")"
  eq "$k ($where): zone JSON" "$(cat "$STATE/$k.vm.json")" "$(zone_json "$u")"
}

# make_child_image PARENT CHILD: an incremental image, a clone of PARENT@final with
# more files, sent as `zfs send -i PARENT@final` (PARENT must be installed).
make_child_image() {
  local p=$1 u=$2 ds=zones/lab-build-$2
  zfs clone "zones/$p@final" "$ds"
  mkdir -p "/$ds/root/opt/child"; echo "child image $u" >"/$ds/root/opt/child/README"
  head -c 300K /dev/urandom >"/$ds/root/opt/child/lib.so"
  zfs snapshot "$ds@final"
  zfs send -i "zones/$p@final" "$ds@final" >"$IMAGES/$u.zfs"
  zfs destroy -r "$ds"
  write_manifest "$u" zone-dataset smartos "\"origin\": \"$p\","
}

# os_zone UUID IMAGE ALIAS IP [EXTRA_JSON]: a joyent zone with a NIC, files and a hand snapshot.
os_zone() {
  local u=$1 img=$2 alias=$3 ip=$4 extra=${5:-}
  cat >"$STATE/$alias.json" <<JSON
{"uuid": "$u", "brand": "joyent", "image_uuid": "$img", "alias": "$alias", "quota": 1,
 "max_physical_memory": 128, $extra
 "nics": [{"nic_tag": "admin", "ip": "$ip", "netmask": "255.255.255.0", "gateway": "10.99.99.1"}]}
JSON
  ok "vmadm create $alias" vmadm create -f "$STATE/$alias.json" || return 1
  local r=/zones/$u/root
  mkdir -p "$r/home/app"; echo "$alias v1" >"$r/home/app/conf"; head -c 100K /dev/urandom >"$r/home/app/blob"
  ok "hand snapshot on $alias" zfs snapshot "zones/$u@hand-1"
  echo "$alias v2" >"$r/home/app/conf"; chmod 600 "$r/home/app/blob"
}
