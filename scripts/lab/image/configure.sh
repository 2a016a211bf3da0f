#!/bin/bash
# Runs INSIDE the guest rootfs chroot at build time: turns the debootstrapped
# Debian into the zbak lab guest (network, ssh, 9p shares, fast boot, zfs, wrappers).
set -euo pipefail

echo zbaklab >/etc/hostname
printf '127.0.0.1 localhost\n127.0.1.1 zbaklab\n' >/etc/hosts

# Root on the virtio disk; the repository (read-only) and a scratch folder over 9p.
cat >/etc/fstab <<'FSTAB'
/dev/vda  /            ext4  rw,noatime,errors=remount-ro  0 1
zbak      /mnt/zbak    9p    trans=virtio,version=9p2000.L,msize=512000,ro,nofail  0 0
scratch   /mnt/scratch 9p    trans=virtio,version=9p2000.L,msize=512000,rw,nofail  0 0
FSTAB
mkdir -p /mnt/zbak /mnt/scratch
printf '9pnet_virtio\n9p\n' >/etc/modules-load.d/9p.conf

# Static address for qemu's user network (no DHCP wait).
cat >/etc/systemd/network/10-lab.network <<'NET'
[Match]
Name=en* eth*
[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
LinkLocalAddressing=no
IPv6AcceptRA=no
NET
systemctl enable systemd-networkd.service
systemctl mask systemd-networkd-wait-online.service

# sshd: root with the lab key only.
cat >/etc/ssh/sshd_config.d/lab.conf <<'SSHD'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxSessions 50
MaxStartups 50
SSHD
systemctl enable ssh.service

# Small, fast boot under TCG: only the modules needed to mount root in the initrd.
sed -i 's/^MODULES=.*/MODULES=list/' /etc/initramfs-tools/initramfs.conf
printf 'virtio_pci\nvirtio_blk\next4\ncrc32c_generic\n' >/etc/initramfs-tools/modules
# The zfs units wait for systemd-udev-settle (~6 s); the virtio disks exist
# before switch_root, so drop that dependency in /etc copies of the units.
for u in zfs-load-module.service zfs-import-cache.service; do
  if [ -f "/lib/systemd/system/$u" ]; then
    sed -e 's/systemd-udev-settle.service//g' "/lib/systemd/system/$u" >"/etc/systemd/system/$u"
  fi
done
systemctl disable zfs-zed.service zfs-share.service zfs-import-scan.service 2>/dev/null || true
systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
  fstrim.timer man-db.timer dpkg-db-backup.timer 2>/dev/null || true
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\n' >/etc/systemd/journald.conf.d/lab.conf
# Fixed hostid so pools look the same on every boot.
zgenhostid -f 00bab10c
update-initramfs -u -k all

# The SmartOS personality (another part of the repo) and zbak itself, from the share.
for c in vmadm imgadm sysinfo zonecfg; do
  printf '#!/bin/sh\nexec /usr/local/bin/node /mnt/zbak/dist/personality/%s.js "$@"\n' "$c" >"/usr/local/bin/$c"
  chmod 755 "/usr/local/bin/$c"
done
printf '#!/bin/sh\nexec /usr/local/bin/node /mnt/zbak/dist/src/cli/main.js "$@"\n' >/usr/local/bin/zbak
chmod 755 /usr/local/bin/zbak
mkdir -p /var/imgadm/images /etc/zones
