#!/bin/bash
# Runs in the guest right after boot (fed over ssh by vm.sh start): shares,
# and a SmartOS-like pool `zones` mounted at /zones with zones/cores.
set -euo pipefail
# The repository share is read-only for the guest: let it cache metadata and
# data (cache=loose), node loads thousands of small files from node_modules.
mountpoint -q /mnt/zbak && umount /mnt/zbak
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose zbak /mnt/zbak
mountpoint -q /mnt/scratch || mount /mnt/scratch
modprobe zfs
disk=/dev/disk/by-id/virtio-zdisk1
[ -e "$disk" ] || disk=/dev/vdb
zpool list zones >/dev/null 2>&1 || zpool create -f -O mountpoint=/zones zones "$disk"
zfs list zones/cores >/dev/null 2>&1 || zfs create -o mountpoint=none -o compression=gzip zones/cores
mkdir -p /var/imgadm/images /etc/zones
# ZBAK_LAB_BUNDLE=1 (see test.sh): the wrappers run the bundles in /mnt/scratch/bundle.
# What zbak requires lazily (yaml for a config file, cli-progress) is not in the bundle: it is
# found from the bundle's place, which on the host is dist/ beside node_modules, and here is
# the scratch share, so NODE_PATH points at the repository's node_modules.
if [ "${ZBAK_LAB_BUNDLE:-0}" = 1 ] && [ -f /mnt/scratch/bundle/zbak.mjs ]; then
  for c in zbak vmadm imgadm sysinfo zonecfg; do
    printf '#!/bin/sh\nNODE_PATH=/mnt/zbak/node_modules exec /usr/local/bin/node /mnt/scratch/bundle/%s.mjs "$@"\n' "$c" >"/usr/local/bin/$c"
  done
  echo "wrappers: bundles"
fi
# sysinfo answers from its cache once the personality has made one, as SmartOS's sysinfo does
# from /tmp/.sysinfo.json (a cat, not a node start), by fakebin/sysinfo's rule: an operator-written
# /etc/zbak-sysinfo.json newer than the cache is read afresh.
sysinfo_js=/mnt/zbak/dist/personality/sysinfo.js
[ "${ZBAK_LAB_BUNDLE:-0}" = 1 ] && [ -f /mnt/scratch/bundle/sysinfo.mjs ] && sysinfo_js=/mnt/scratch/bundle/sysinfo.mjs
cat >/usr/local/bin/sysinfo <<WRAPPER
#!/bin/sh
c=/tmp/.sysinfo.json f=/etc/zbak-sysinfo.json
[ \$# -eq 0 ] && [ -s "\$c" ] && { [ ! -e "\$f" ] || [ "\$c" -nt "\$f" ]; } && exec cat "\$c"
NODE_PATH=/mnt/zbak/node_modules exec /usr/local/bin/node $sysinfo_js "\$@"
WRAPPER
zfs version | head -n1
