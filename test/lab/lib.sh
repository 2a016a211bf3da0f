# shellcheck shell=bash
# Guest-side helpers for lab cases (sourced). Every check prints one line:
#   PASS <case>: <what>   FAIL <case>: <what>   SKIP <case>: <why>
CASE=${CASE:-$(basename "$0" .sh)}
STATE=${LAB_STATE:-/mnt/scratch/state}      # shared between host A and host B
FIX=${LAB_FIXTURES:-/mnt/scratch/fixtures}  # recorded outputs (copied to fixtures/lab/)
mkdir -p "$STATE" "$FIX"
ZFS_VERSION=$(zfs version 2>/dev/null | tr '\n' ' ' | sed 's/ $//')

pass() { echo "PASS $CASE: $*"; }
fail() { echo "FAIL $CASE: $*"; }
skip() { echo "SKIP $CASE: $*"; }
indent() { sed 's/^/    /'; }

# ok DESC CMD...: CMD must succeed.
ok() {
  local d=$1 out rc t0=$SECONDS; shift
  if out=$("$@" 2>&1); then pass "$d ($((SECONDS - t0)) s)"
  else rc=$?; fail "$d (rc=$rc: $*)"; printf '%s\n' "$out" | tail -n 20 | indent; fi
}
# eq DESC EXPECTED ACTUAL
eq() {
  if [ "$2" == "$3" ]; then pass "$1"; else
    fail "$1"; printf 'expected: %s\nactual:   %s\n' "$2" "$3" | indent; fi
}
# refused DESC PATTERN CMD...: CMD must fail and its stderr must contain PATTERN.
# Leaves the exact stderr in $ERR and the exit code in $RC.
refused() {
  local d=$1 pat=$2; shift 2
  ERR=$("$@" 2>&1 >/dev/null) && RC=0 || RC=$?
  if [ "$RC" -ne 0 ] && grep -qF -- "$pat" <<<"$ERR"; then pass "$d"
  else fail "$d (rc=$RC, wanted: $pat)"; printf '%s\n' "$ERR" | indent; fi
}
# tree_hash DIR: one hash over paths, types, modes, owners, sizes, link targets and contents.
tree_hash() {
  (cd "$1" && find . -xdev -path ./.zfs -prune -o -printf '%p %y %m %U:%G %s %l\n' | LC_ALL=C sort \
    && find . -xdev -path ./.zfs -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum | cut -c1-16
}
guid() { zfs get -H -p -o value guid "$1"; }
prop() { zfs get -H -p -o value "$2" "$1"; }
# record FILE CMDLINE: run CMDLINE (bash), save its stdout under $FIX/FILE with a header line.
record() {
  local f=$1; shift
  { echo "# $* | $ZFS_VERSION | recorded by test/lab ($CASE) on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    bash -c "$*"; } >"$FIX/$f" 2>&1 || true
}
# record_err FILE CMDLINE RC STDERR: save a refusal verbatim under $FIX/FILE.
record_err() {
  { echo "# $2 | exit $3 | $ZFS_VERSION | recorded by test/lab ($CASE); exact stderr follows"
    printf '%s\n' "$4"; } >"$FIX/$1"
}
