#!/usr/bin/env bash
# Build the zbak lab guest image from nothing (Debian bookworm + OpenZFS from contrib),
# cached under $ZBAK_LAB_CACHE/<key>/ (vmlinuz, initrd.img, root.img, ssh key).
# A second run with the cache present only checks host packages and returns.
# Each step prints its time; a failing step names itself and its log.
#   ZBAK_LAB_REBUILD=1   ignore the cache
#   ZBAK_LAB_NO_SMOKE=1  skip the boot smoke test at the end
set -euo pipefail
source "$(dirname "$0")/lib.sh"

WORK=$LAB_DIR/build            # rootfs + logs (never cached)
ROOTFS=$WORK/rootfs
LOGS=$WORK/logs
mkdir -p "$LOGS"
TIMINGS=$LOGS/timings.txt
: >"$TIMINGS"

# step NAME FUNC: run FUNC with output to $LOGS/NAME.log; print its time or fail loudly.
step() {
  local name=$1 fn=$2 t0=$SECONDS rc
  printf '[lab] %-10s ... (log: %s)\n' "$name" "$LOGS/$name.log" >&2
  set +e
  ( set -euo pipefail; "$fn" ) >"$LOGS/$name.log" 2>&1
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    echo "[lab] step '$name' FAILED (rc=$rc) after $((SECONDS - t0)) s; log: $LOGS/$name.log" >&2
    tail -n 25 "$LOGS/$name.log" | sed 's/^/    /' >&2
    exit 1
  fi
  printf '[lab] %-10s %4d s\n' "$name" $((SECONDS - t0)) | tee -a "$TIMINGS" >&2
}

# Mount/unmount the pseudo filesystems apt needs in the chroot.
chroot_mount() {
  as_root mount -t proc proc "$ROOTFS/proc"
  as_root mount -t sysfs sys "$ROOTFS/sys"
  as_root mount --bind /dev "$ROOTFS/dev"
  as_root mount -t devpts devpts "$ROOTFS/dev/pts"
}
chroot_umount() {
  local m
  for m in dev/pts dev sys proc; do
    if mountpoint -q "$ROOTFS/$m" 2>/dev/null; then as_root umount -l "$ROOTFS/$m"; fi
  done
}
trap chroot_umount EXIT
in_chroot() { as_root env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 chroot "$ROOTFS" "$@"; }

# ---- steps ----------------------------------------------------------------

