# shellcheck shell=bash
# Shared settings for the zbak lab scripts (sourced, not run).
# Knobs (environment):
#   ZBAK_LAB_CACHE   image cache root            (default ~/.cache/zbak-lab)
#   ZBAK_LAB_DIR     per-checkout work dir       (default <repo>/.lab)
#   ZBAK_LAB_MIRROR  Debian mirror               (default http://deb.debian.org/debian)

LAB_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_SCRIPTS/../.." && pwd)
LAB_CACHE=${ZBAK_LAB_CACHE:-$HOME/.cache/zbak-lab}
LAB_DIR=${ZBAK_LAB_DIR:-$REPO/.lab}
MIRROR=${ZBAK_LAB_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${ZBAK_LAB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITE=bookworm

# Host packages the lab needs (installed by build.sh with --no-install-recommends).
HOST_PKGS=(qemu-system-x86 qemu-utils debootstrap e2fsprogs openssh-client zstd ca-certificates)

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# as_root CMD...: run as root (sudo when we are not root).
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# lab_key: hash of everything that goes into the image: the recipe scripts,
# the files copied into the guest, the node version baked in, and the
# kernel versions the host's apt lists currently offer (cheap; same mirror).
lab_key() {
  {
    cat "$LAB_SCRIPTS/build.sh" "$LAB_SCRIPTS/lib.sh"
    find "$LAB_SCRIPTS/image" -type f | LC_ALL=C sort | xargs cat
    node --version 2>/dev/null || echo no-node
    apt-cache policy linux-image-amd64 linux-headers-amd64 2>/dev/null | grep -E '^[a-z]|Candidate' || true
  } | sha256sum | cut -c1-16
}

# lab_image_dir: the cached image directory for the current recipe.
lab_image_dir() { echo "$LAB_CACHE/$(lab_key)"; }
