#!/usr/bin/env bash
# Boot and control lab VMs (one directory per VM under $ZBAK_LAB_DIR/run/NAME).
#   vm.sh start NAME      fresh qcow2 overlay + fresh pool disk, boot, wait for ssh,
#                         create the SmartOS-like pool `zones`
#   vm.sh ssh NAME [CMD]  run CMD in the guest (interactive shell without CMD)
#   vm.sh stop NAME       stop it (kill by its own pid) and clean up
# Knobs: ZBAK_LAB_ACCEL=auto|kvm|tcg  ZBAK_LAB_MEM=2048  ZBAK_LAB_SMP=2
#        ZBAK_LAB_BOOT_TIMEOUT=900 (s)  ZBAK_LAB_KVM_PROBE=8 (s)  ZBAK_LAB_DISK_SIZE=4G
#        ZBAK_LAB_IMAGE=<image dir>  ZBAK_LAB_SCRATCH=<host dir shared as /mnt/scratch>
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CMD=${1:?usage: vm.sh start|stop|ssh NAME [CMD]}
NAME=${2:?usage: vm.sh start|stop|ssh NAME [CMD]}
shift 2
RUN=$LAB_DIR/run/$NAME
SCRATCH=${ZBAK_LAB_SCRATCH:-$LAB_DIR/scratch}
IMG=${ZBAK_LAB_IMAGE:-$(lab_image_dir)}
BOOT_TIMEOUT=${ZBAK_LAB_BOOT_TIMEOUT:-900}  # only catches a hung boot: TCG on a busy host is slow
KVM_PROBE=${ZBAK_LAB_KVM_PROBE:-8}

