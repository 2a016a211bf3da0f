#!/usr/bin/env bash
# npm run lab:shell — build (or reuse) the image, boot a fresh VM, open a root
# shell in it; the VM is stopped when the shell exits.
set -euo pipefail
here=$(dirname "$0")
bash "$here/build.sh"
trap 'bash "$here/vm.sh" stop shell' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM
export ZBAK_LAB_OWNER_PID=$$   # vm.sh's watchdog kills qemu if this script dies hard
bash "$here/vm.sh" start shell
echo "[lab] repository: /mnt/zbak (read-only), scratch: /mnt/scratch, pool: zones; exit to stop the VM" >&2
bash "$here/vm.sh" ssh shell || true