host_deps() {
  local missing=() p
  for p in "${HOST_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then echo "all host packages present"; return 0; fi
  echo "installing: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# Delete the rootfs; never through a mount left behind by a killed build.
remove_rootfs() { chroot_umount; as_root rm -rf --one-file-system "$ROOTFS"; }

debootstrap_step() {
  remove_rootfs
  as_root debootstrap --variant=minbase --components=main,contrib \
    --include=systemd-sysv,udev,kmod,openssh-server,iproute2,procps,zstd,ca-certificates,libstdc++6 \
    "$SUITE" "$ROOTFS" "$MIRROR"
}

kernel_step() {
  # Guest apt sources: main + contrib (OpenZFS), with -updates and -security
  # (without -security the kernel is an older point release).
  as_root tee "$ROOTFS/etc/apt/sources.list" >/dev/null <<SRC
deb $MIRROR $SUITE main contrib
deb $MIRROR $SUITE-updates main contrib
deb $SECURITY_MIRROR $SUITE-security main contrib
SRC
  # Nothing may start daemons inside the chroot.
  printf '#!/bin/sh\nexit 101\n' | as_root tee "$ROOTFS/usr/sbin/policy-rc.d" >/dev/null
  as_root chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
  chroot_mount
  in_chroot apt-get update
  in_chroot apt-get install -y --no-install-recommends linux-image-amd64 linux-headers-amd64
  chroot_umount
}

zfs_step() {
  chroot_mount
  # The zfs-dkms postinst builds for the installed guest kernel (it notices the
  # running kernel belongs to the chroot's host); check, and build if it did not.
  in_chroot apt-get install -y --no-install-recommends zfs-dkms zfsutils-linux
  local kver zver
  kver=$(ls "$ROOTFS/lib/modules" | sort -V | tail -n1)
  zver=$(in_chroot dpkg-query -W -f='${Version}' zfs-dkms | sed 's/-.*//')
  if ! in_chroot dkms status -k "$kver" zfs | grep -q installed; then
    in_chroot dkms install "zfs/$zver" -k "$kver"
  fi
  in_chroot dkms status -k "$kver" zfs
  ls "$ROOTFS/lib/modules/$kver/updates/dkms/zfs.ko"*
  in_chroot apt-get clean
  chroot_umount
}

configure_step() {
  local img=$TMPIMG
  # Lab ssh key (test use only), generated once per image.
  rm -f "$img/id_ed25519" "$img/id_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C zbak-lab -f "$img/id_ed25519"
  as_root install -D -m 600 "$img/id_ed25519.pub" "$ROOTFS/root/.ssh/authorized_keys"
  # The host's Node 20 binary runs zbak and the SmartOS personality in the guest.
  as_root install -m 755 "$(readlink -f "$(command -v node)")" "$ROOTFS/usr/local/bin/node"
  as_root install -m 755 "$LAB_SCRIPTS/image/configure.sh" "$ROOTFS/tmp/configure.sh"
  chroot_mount
  in_chroot /tmp/configure.sh
  chroot_umount
  as_root rm -f "$ROOTFS/tmp/configure.sh" "$ROOTFS/usr/sbin/policy-rc.d"
  # Node must run on the guest's glibc.
  echo "node in guest: $(in_chroot /usr/local/bin/node --version)"
}

mkimage_step() {
  local img=$TMPIMG kver
  chroot_umount
  kver=$(ls "$ROOTFS/lib/modules" | sort -V | tail -n1)
  as_root cp "$ROOTFS/boot/vmlinuz-$kver" "$img/vmlinuz"
  as_root cp "$ROOTFS/boot/initrd.img-$kver" "$img/initrd.img"
  as_root chmod 644 "$img/vmlinuz" "$img/initrd.img"
  rm -f "$img/root.img"
  truncate -s 4G "$img/root.img"
  as_root mkfs.ext4 -q -F -L zbaklab -d "$ROOTFS" "$img/root.img"
  {
    echo "kernel $kver"
    in_chroot dpkg-query -W -f='${Package} ${Version}\n' zfs-dkms zfsutils-linux linux-image-amd64 openssh-server systemd
    echo "node $(node --version)"
  } >"$img/versions.txt"
  cat "$img/versions.txt"
}

smoke_step() {
  local img=$TMPIMG
  trap 'ZBAK_LAB_IMAGE=$TMPIMG "$LAB_SCRIPTS/vm.sh" stop smoke' EXIT  # never leave qemu behind
  ZBAK_LAB_IMAGE=$img "$LAB_SCRIPTS/vm.sh" start smoke
  ZBAK_LAB_IMAGE=$img "$LAB_SCRIPTS/vm.sh" ssh smoke \
    'set -e; zfs version; node --version; zpool list -H -o name,health zones; ls /mnt/zbak/package.json; touch /mnt/scratch/.smoke'
  ZBAK_LAB_IMAGE=$img "$LAB_SCRIPTS/vm.sh" stop smoke
}

# ---- main -----------------------------------------------------------------

T0=$SECONDS
step host-deps host_deps
KEY=$(lab_key)
IMG=$LAB_CACHE/$KEY
if [ -z "${ZBAK_LAB_REBUILD:-}" ] && [ -f "$IMG/complete" ]; then
  echo "[lab] image cached: $IMG ($(( SECONDS - T0 )) s)" >&2
  exit 0
fi

log "building image $KEY into $IMG (work dir $WORK)"
TMPIMG=$LAB_CACHE/.tmp-$KEY
rm -rf "$TMPIMG"; mkdir -p "$TMPIMG"
[ -x "$(command -v node)" ] || die "node is not in PATH (it is copied into the guest)"

step debootstrap debootstrap_step
step kernel kernel_step
step zfs zfs_step
step configure configure_step
step mkimage mkimage_step
[ -n "${ZBAK_LAB_NO_SMOKE:-}" ] || step smoke smoke_step

# Publish atomically; drop the rootfs (never cached).
cp "$TIMINGS" "$TMPIMG/build-timings.txt"
rm -rf "$IMG"; mv "$TMPIMG" "$IMG"; touch "$IMG/complete"
remove_rootfs
# Keep only this recipe's image (each is ~1.3 GiB): drop older keys and failed builds.
find "$LAB_CACHE" -mindepth 1 -maxdepth 1 ! -name "$KEY" -exec rm -rf {} +
printf '[lab] %-10s %4d s\n' total $((SECONDS - T0)) | tee -a "$IMG/build-timings.txt" >&2
log "image ready: $IMG"
