# shellcheck shell=bash
# lab_bundle DIR (sourced after lib.sh; used by test.sh and bench.sh).
# By default the guest runs zbak and the personality from single-file esbuild
# bundles of dist/ (the same compiled code; ~4x less guest CPU under TCG than
# loading hundreds of ESM files from node_modules). DIR must be the scratch
# share's bundle/ folder: guest/setup.sh points the wrappers in /usr/local/bin
# at /mnt/scratch/bundle/*.mjs when ZBAK_LAB_BUNDLE=1. ZBAK_LAB_BUNDLE=0 runs
# dist/ as compiled (node /mnt/zbak/dist/...), like lab:shell does.
# Exports ZBAK_LAB_BUNDLE (1 unless set, 0 when node_modules has no esbuild).
lab_bundle() {
  local out=${1:?usage: lab_bundle DIR} esb=$REPO/node_modules/.bin/esbuild c
  export ZBAK_LAB_BUNDLE=${ZBAK_LAB_BUNDLE:-1}
  if [ "$ZBAK_LAB_BUNDLE" = 1 ] && [ ! -x "$esb" ]; then
    log "WARNING: no esbuild in node_modules: running dist/ unbundled (slower)"; ZBAK_LAB_BUNDLE=0
  fi
  [ "$ZBAK_LAB_BUNDLE" = 1 ] || return 0
  local opts=(--bundle --platform=node --format=esm --target=node20 --log-level=warning
    "--banner:js=import{createRequire as __zbakCR}from'node:module';const require=__zbakCR(import.meta.url);")
  mkdir -p "$out"
  "$esb" "$REPO/dist/src/cli/main.js" "${opts[@]}" --outfile="$out/zbak.mjs" \
    || die "esbuild could not bundle dist/src/cli/main.js (npm run build first?)"
  for c in vmadm imgadm sysinfo zonecfg; do
    "$esb" "$REPO/dist/personality/$c.js" "${opts[@]}" --outfile="$out/$c.mjs" \
      || die "esbuild could not bundle dist/personality/$c.js (npm run build first?)"
  done
  log "guest runs zbak and the personality from esbuild bundles of dist/ (ZBAK_LAB_BUNDLE=0 to run dist/ directly)"
}
