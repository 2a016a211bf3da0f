# shellcheck shell=bash
# The lab's images and zones (fixed uuids so host A and host B agree), and
# helpers for the zbak round-trip cases. Sourced after lib.sh.
JOYENT_IMG=5c1a1e55-0000-4000-8000-00000000a001   # zone-dataset
LX_IMG=5c1a1e55-0000-4000-8000-00000000a002       # lx-dataset
JOYENT_VM=2b6e7c10-0000-4000-8000-00000000b001    # joyent, delegated dataset, running
LX_VM=2b6e7c10-0000-4000-8000-00000000b002        # lx, stopped (autoboot false)
IMAGES=/mnt/scratch/images
ARCHIVES=/mnt/scratch/archives

# need_zbak: SKIP (pending) unless the compiled CLI and personality exist in the share.
need_zbak() {
  local f missing=()
  for f in dist/src/cli/main.js dist/personality/vmadm.js dist/personality/imgadm.js \
           dist/personality/sysinfo.js dist/personality/zonecfg.js; do
    [ -f "/mnt/zbak/$f" ] || missing+=("$f")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  skip "pending: ${missing[*]} not built (npm run build; src/ and personality/ in progress)"
  return 1
}

# need_joyent_archive: ARCH=A-20's joyent archive, u=the joyent zone, J=its path; or SKIP.
need_joyent_archive() {
  ARCH=$(cat "$STATE/joyent.archive" 2>/dev/null) u=$JOYENT_VM J=/zones/$JOYENT_VM
  [ -n "$ARCH" ] || { skip "no joyent archive from A-20"; return 1; }
}

# install_image UUID: imgadm install of the image file (stream + manifest) made on host A.
install_image() {
  ok "imgadm install image $1" imgadm install -m "$IMAGES/$1.imgmanifest" -f "$IMAGES/$1.zfs"
}

# make_image UUID TYPE OS: build a small image dataset, send it to $IMAGES with a manifest.
make_image() {
  local u=$1 type=$2 os=$3 ds=zones/lab-build-$1 tags='{}'
  [ "$type" = lx-dataset ] && tags='{"kernel_version":"4.3.0"}'
  zfs create "$ds"
  mkdir -p "/$ds/root/etc" "/$ds/root/usr/lib" "/$ds/root/home"
  echo "$type image $u" >"/$ds/root/etc/motd"
  head -c 1M /dev/urandom >"/$ds/root/usr/lib/libbase.so"
  ln -s ../usr/lib/libbase.so "/$ds/root/etc/libbase-link"
  zfs snapshot "$ds@final"
  zfs send "$ds@final" >"$IMAGES/$u.zfs"
  zfs destroy -r "$ds"
  cat >"$IMAGES/$u.imgmanifest" <<JSON
{"v": 2, "uuid": "$u", "owner": "00000000-0000-0000-0000-000000000000",
 "name": "lab-$type", "version": "1.0.0", "state": "active", "disabled": false, "public": true,
 "published_at": "2026-01-01T00:00:00Z", "type": "$type", "os": "$os",
 "description": "zbak lab $type image", "requirements": {}, "tags": $tags,
 "files": [{"sha1": "$(sha1sum <"$IMAGES/$u.zfs" | cut -d' ' -f1)", "size": $(stat -c %s "$IMAGES/$u.zfs"), "compression": "none"}]}
JSON
}

# snapshot_list UUID: "name guid" of every snapshot of the zone's datasets.
snapshot_list() { zfs list -H -p -t snapshot -o name,guid -r "zones/$1" | LC_ALL=C sort; }
# zone_json UUID: normalised `vmadm get`.
zone_json() { vmadm get "$1" | node /mnt/zbak/test/lab/zone-json.mjs; }
# zone_record UUID: every fact the round trip must preserve, one per line.
zone_record() {
  local u=$1 s
  echo "origin $(zfs get -H -o value origin "zones/$u")"
  echo "head $(tree_hash "/zones/$u")"
  for s in $(zfs list -H -t snapshot -o name -d 1 "zones/$u" | sed 's/.*@//'); do
    case $s in zbak*) continue ;; esac   # zbak's own snapshots are not user data
    echo "snap $s $(guid "zones/$u@$s") $(tree_hash "/zones/$u/.zfs/snapshot/$s")"
  done
  if zfs list "zones/$u/data" >/dev/null 2>&1; then
    echo "data $(tree_hash "/zones/$u/data")"
    for s in $(zfs list -H -t snapshot -o name -d 1 "zones/$u/data" | sed 's/.*@//'); do
      case $s in zbak*) continue ;; esac
      echo "datasnap $s $(guid "zones/$u/data@$s")"
    done
  fi
}
# host_state: what must not change when a restore is refused or fails.
host_state() { zfs list -H -p -t all -o name,guid | LC_ALL=C sort; ls /etc/zones /var/imgadm/images; }
