#!/bin/bash
# lab: full suite only (hostile archives on real ZFS; the property test runs 1,040 per npm test on the fake host)
# Hostile archives on real ZFS (host A): a reproducible sample made from the joyent zone's
# genuine archive by the property test's generator (scripts/hostile-sample.ts: 1-3
# mutations of header, dataset names and roles, pool, vmadm.json, manifests, stream BEGIN
# records; every checksum recomputed). Each is restored, over the deleted zone or with
# --force over the present one. After each: refused with the host exactly as before, or
# changed only what the ownership rule gives the archive's zone (its datasets, its cores,
# its zone config) and images the archive installed.
#   LAB_FULL=1: 30 archives; otherwise (CI) 6. LAB_HOSTILE_SEED picks another sample.
set -uo pipefail
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../zones.sh"
need_zbak || exit 0
ARCH=$(cat "$STATE/joyent.archive" 2>/dev/null)
LX_ARCH=$(cat "$STATE/lx.archive" 2>/dev/null)
[ -n "$ARCH" ] && [ -n "$LX_ARCH" ] || { skip "no joyent/lx archive from A-20"; exit 0; }
u=$JOYENT_VM
COUNT=6; [ "${LAB_FULL:-0}" = 1 ] && COUNT=30
SEED=${LAB_HOSTILE_SEED:-7}
OUT=/var/tmp/zbak-hostile
rm -rf "$OUT"; mkdir -p "$OUT"

# The foreign zone's snapshots first: a BEGIN rewrite to host index 0 names another zone's.
guids=()
for g in $(zfs list -H -p -t snapshot -o guid -r "zones/$LX_VM" "zones/$LX_IMG" "zones/$JOYENT_IMG"); do guids+=(--host-guid "$g"); done
ok "generate $COUNT hostile archives (seed $SEED)" node /mnt/zbak/dist/scripts/hostile-sample.js \
  --archive "$ARCH" --out "$OUT" --count "$COUNT" --seed "$SEED" \
  --token "other=$LX_VM" --token "joyent=$u" --token "base=$JOYENT_IMG" --token "webapp=$LX_IMG" "${guids[@]}"

snap_host() {
  zfs list -H -p -t all -o name,guid | LC_ALL=C sort | sed 's/^/zfs /'
  ls /etc/zones | sed 's/^/zonecfg /'
  ls /var/imgadm/images | sed 's/^/image /'
  ls /var/zbak/journal 2>/dev/null | sed 's/^/journal /'
}
# The zone uuid and image uuids the archive claims (its header), "-" if unreadable.
claimed() {
  tar -xOf "$1" zbak.json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { const h = JSON.parse(s); console.log([h.zone?.uuid ?? "-", ...(h.images ?? []).map((i) => i?.uuid)].join(" ")); }
      catch { console.log("-"); } });'
}
# violations BEFORE AFTER ZONE IMAGES...: changed lines outside what the zone owns.
violations() {
  local before=$1 after=$2 z=$3; shift 3
  local imgs=("$@") line name top
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    case ${line:0:1} in '<') ;; '>') ;; *) continue ;; esac
    read -r _ kind name _ <<<"$line"
    case $kind in
      zfs)
        top=${name#zones/}; top=${top%%[/@]*}
        [[ $top == "$z" || $top =~ ^$z-disk[0-9]+$ ]] && continue
        [[ $name == "zones/cores/$z" || $name == "zones/cores/$z@"* ]] && continue
        # An image the archive carries may be installed (added), never changed or removed.
        if [ "${line:0:1}" = '>' ] && printf '%s\n' "${imgs[@]}" | grep -qxF "$top" && ! grep -q "^zfs zones/$top[@	]" <<<"$before"; then continue; fi
        echo "$line" ;;
      # SmartOS keeps /etc/zones/<uuid>.xml; the lab's vmadm keeps <uuid>.json in its place.
      zonecfg) [ "$name" = "$z.xml" ] || [ "$name" = "$z.json" ] || echo "$line" ;;
      image) [ "${line:0:1}" = '>' ] || echo "$line" ;;
      *) echo "$line" ;;
    esac
  done < <(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after"))
}
zone_present() { zfs list "zones/$u" >/dev/null 2>&1; }
to_deleted() { zone_present && vmadm delete "$u" >/dev/null 2>&1; true; }
to_present() { zone_present || zbak restore "$ARCH" >/dev/null 2>&1; true; }

n=0 bad=0 refusedN=0 restoredN=0
for f in "$OUT"/*.zbak; do
  n=$((n + 1)); id=$(basename "$f" .zbak)
  # Every third archive goes over the present zone with --force; the others over its absence.
  if [ $((n % 3)) -eq 0 ]; then to_present; force=(--force); target="--force over the zone"
  else to_deleted; force=(); target="zone deleted"; fi
  read -r -a claim <<<"$(claimed "$f")"
  z=${claim[0]:--}
  before=$(snap_host)
  err=$(timeout 1800 zbak restore "$f" "${force[@]}" 2>&1 >/dev/null); rc=$?   # the limit only catches a hang
  after=$(snap_host)
  what="$id ($target; $(tr '\n' ' ' <"$OUT/$id.txt" | cut -c1-150))"
  if grep -q 'unexpected error' <<<"$err"; then bad=$((bad + 1)); fail "$what: unexpected error"; indent <<<"$err"
  elif [ $rc -ne 0 ]; then
    refusedN=$((refusedN + 1))
    if [ "$before" = "$after" ]; then pass "$what: refused (exit $rc: $(tail -n 1 <<<"$err" | cut -c1-120)), host unchanged"
    else bad=$((bad + 1)); fail "$what: refused (exit $rc) but the host changed"; diff <(echo "$before") <(echo "$after") | head -n 10 | indent; fi
  else
    restoredN=$((restoredN + 1))
    v=$(violations "$before" "$after" "$z" "${claim[@]:1}")
    if [ -z "$v" ]; then pass "$what: restored zone $z, changes only within what it owns"
    else bad=$((bad + 1)); fail "$what: restored zone $z and changed what it does not own"; indent <<<"$v"; fi
    # Put the host back: the lx zone from its own archive, any other claimed zone deleted.
    if [ "$z" = "$LX_VM" ]; then zbak restore "$LX_ARCH" --force >/dev/null 2>&1
    elif [ "$z" != "$u" ] && [ "$z" != - ]; then vmadm delete "$z" >/dev/null 2>&1; fi
    if [ "$z" = "$u" ]; then vmadm delete "$u" >/dev/null 2>&1; fi
  fi
done
eq "hostile sample: $n archives ($refusedN refused, $restoredN restored), none broke the rule" 0 "$bad"
to_present
rm -rf "$OUT"
exit 0
