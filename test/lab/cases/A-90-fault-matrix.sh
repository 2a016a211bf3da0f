#!/bin/bash
# lab: full suite only (the fault matrix; A-25 keeps one --force fault cell in CI)
# The fault matrix on real ZFS (host A): save, restore (zone deleted) and restore --force
# (over the live, changed zone) of the joyent zone, each with a fault injected before
# chosen commands (ZBAK_FAULT_AT=n:fail|SIGINT|SIGKILL). After each cell the host holds the
# old state or the new one (a SIGKILLed restore may be between the two only while its
# journal records the way back: then `zbak recover` must give exactly the old state), and
# the next run without a fault succeeds and leaves the
# new state with nothing of zbak's left over.
#   LAB_FAULT_POINTS  "save:P restore:P force:P": P commands per scenario, spread over the
#                     commands that change the host; every point gets every fault.
#                     Default: one point each, one fault each (for a quick run).
#   LAB_FULL=1        the full matrix: save:4 restore:4 force:6 x 3 faults (42 cells).
# Prints one CELL line per cell (the table in the closing note comes from them).
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
need_zbak && need_joyent_archive || exit 0
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=/var/tmp/zbak-faults
SAVE_DIR=$WORK/archives
rm -rf "$WORK"; mkdir -p "$SAVE_DIR"

LAB_FAULT_POINTS=${LAB_FAULT_POINTS:-}
if [ "${LAB_FULL:-0}" = 1 ]; then
  POINTS=${LAB_FAULT_POINTS:-"save:4 restore:4 force:6"}; FAULTS_ALL=1
else
  POINTS=${LAB_FAULT_POINTS:-"save:1 restore:1 force:1"}; FAULTS_ALL=${LAB_FAULT_ALL:-0}
fi
points_of() { sed -nE "s/.*\\b$1:([0-9]+).*/\\1/p" <<<"$POINTS"; }

# --- the three scenarios: how to set the old state up, the command, the state as text ----
running() { vmadm list -p -o uuid,state,autoboot 2>/dev/null | grep "^$u:" || echo "$u: no zone"; }
pool_names() { zfs list -H -o name -t filesystem,volume -r zones | LC_ALL=C sort; }
journal() { ls /var/zbak/journal 2>/dev/null | sed 's/^/journal /'; }
# state: the restore scenarios' host as lines.
state() {
  if zfs list "zones/$u" >/dev/null 2>&1; then zone_record "$u"; else echo "zone absent"; fi
  running
  pool_names
  ls /var/imgadm/images
  journal
}
# loose LEFTOVERS (a filter): with LEFTOVERS=1, without the lines a kill -9 may leave until
# the next run (the work dataset and the journal).
loose() { if [ "$1" = 1 ]; then grep -vE "^(zones/zbak-$u|journal )"; else cat; fi; }
user_data() { zone_record "$u"; }
save_files() { ls -A "$SAVE_DIR"; }
zbak_snaps() { zfs list -H -t snapshot -o name -r "zones/$u" | grep '@zbak-' | LC_ALL=C sort; }

setup_force() {
  [ -n "$(running | grep ':running:')" ] || vmadm start "$u" >/dev/null 2>&1
  zfs destroy "zones/$u@user-live" 2>/dev/null
  echo live-old >"$J/root/etc/app.conf"
  zfs snapshot "zones/$u@user-live"
}
setup_restore() { zfs list "zones/$u" >/dev/null 2>&1 && vmadm delete "$u" >/dev/null 2>&1; true; }
setup_save() { rm -rf "$SAVE_DIR"; mkdir -p "$SAVE_DIR"; sleep 1; }  # a save names its snapshot by the second
# The limit only turns a hang into a failure (CI would otherwise wait for its own limit).
cmd_force() { timeout 1800 zbak restore "$ARCH" --force; }
cmd_restore() { timeout 1800 zbak restore "$ARCH"; }
cmd_save() { timeout 1800 zbak save "$u" --to "$SAVE_DIR"; }

