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
  local out=${1:?usage: lab_bundle DIR} esb=$REPO/node_modules/.bin/esbuild
  export ZBAK_LAB_BUNDLE=${ZBAK_LAB_BUNDLE:-1}
  if [ "$ZBAK_LAB_BUNDLE" = 1 ] && [ ! -x "$esb" ]; then
    log "WARNING: no esbuild in node_modules: running dist/ unbundled (slower)"; ZBAK_LAB_BUNDLE=0
  fi
  [ "$ZBAK_LAB_BUNDLE" = 1 ] || return 0
  # The same bundles as npm run build's (scripts/bundle.sh), zbak's code cache included.
  mkdir -p "$out"
  bash "$REPO/scripts/bundle.sh" "$out" "$out" || die "could not bundle dist/ (npm run build first?)"
  log "guest runs zbak and the personality from esbuild bundles of dist/ (ZBAK_LAB_BUNDLE=0 to run dist/ directly)"
}
