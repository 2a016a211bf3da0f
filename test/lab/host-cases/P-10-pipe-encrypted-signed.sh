#!/bin/bash
# lab: full suite only (three VMs worth of TCG time, ~14 min; its last compare fix is proven in the full suite, not in CI)
# Runs on the lab host with host A and host B both up (scripts/lab/test.sh, phase P): issue 10's
# proof. `zbak save --to - --encrypt-to … --sign …` on host A is piped through the lab's ssh
# into `zbak restore - --identity … --trust …` on host B, nothing on disk in between; compared
# as the other cases compare. Before it, the same pipe with a flipped byte, the pipe cut, the
# sender killed midway, the wrong identity, an unsigned archive and one signed by another key:
# each refused with host B exactly as it was (datasets and snapshots with GUIDs, zones, images).
set -uo pipefail
CASE=P-10-pipe-encrypted-signed
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
VMSH=$REPO/scripts/lab/vm.sh
pass() { echo "PASS $CASE: $*"; }
fail() { echo "FAIL $CASE: $*"; }
indent() { sed 's/^/    /'; }
A() { bash "$VMSH" ssh hosta "$@"; }
B() { bash "$VMSH" ssh hostb "$@"; }
G=/mnt/zbak/test/lab/pipe-guest.sh
P=/mnt/scratch/state/pipe
VM=2b6e7c10-0000-4000-8000-00000000b077
IMG=5c1a1e55-0000-4000-8000-00000000a077

t0=$SECONDS
if A "CASE=$CASE bash $G setup $VM $IMG" >/dev/null 2>"$LAB_HOST_TMP/p10.setup"; then pass "host A: image, zone and keys made ($((SECONDS - t0)) s)"
else fail "host A: image, zone and keys made"; indent <"$LAB_HOST_TMP/p10.setup"; exit 0; fi
R=$(A "cat $P/recipient")
ENC="--encrypt-to $R"
OPEN="--identity $P/id.age --trust $P/sign.key.pub"
before=$(B "bash $G host-state")

# flip AT: the byte at offset AT of the pipe inverted in its low bit, the rest passed on.
flip() { node -e 'const at=+process.argv[1];let n=0;process.stdin.on("data",(b)=>{if(at>=n&&at<n+b.length)b[at-n]^=1;n+=b.length;process.stdout.write(b)})' "$1"; }

# refused DESC 'SAVE-ENV' 'SAVE-ARGS' 'FILTER' 'RESTORE-ARGS' [EXIT]: the restore fails (with EXIT
# when given), names something on stderr, and host B is as it was.
refused_pipe() {
  local d=$1 env=$2 sargs=$3 filter=$4 rargs=$5 want=${6:-} out rc now
  out=$( { A "$env zbak save $VM --to - $sargs" 2>/dev/null | eval "$filter" | B "zbak restore - $rargs" 2>&1 >/dev/null; echo "rc=${PIPESTATUS[2]}"; } )
  rc=$(sed -n 's/^rc=//p' <<<"$out" | tail -1); out=$(grep -v '^rc=' <<<"$out")
  now=$(B "bash $G host-state")
  if [ "$rc" != 0 ] && { [ -z "$want" ] || [ "$rc" = "$want" ]; } && [ "$now" == "$before" ]; then
    pass "$d: refused (exit $rc: $(tail -1 <<<"$out" | cut -c1-150)), host B unchanged"
  else
    fail "$d (exit $rc, wanted ${want:-non-zero}; host B unchanged: $([ "$now" == "$before" ] && echo yes || echo NO))"
    indent <<<"$out" | tail -15; diff <(echo "$before") <(echo "$now") | indent | head -20
  fi
}

refused_pipe "a flipped byte in the encrypted pipe" '' "$ENC --sign $P/sign.key" 'flip 600000' "$OPEN"
refused_pipe "the pipe cut midway" '' "$ENC --sign $P/sign.key" 'head -c 900000' "$OPEN"
# The 9th command of the save is the zoneroot's zfs send: the image stream has gone by.
refused_pipe "the sender killed midway (SIGKILL)" 'ZBAK_FAULT_AT=9:SIGKILL' "$ENC --sign $P/sign.key" cat "$OPEN"
refused_pipe "the wrong identity" '' "$ENC --sign $P/sign.key" cat "--identity $P/other.age --trust $P/sign.key.pub" 14
refused_pipe "an unsigned archive with --trust" '' "$ENC" cat "$OPEN" 15
refused_pipe "an archive signed by another key" '' "$ENC --sign $P/other.key" cat "$OPEN" 15

t0=$SECONDS
out=$( { A "zbak save $VM --to - $ENC --sign $P/sign.key" 2>"$LAB_HOST_TMP/p10.save" | B "zbak restore - $OPEN" 2>&1 >/dev/null; echo "rc=${PIPESTATUS[0]},${PIPESTATUS[1]}"; } )
if [ "$(sed -n 's/^rc=//p' <<<"$out")" = 0,0 ]; then pass "save --to - --encrypt-to --sign | ssh | restore - --identity --trust ($((SECONDS - t0)) s)"
else fail "save --to - --encrypt-to --sign | ssh | restore - --identity --trust ($(sed -n 's/^rc=//p' <<<"$out"))"; indent <<<"$out" | tail -15; indent <"$LAB_HOST_TMP/p10.save" | tail -10; fi
# Host A as the good save left it. The stream (-I from the image) also carries the zbak snapshot
# the killed save left, which A pruned after the save (--keep 1): zbak snapshots are compared as
# "every one host A has is on host B with its GUID", the rest line by line.
want=$(A "bash $G facts $VM"); got=$(B "bash $G facts $VM")
if [ "$(grep -v ' zbak-' <<<"$want")" == "$(grep -v ' zbak-' <<<"$got")" ]; then pass "host B: datasets, properties, content, user snapshots + GUIDs, origin and zone JSON as on host A"
else fail "host B: datasets, properties, content, user snapshots + GUIDs, origin and zone JSON as on host A"; diff <(grep -v ' zbak-' <<<"$want") <(grep -v ' zbak-' <<<"$got") | indent | head -30; fi
missing=$(comm -23 <(grep ' zbak-' <<<"$want" | LC_ALL=C sort) <(grep ' zbak-' <<<"$got" | LC_ALL=C sort))
if [ -z "$missing" ] && grep -q ' zbak-' <<<"$want"; then pass "host B: host A's zbak snapshot, with its GUID"
else fail "host B: host A's zbak snapshot, with its GUID"; indent <<<"${missing:-host A has no zbak snapshot}"; fi

B "bash $G cleanup $VM $IMG"; A "bash $G cleanup $VM $IMG"