# --- one cell --------------------------------------------------------------------------
# cell SCENARIO N FAULT WHAT: prints "CELL scenario n fault | command | verdict | next run".
CELLS=0 BAD=0
cell() {
  local sc=$1 n=$2 f=$3 what=$4 rc old old_data now verdict next leftovers=0 out
  [ "$f" = SIGKILL ] && leftovers=1
  # A failed clean-up after the commit (destroying the replaced zone's datasets, kept aside under
  # zones/zbak-<uuid>) leaves them and the journal that tells the next run to finish it: the new
  # zone is complete (the same rule as scripts/lib/fault-check.ts's CLEAN_UP).
  [[ $what == "zfs destroy -r zones/zbak-$u"* ]] && leftovers=1
  "setup_$sc"
  if [ "$sc" = save ]; then old_data=$(user_data); old=$(zbak_snaps); else old=$(state); fi
  out=$(ZBAK_FAULT_AT="$n:$f" "cmd_$sc" 2>&1 >/dev/null); rc=$?
  verdict=FAILED
  if grep -q 'unexpected error' <<<"$out"; then verdict="FAILED (unexpected error)"
  elif [ "$sc" = save ]; then
    local published temp
    published=$(save_files | grep -v '^\.' | grep -c '\.zbak$'); temp=$(save_files | grep -c '^\.')
    if [ "$(user_data)" != "$old_data" ]; then verdict="FAILED (the zone's data changed)"
    elif [ "$published" -gt 1 ]; then verdict="FAILED ($published archives published)"
    elif [ "$temp" -gt 0 ] && [ "$f" != SIGKILL ]; then verdict="FAILED (temp file left after $f)"
    elif [ "$published" = 1 ]; then
      if zbak verify "$SAVE_DIR"/*.zbak >/dev/null 2>&1; then verdict=new; else verdict="FAILED (published archive does not verify)"; fi
    elif [ "$f" != SIGKILL ] && [ "$(zbak_snaps)" != "$old" ]; then verdict="FAILED (zbak snapshots changed, no archive)"
    else verdict=old; fi
  else
    now=$(state | loose "$leftovers")
    if [ "$now" = "$(loose "$leftovers" <<<"$old")" ]; then verdict=old
    elif [ "$now" = "$(loose "$leftovers" <"$WORK/new-$sc")" ]; then verdict=new
    elif [ "$f" = SIGKILL ] && [ -n "$(journal)" ]; then
      # Between two steps only until the journal is replayed: zbak recover (what the next
      # restore does first) must give exactly the old state.
      if zbak recover "$u" >/dev/null 2>&1 && [ "$(state)" = "$old" ]; then verdict="killed mid-way, zbak recover gave old"
      else verdict="FAILED (zbak recover did not give the old state)"; diff <(printf '%s\n' "$old") <(state) | head -n 12 | indent; fi
    else verdict="FAILED (neither old nor new)"; printf '%s\n' "$out" | tail -n 5 | indent
      diff <(loose "$leftovers" <<<"$old") <(printf '%s\n' "$now") | head -n 12 | indent; fi
  fi
  # The fault must show: exit != 0 (130 for SIGINT, killed for SIGKILL) unless the run had
  # passed its point of no return and completed (then new).
  case $f in
    fail) [ $rc -ne 0 ] || [ "$verdict" = new ] || verdict="FAILED (exit 0 after an injected failure)" ;;
    SIGINT) [ $rc -eq 130 ] || { [ $rc -eq 0 ] && [ "$verdict" = new ]; } || verdict="FAILED (SIGINT gave exit $rc)" ;;
    SIGKILL) [ $rc -eq 137 ] || verdict="FAILED (SIGKILL gave exit $rc)" ;;
  esac
  # The next run without a fault.
  [ "$sc" = save ] && sleep 1
  local again arc=0
  again=$("cmd_$sc" 2>&1 >/dev/null) || arc=$?
  if [ "$sc" = save ]; then
    local pub
    pub=$(save_files | grep -v '^\.' | grep '\.zbak$' | tail -n 1)
    if [ $arc -ne 0 ]; then next="FAILED (exit $arc: $(tail -n 1 <<<"$again"))"
    elif [ -n "$(save_files | grep '^\.')" ]; then next="FAILED (temp files left: $(save_files | grep '^\.' | head -n 2 | tr '\n' ' '))"
    elif ! zbak verify "$SAVE_DIR/$pub" >/dev/null 2>&1; then next="FAILED (archive does not verify)"
    else next=ok; fi
  else
    now=$(state)
    if [ "$now" = "$(cat "$WORK/new-$sc")" ] && { [ $arc -eq 0 ] || { [ "$sc" = restore ] && [ $arc -eq 5 ]; }; }; then next=ok
    else next="FAILED (exit $arc: $(tail -n 1 <<<"$again"))"; diff "$WORK/new-$sc" <(printf '%s\n' "$now") | head -n 12 | indent; fi
  fi
  CELLS=$((CELLS + 1))
  echo "CELL $sc $n $f | $what | $verdict | next run $next"
  if [[ $verdict == FAILED* || $next == FAILED* ]]; then
    BAD=$((BAD + 1)); fail "$sc fault $f at command $n ($what): $verdict; next run $next"
  else pass "$sc fault $f at command $n ($what): $verdict; next run $next"; fi
}

# --- the matrix -------------------------------------------------------------------------
FAULTS=(fail SIGINT SIGKILL)
k=0
for sc in save restore force; do
  p=$(points_of "$sc"); [ -n "$p" ] && [ "$p" -gt 0 ] || continue
  # A clean, traced run: its commands (for n) and the new state.
  "setup_$sc"
  if ! ZBAK_TRACE=$WORK/trace-$sc "cmd_$sc" >/dev/null 2>"$WORK/clean-$sc.err"; then
    fail "clean $sc run"; indent <"$WORK/clean-$sc.err"; continue
  fi
  [ "$sc" = save ] || state >"$WORK/new-$sc"
  pass "clean $sc: $(wc -l <"$WORK/trace-$sc") commands"
  while IFS=$'\t' read -r n what; do
    if [ "$FAULTS_ALL" = 1 ]; then fs=("${FAULTS[@]}"); else fs=("${FAULTS[$((k % 3))]}"); k=$((k + 1)); fi
    for f in "${fs[@]}"; do cell "$sc" "$n" "$f" "$what"; done
  done < <(node "$HERE/fault-cells.mjs" "$WORK/trace-$sc" "$p")
done
eq "fault matrix: $CELLS cells, none failed" 0 "$BAD"
# Leave the zone as the archive has it, running, for whatever runs next.
setup_restore >/dev/null; zbak restore "$ARCH" >/dev/null 2>&1
rm -rf "$WORK"
exit 0