vm_pid() { # prints the pid of this VM's qemu if it is alive
  local pid
  pid=$(cat "$RUN/qemu.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && grep -qa qemu-system "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

ssh_args() {
  echo -i "$IMG/id_ed25519" -p "$(cat "$RUN/port")" -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=5 \
    -o ControlMaster=auto -o "ControlPath=/tmp/zbaklab-%C" -o ControlPersist=900 \
    -o ServerAliveInterval=15
}

free_port() { # a random loopback port nobody listens on (qemu fails if we race)
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  die "no free port"
}

# launch ACCEL: start qemu daemonized with fresh disks; returns non-zero if qemu refused to start.
launch() {
  local accel=$1 port cpu machine_id
  rm -f "$RUN"/{root.qcow2,disk1.raw,console.log,qemu.pid}
  qemu-img create -q -f qcow2 -F raw -b "$IMG/root.img" "$RUN/root.qcow2"
  truncate -s "${ZBAK_LAB_DISK_SIZE:-4G}" "$RUN/disk1.raw"
  if [ "$accel" = kvm ]; then cpu=(-accel kvm -cpu host,-arch-capabilities)
  else cpu=(-accel tcg,thread=multi,tb-size=512 -cpu max); fi
  port=$(free_port); echo "$port" >"$RUN/port"
  # Each boot is its own host: own machine-id (the image has one baked in) and hostname.
  machine_id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  qemu-system-x86_64 "${cpu[@]}" -machine q35 -m "${ZBAK_LAB_MEM:-2048}" -smp "${ZBAK_LAB_SMP:-2}" \
    -nodefaults -no-user-config -display none -no-reboot \
    -serial "file:$RUN/console.log" -pidfile "$RUN/qemu.pid" -daemonize \
    -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
    -append "console=ttyS0 root=/dev/vda rw panic=-1 mitigations=off systemd.hostname=$NAME systemd.machine_id=$machine_id" \
    -drive "file=$RUN/root.qcow2,if=none,id=root,format=qcow2,cache=unsafe,discard=unmap" \
    -device virtio-blk-pci,drive=root \
    -drive "file=$RUN/disk1.raw,if=none,id=d1,format=raw,cache=unsafe" \
    -device virtio-blk-pci,drive=d1,serial=zdisk1 \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
    -device virtio-net-pci,netdev=n0,romfile= \
    -virtfs "local,path=$REPO,mount_tag=zbak,security_model=none,readonly=on,id=zbak" \
    -virtfs "local,path=$SCRATCH,mount_tag=scratch,security_model=none,id=scratch" \
    -device virtio-rng-pci >"$RUN/qemu.out" 2>&1
}

kill_vm() { # kill this VM's qemu by its own pid
  local pid
  pid=$(vm_pid) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$RUN/qemu.pid"
}

# watchdog: kill this VM's qemu when the process that started it is gone, so no
# qemu outlives a run even if its script is killed hard (SIGKILL skips traps).
# The owner is vm.sh's parent unless ZBAK_LAB_OWNER_PID is set (or "none").
watchdog() {
  local owner=${ZBAK_LAB_OWNER_PID:-$PPID} qpid
  [ "$owner" != none ] || return 0
  qpid=$(vm_pid) || return 0
  ( trap '' HUP INT
    while kill -0 "$owner" 2>/dev/null && kill -0 "$qpid" 2>/dev/null; do sleep 2; done
    if grep -qa qemu-system "/proc/$qpid/cmdline" 2>/dev/null; then kill -KILL "$qpid"; fi
  ) </dev/null >/dev/null 2>&1 &
  disown
}

boot_failed() {
  kill_vm
  log "$NAME: $1; console log ($RUN/console.log), last 60 lines:"
  tail -n 60 "$RUN/console.log" 2>/dev/null | sed 's/^/    /' >&2
  cat "$RUN/qemu.out" >&2 2>/dev/null || true
  exit 1
}

start() {
  [ -f "$IMG/root.img" ] && [ -f "$IMG/id_ed25519" ] || die "no lab image at $IMG (run: npm run lab:build)"
  if vm_pid >/dev/null; then die "VM $NAME is already running (vm.sh stop $NAME)"; fi
  rm -rf "$RUN"; mkdir -p "$RUN" "$SCRATCH"
  local accel=${ZBAK_LAB_ACCEL:-auto} t0=$SECONDS
  if [ "$accel" = auto ]; then
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel=kvm; else accel=tcg; log "no usable /dev/kvm"; fi
    if [ "$accel" = kvm ]; then
      # KVM first, with a short probe: the kernel must reach /init quickly.
      if launch kvm; then
        for _ in $(seq $((KVM_PROBE * 5))); do
          grep -q 'Run /init' "$RUN/console.log" 2>/dev/null && break
          vm_pid >/dev/null || break
          sleep 0.2
        done
      fi
      if ! grep -q 'Run /init' "$RUN/console.log" 2>/dev/null; then
        log "$NAME: KVM did not reach /init within ${KVM_PROBE}s ($(head -c 300 "$RUN/qemu.out" 2>/dev/null | tr '\n' ' ')); falling back to TCG"
        kill_vm; accel=tcg
      fi
    fi
  fi
  if [ "$accel" = tcg ] || ! vm_pid >/dev/null; then
    local tries=0
    until launch "$accel"; do  # a port race makes qemu fail to start: retry
      tries=$((tries + 1)); [ $tries -lt 3 ] || boot_failed "qemu did not start ($accel)"
    done
  fi
  echo "$accel" >"$RUN/accel"
  watchdog
  # Wait for ssh (the guest is killed if it does not come up in time).
  local t_boot=$SECONDS
  until ssh $(ssh_args) root@127.0.0.1 true </dev/null 2>/dev/null; do  # never eat our stdin
    vm_pid >/dev/null || boot_failed "qemu exited during boot"
    [ $((SECONDS - t0)) -lt "$BOOT_TIMEOUT" ] || boot_failed "no ssh within ${BOOT_TIMEOUT}s"
    sleep 1
  done
  echo $((SECONDS - t0)) >"$RUN/boot_seconds"
  log "$NAME: up in $((SECONDS - t0)) s (accel=$accel, ssh 127.0.0.1:$(cat "$RUN/port"))"
  ssh $(ssh_args) root@127.0.0.1 "ZBAK_LAB_BUNDLE=${ZBAK_LAB_BUNDLE:-0} bash -s" <"$LAB_SCRIPTS/guest/setup.sh" >"$RUN/setup.log" 2>&1 \
    || { cat "$RUN/setup.log" >&2; boot_failed "guest setup failed"; }
  : "$t_boot"
}

stop() {
  local pid
  if pid=$(vm_pid); then
    ssh $(ssh_args) root@127.0.0.1 sync </dev/null 2>/dev/null || true
    ssh $(ssh_args) -O exit root@127.0.0.1 </dev/null 2>/dev/null || true
    kill_vm
    log "$NAME: stopped (pid $pid)"
  fi
}

case $CMD in
  start) start ;;
  stop) stop ;;
  ssh)
    vm_pid >/dev/null || die "VM $NAME is not running"
    if [ $# -eq 0 ]; then exec ssh $(ssh_args) -t root@127.0.0.1; fi
    exec ssh $(ssh_args) root@127.0.0.1 "$@" ;;
  *) die "unknown command $CMD" ;;
esac
