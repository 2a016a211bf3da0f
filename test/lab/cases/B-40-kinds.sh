#!/bin/bash
# zbak on host B (fresh pool, none of the images): restore the kind archives of
# A-40 (kvm, bhyve, joyent-minimal, joyent with delegated child dataset); the
# images come from the archives. Same per-dataset facts and zone JSON as on host A.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
source "$(dirname "$0")/../kinds.sh"
need_zbak || exit 0
for k in kvm bhyve minimal deleg; do
  case $k in kvm) u=$KVM_VM ;; bhyve) u=$BHYVE_VM ;; minimal) u=$MINIMAL_VM ;; deleg) u=$DELEG_VM ;; esac
  if [ $k = minimal ] && [ "${LAB_FULL:-0}" != 1 ]; then echo "--- B-40 joyent-minimal: full suite only"; continue; fi
  [ -f "$STATE/$k.facts" ] || { fail "$k: no archive from host A (A-40 did not complete)"; continue; }
  ok "zbak verify $k archive on host B" zbak verify "$(cat "$STATE/$k.archive")"
  restore_check "$k" "$u" "host B"
  if [ $k = deleg ]; then
    eq "deleg (host B): delegated data and child content" "$(cat "$STATE/deleg.data")" \
      "$(with_unzoned "zones/$u/data" data_facts "$u")"
  fi
  [ $k = bhyve ] && ok "vmadm delete bhyve (free the pool)" vmadm delete "$u"
done
exit 0
