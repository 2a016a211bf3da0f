#!/bin/bash
# zbak on host A: joyent zone (delegated dataset, running) and lx zone (stopped),
# with files and user snapshots -> zbak save -> restore onto the existing uuid
# (refused) -> vmadm delete -> zbak restore -> same files, snapshots, GUIDs, origin,
# zone JSON. Archives, images and expectations stay on the scratch share for host B.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
need_zbak || exit 0
mkdir -p "$IMAGES" "$ARCHIVES"

# Two images, installed the SmartOS way (imgadm install of a stream + manifest).
make_image "$JOYENT_IMG" zone-dataset smartos
make_image "$LX_IMG" lx-dataset linux
install_image "$JOYENT_IMG"
install_image "$LX_IMG"
ok "imgadm get finds the joyent image" imgadm get -P zones "$JOYENT_IMG"
eq "imgadm install renamed the snapshot to @final" "zones/$JOYENT_IMG@final" \
  "$(zfs list -H -o name -t snapshot "zones/$JOYENT_IMG@final" 2>&1)"

cat >"$STATE/joyent.json" <<JSON
{"uuid": "$JOYENT_VM", "brand": "joyent", "image_uuid": "$JOYENT_IMG", "alias": "lab-joyent",
 "hostname": "labj", "quota": 1, "max_physical_memory": 256, "delegate_dataset": true,
 "customer_metadata": {"role": "db"}, "tags": {"lab": "yes"},
 "nics": [{"nic_tag": "admin", "ip": "10.99.99.5", "netmask": "255.255.255.0", "gateway": "10.99.99.1"}]}
JSON
cat >"$STATE/lx.json" <<JSON
{"uuid": "$LX_VM", "brand": "lx", "image_uuid": "$LX_IMG", "alias": "lab-lx", "autoboot": false,
 "kernel_version": "4.3.0", "quota": 1, "max_physical_memory": 256}
JSON
ok "vmadm create joyent zone" vmadm create -f "$STATE/joyent.json"
ok "vmadm create lx zone" vmadm create -f "$STATE/lx.json"
eq "joyent zoneroot is a clone of the image" "zones/$JOYENT_IMG@final" "$(prop "zones/$JOYENT_VM" origin)"
eq "delegated dataset exists" "zones/$JOYENT_VM/data" "$(zfs list -H -o name "zones/$JOYENT_VM/data" 2>&1)"

# Files and user snapshots.
J=/zones/$JOYENT_VM L=/zones/$LX_VM
mkdir -p "$J/root/home/app" "$J/data/db" "$L/root/home/user"
head -c 512K /dev/urandom >"$J/root/home/app/state.bin"; echo v1 >"$J/root/etc/app.conf"
head -c 256K /dev/urandom >"$J/data/db/table.db"; chmod 600 "$J/data/db/table.db"
echo hello >"$L/root/home/user/notes.txt"; ln -s notes.txt "$L/root/home/user/link"
ok "user snapshots @user-1" zfs snapshot "zones/$JOYENT_VM@user-1" "zones/$JOYENT_VM/data@user-1" "zones/$LX_VM@user-1"
echo v2 >"$J/root/etc/app.conf"; rm "$J/root/etc/motd"; head -c 128K /dev/urandom >>"$J/data/db/table.db"
head -c 300K /dev/urandom >"$L/root/home/user/big.bin"
ok "user snapshots @user-2" zfs snapshot "zones/$JOYENT_VM@user-2" "zones/$LX_VM@user-2"
echo v3 >"$J/root/etc/app.conf"

for k in joyent lx; do
  [ $k = joyent ] && u=$JOYENT_VM || u=$LX_VM
  zone_json "$u" >"$STATE/$k.vm.json"
  rm -rf "${ARCHIVES:?}/$k"; mkdir -p "$ARCHIVES/$k"
  if out=$(zbak save "$u" --to "$ARCHIVES/$k" 2>"$STATE/$k.save.err"); then
    pass "zbak save $k zone"
  else
    fail "zbak save $k zone (rc=$?)"; indent <"$STATE/$k.save.err"
  fi
  f=$(ls "$ARCHIVES/$k"/* 2>/dev/null | head -n1)
  [ -n "$f" ] && echo "$f" >"$STATE/$k.archive" || { fail "no archive file for $k (stdout: $out)"; continue; }
  zone_record "$u" >"$STATE/$k.record"
  ok "zbak verify $k archive" zbak verify "$f"
  ok "zbak inspect --json $k archive is JSON naming the zone" \
    bash -c "zbak inspect '$f' --json | node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>{if(!s.includes(\"$u\"))process.exit(1);JSON.parse(s)})'"
done
ok "zbak list shows both zones" bash -c "zbak list | grep -q lab-joyent && zbak list | grep -q lab-lx"

# Restore onto a zone that exists: refused, zone untouched.
J_ARCH=$(cat "$STATE/joyent.archive" 2>/dev/null) LX_ARCH=$(cat "$STATE/lx.archive" 2>/dev/null)
before=$(host_state; zone_record "$JOYENT_VM")
refused "restore onto an existing uuid is refused" "$JOYENT_VM" zbak restore "$J_ARCH"
eq "existing zone untouched by the refused restore" "$before" "$(host_state; zone_record "$JOYENT_VM")"

# Delete, restore, compare.
for k in joyent lx; do
  [ $k = joyent ] && { u=$JOYENT_VM; f=$J_ARCH; } || { u=$LX_VM; f=$LX_ARCH; }
  ok "vmadm delete $k zone" vmadm delete "$u"
  eq "$k zoneroot gone after delete" "" "$(zfs list -H -o name "zones/$u" 2>/dev/null)"
  ok "zbak restore $k archive (same host)" zbak restore "$f"
  eq "$k: origin, files, snapshots and GUIDs identical after restore" "$(cat "$STATE/$k.record")" "$(zone_record "$u")"
  eq "$k: zone JSON identical after restore" "$(cat "$STATE/$k.vm.json")" "$(zone_json "$u")"
done

# A corrupted archive: verify fails, restore fails, host untouched.
ok "vmadm delete lx zone again" vmadm delete "$LX_VM"
BAD=/mnt/scratch/corrupt.zbak; cp "$LX_ARCH" "$BAD"
size=$(stat -c %s "$BAD")
printf 'CORRUPTCORRUPT' | dd of="$BAD" bs=1 seek=$((size / 2)) conv=notrunc status=none
before=$(host_state)
refused "zbak verify of a corrupted archive fails" "" zbak verify "$BAD"
refused "zbak restore of a corrupted archive fails" "" zbak restore "$BAD"
eq "host untouched after the failed restore" "$before" "$(host_state)"
ok "the good lx archive still restores afterwards" zbak restore "$LX_ARCH"
exit 0
