#!/bin/bash
# Guest side of the host-side pipe cases (test/lab/host-cases/P-*.sh), run through vm.sh ssh:
#   pipe-guest.sh setup VM IMG      (host A) an image and a joyent zone of its own, the age
#                                   identities and the signing keys in the shared state dir
#   pipe-guest.sh facts VM          datasets, properties, content, snapshots + GUIDs, origin,
#                                   and the zone JSON, as the other cases compare them
#   pipe-guest.sh host-state        what a refused restore must leave as it was: every dataset
#                                   and snapshot with its GUID, the zones, the image database
#   pipe-guest.sh cleanup VM IMG    the zone and image removed
set -uo pipefail
cd "$(dirname "$0")"
export LAB_STATE=/mnt/scratch/state LAB_FIXTURES=/mnt/scratch/fixtures
CASE=${CASE:-pipe}
source ./lib.sh
source ./zones.sh
source ./kinds.sh
P=$STATE/pipe
cmd=${1:?usage: pipe-guest.sh setup|facts|host-state|cleanup ...}
case $cmd in
setup)
  vm=$2 img=$3
  mkdir -p "$IMAGES" "$P"; rm -f "$P"/*
  { make_image "$img" zone-dataset smartos && install_image "$img" && os_zone "$vm" "$img" lab-pipe 10.99.99.77; } >&2
  zbak keygen "$P/id.age" >"$P/recipient" && zbak keygen "$P/other.age" >/dev/null \
    && zbak keygen --sign "$P/sign.key" >/dev/null && zbak keygen --sign "$P/other.key" >/dev/null \
    || { echo "keygen failed" >&2; exit 1; }
  ;;
facts) ds_facts "$2"; zone_json "$2" ;;
host-state)
  zfs list -H -p -t all -o name,guid | LC_ALL=C sort
  vmadm list -H -o uuid,state 2>/dev/null | LC_ALL=C sort
  ls /var/imgadm/images 2>/dev/null | LC_ALL=C sort
  ;;
cleanup)
  vmadm delete "$2" >/dev/null 2>&1
  imgadm delete -P zones "$3" >/dev/null 2>&1 || zfs destroy -r "zones/$3" >/dev/null 2>&1
  true
  ;;
*) echo "pipe-guest.sh: unknown command $cmd" >&2; exit 2 ;;
esac
