#!/usr/bin/env bash
# npm run build, after tsc: single-file esbuild bundles of the compiled code.
#   scripts/bundle.sh [ZBAK_DIR TOOLS_DIR]   (default: dist dist/fakebundle; the lab passes its own)
# - ZBAK_DIR/zbak.mjs: zbak itself, a small starter (scripts/bundle-start.mjs) that runs the
#   CommonJS bundle zbak-bundle.cjs with the V8 code cache zbak-bundle.cjs.v8cache made here by
#   one `zbak --version`. bin/zbak (and the tests, bench and demo through
#   scripts/lib/fake-smartos.ts's ZBAK_MAIN) run it while it is newer than dist/src/cli/main.js:
#   the same compiled code, started in about a third of the time (hundreds of ESM files from
#   dist/ and node_modules, execa alone 106, then 1.3 MB compiled again on every start). A
#   nightly job, and every test that starts zbak, pays that once per run.
# - TOOLS_DIR/*.mjs: the fake host's commands; fakebin/ runs a bundle while it is newer than
#   its dist/ file (the e2e tests start these thousands of times). The lab's guest runs them too.
# Without esbuild in node_modules nothing is bundled and dist/ runs as compiled.
set -euo pipefail
cd "$(dirname "$0")/.."
zdir=${1:-dist} tdir=${2:-dist/fakebundle}
esb=node_modules/.bin/esbuild
if [ ! -x "$esb" ]; then echo "bundle: no esbuild in node_modules; bin/zbak and fakebin/ run dist/ directly" >&2; exit 0; fi
common=(--bundle --platform=node --target=node20 --log-level=warning)
mkdir -p "$zdir" "$tdir"
# zbak as CommonJS (vm.Script takes a code cache; Node 20's ESM loader does not). The whole
# file is strict, as the ESM it comes from was; import.meta.url is the bundle's own URL, from
# which what zbak requires lazily (yaml, cli-progress) is found.
rm -f "$zdir/zbak-bundle.cjs.v8cache"
"$esb" dist/src/cli/main.js "${common[@]}" --format=cjs --define:import.meta.url=__zbakImportMetaUrl \
  "--banner:js='use strict';const __zbakImportMetaUrl=require('node:url').pathToFileURL(__filename).href;" \
  --outfile="$zdir/zbak-bundle.cjs"
# The starter wraps the bundle in a function: a hashbang line there is a syntax error.
sed -i '1s/^#!.*//' "$zdir/zbak-bundle.cjs"
cp scripts/bundle-start.mjs "$zdir/zbak.mjs"
ZBAK_CODE_CACHE_WRITE=1 node "$zdir/zbak.mjs" --version >/dev/null ||
  { echo "bundle: $zdir/zbak.mjs --version failed" >&2; exit 1; }
# The tools stay ESM; lazily required modules are found from the bundle's own place.
esm=(--format=esm "--banner:js=import{createRequire as __zbakCR}from'node:module';const require=__zbakCR(import.meta.url);")
entries=()
for c in vmadm imgadm sysinfo zonecfg json; do entries+=("dist/personality/$c.js"); done
"$esb" "${entries[@]}" "${common[@]}" "${esm[@]}" --outdir="$tdir" --out-extension:.js=.mjs
