#!/bin/bash
# Raw OpenZFS facts zbak relies on (no zbak involved), host A:
# image + @final, clone with devices=off/quota, snapshots s1 s2, `send -I`,
# receive onto a fresh clone (refused), destroy + `receive -F` (clone again,
# same GUIDs and content). Streams go to the scratch share for host B.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
RAW=/mnt/scratch/raw; rm -rf "$RAW"; mkdir -p "$RAW"
zfs destroy -r zones/ZONE 2>/dev/null; zfs destroy -r zones/IMG 2>/dev/null; zfs destroy zones/VOL 2>/dev/null

# Image with a few MiB of files, then @final.
ok "create image dataset" zfs create zones/IMG
mkdir -p /zones/IMG/etc /zones/IMG/opt/app
head -c 2M /dev/urandom >/zones/IMG/opt/app/blob
echo "base image" >/zones/IMG/etc/motd
printf 'k=v\n' >/zones/IMG/etc/app.conf; chmod 640 /zones/IMG/etc/app.conf
ln -s ../etc/motd /zones/IMG/opt/motd-link
ok "snapshot image @final" zfs snapshot zones/IMG@final

# Zone root = clone of @final, like cinstall does.
ok "clone zone with devices=off, quota" zfs clone -o devices=off -o quota=1073741824 zones/IMG@final zones/ZONE
echo "s1 data" >/zones/ZONE/etc/s1.txt
head -c 512K /dev/urandom >/zones/ZONE/opt/app/s1.bin
ok "snapshot @s1" zfs snapshot zones/ZONE@s1
H1=$(tree_hash /zones/ZONE)
head -c 1M /dev/urandom >/zones/ZONE/opt/app/s2.bin
rm /zones/ZONE/etc/s1.txt; echo "changed" >>/zones/ZONE/etc/motd
ok "snapshot @s2" zfs snapshot zones/ZONE@s2
H2=$(tree_hash /zones/ZONE)
[ "$H1" != "$H2" ] && pass "s1 and s2 differ" || fail "s1 and s2 have the same content"
ok "create a small volume" zfs create -V 16M zones/VOL
G_FINAL=$(guid zones/IMG@final) G_S1=$(guid zones/ZONE@s1) G_S2=$(guid zones/ZONE@s2)

record zfs-list.tsv "zfs list -H -p -o name,type,origin,guid,createtxg,used,referenced,mountpoint -t all"
record zfs-get-clone.tsv "zfs get -H -p -o name,property,value,source all zones/ZONE"
record zfs-get-volume.tsv "zfs get -H -p -o name,property,value,source all zones/VOL"
record zfs-get-snapshot.tsv "zfs get -H -p -o name,property,value,source all zones/ZONE@s1"
record zfs-get-image-final.tsv "zfs get -H -p -o name,property,value,source all zones/IMG@final"

# Streams: the zone as an incremental from the image's @final, the image in full.
ok "send -I IMG@final ZONE@s2" bash -c "zfs send -I zones/IMG@final zones/ZONE@s2 >$RAW/zone.inc"
ok "send IMG@final (full)" bash -c "zfs send zones/IMG@final >$RAW/img.full"
ok "send -i s1 s2 (small)" bash -c "zfs send -i zones/ZONE@s1 zones/ZONE@s2 >$RAW/s1-s2.inc"
record zstream-dump-I-from-origin.txt "zstream dump $RAW/zone.inc"
record zstream-dump-i-s1-s2.txt "zstream dump $RAW/s1-s2.inc"
record stream-head-I-from-origin.hex "head -c 1024 $RAW/zone.inc | od -A d -t x1"
record stream-sizes.txt "stat -c '%n %s' $RAW/zone.inc $RAW/img.full $RAW/s1-s2.inc; zfs send -nvP -I zones/IMG@final zones/ZONE@s2"

# A fresh clone in the way: refused, both without and with -F.
zfs destroy -fr zones/ZONE && zfs clone zones/IMG@final zones/ZONE
refused "receive (no -F) onto existing dataset is refused" "must specify -F to overwrite it" \
  bash -c "zfs receive zones/ZONE <$RAW/zone.inc"
record_err refusal-receive-exists.txt "zfs receive zones/ZONE < (send -I zones/IMG@final zones/ZONE@s2)" "$RC" "$ERR"
refused "receive -F onto a fresh clone is refused" "destination 'zones/ZONE' is a clone" \
  bash -c "zfs receive -F zones/ZONE <$RAW/zone.inc"
record_err refusal-receive-F-onto-clone.txt "zfs receive -F zones/ZONE < (send -I zones/IMG@final zones/ZONE@s2)" "$RC" "$ERR"

# Destroy, then receive -F: the clone comes back exactly.
ok "destroy -fr the fresh clone" zfs destroy -fr zones/ZONE
ok "receive -F after destroy" bash -c "zfs receive -F zones/ZONE <$RAW/zone.inc"
eq "origin is the image's @final again" zones/IMG@final "$(prop zones/ZONE origin)"
eq "@s1 GUID kept" "$G_S1" "$(guid zones/ZONE@s1)"
eq "@s2 GUID kept" "$G_S2" "$(guid zones/ZONE@s2)"
eq "head content == s2" "$H2" "$(tree_hash /zones/ZONE)"
eq "@s1 content (.zfs/snapshot/s1)" "$H1" "$(tree_hash /zones/ZONE/.zfs/snapshot/s1)"
eq "quota not carried by a stream without -p" 0 "$(prop zones/ZONE quota)"
eq "devices not carried by a stream without -p" default "$(zfs get -H -o source devices zones/ZONE)"
record zfs-get-received-clone.tsv "zfs get -H -p -o name,property,value,source all zones/ZONE"
record zfs-list-after-receive.tsv "zfs list -H -p -o name,type,origin,guid,createtxg,used,referenced,mountpoint -t all -r zones/IMG zones/ZONE"

printf 'G_FINAL=%s\nG_S1=%s\nG_S2=%s\nH1=%s\nH2=%s\n' "$G_FINAL" "$G_S1" "$G_S2" "$H1" "$H2" >"$STATE/raw.env"
# Leave the pool clean for the next cases.
zfs destroy -r zones/ZONE; zfs destroy -r zones/IMG; zfs destroy zones/VOL
exit 0
