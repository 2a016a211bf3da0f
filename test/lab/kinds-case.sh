# shellcheck shell=bash
# Preamble of the host A zone-kind cases (sourced): the helpers, zbak present
# (else the case is skipped), and the image and archive directories.
_lab_dir=$(dirname "${BASH_SOURCE[0]}")
source "$_lab_dir/lib.sh"
source "$_lab_dir/zones.sh"
source "$_lab_dir/kinds.sh"
need_zbak || exit 0
mkdir -p "$IMAGES" "$ARCHIVES"
