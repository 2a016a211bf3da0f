#!/bin/bash
# Raw OpenZFS on "host B" (own empty pool): the zone's -I stream needs its origin;
# after the image's full stream, the -I stream reproduces clone, GUIDs, content.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
RAW=/mnt/scratch/raw
[ -f "$STATE/raw.env" ] || { fail "no state from host A (A-10-raw-zfs did not run)"; exit 0; }
source "$STATE/raw.env"

refused "-I stream without its origin is refused" "local origin for clone zones/ZONE@s1 does not exist" \
  bash -c "zfs receive zones/ZONE <$RAW/zone.inc"
record_err refusal-receive-missing-origin.txt "zfs receive zones/ZONE < (send -I zones/IMG@final zones/ZONE@s2), pool without IMG@final" "$RC" "$ERR"
ok "receive the image's full stream" bash -c "zfs receive zones/IMG <$RAW/img.full"
eq "IMG@final GUID equals host A's" "$G_FINAL" "$(guid zones/IMG@final)"
ok "receive the zone's -I stream" bash -c "zfs receive zones/ZONE <$RAW/zone.inc"
eq "origin is zones/IMG@final" zones/IMG@final "$(prop zones/ZONE origin)"
eq "@s1 GUID equals host A's" "$G_S1" "$(guid zones/ZONE@s1)"
eq "@s2 GUID equals host A's" "$G_S2" "$(guid zones/ZONE@s2)"
eq "head content == s2" "$H2" "$(tree_hash /zones/ZONE)"
eq "@s1 content" "$H1" "$(tree_hash /zones/ZONE/.zfs/snapshot/s1)"
record zfs-list-hostb.tsv "zfs list -H -p -o name,type,origin,guid,createtxg,used,referenced,mountpoint -t all -r zones/IMG zones/ZONE"
zfs destroy -r zones/ZONE; zfs destroy -r zones/IMG
exit 0
