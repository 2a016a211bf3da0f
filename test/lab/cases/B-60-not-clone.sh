#!/bin/bash
# lab: full suite only (needs A-60)
# zbak on host B: the promoted (non-clone) zone of A-60, restored on a host that
# has the zone's images installed (vmadm create needs them); full stream, no origin.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
source "$(dirname "$0")/../kinds.sh"
need_zbak || exit 0
[ -f "$STATE/promo.facts" ] || { fail "no archive from host A (A-60 did not complete)"; exit 0; }
install_image "$PROMO_BASE"
install_image "$PROMO_CHILD"
restore_check promo "$PROMO_VM" "host B, image installed"
eq "zoneroot is not a clone on host B" "-" "$(prop "zones/$PROMO_VM" origin)"
exit 0
