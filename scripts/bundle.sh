#!/usr/bin/env bash
# npm run build, after tsc: single-file esbuild bundles of the compiled code.
# - dist/zbak.mjs: zbak itself. bin/zbak (and the tests, bench and demo through
#   scripts/lib/fake-smartos.ts's ZBAK_MAIN) run it while it is newer than
#   dist/src/cli/main.js: the same compiled code, started in about 0.2 s instead of
#   0.5 s (hundreds of ESM files from dist/ and node_modules, execa alone 106). A
#   nightly job, and every test that starts zbak, pays that once per run.
# - dist/fakebundle/*.mjs: the fake host's commands; fakebin/ runs a bundle while it
#   is newer than its dist/ file (the e2e tests start these thousands of times).
# Without esbuild in node_modules nothing is bundled and dist/ runs as compiled.
set -euo pipefail
cd "$(dirname "$0")/.."
esb=node_modules/.bin/esbuild
if [ ! -x "$esb" ]; then echo "bundle: no esbuild in node_modules; bin/zbak and fakebin/ run dist/ directly" >&2; exit 0; fi
opts=(--bundle --platform=node --format=esm --target=node20 --log-level=warning
  # Lazily required modules (yaml, cli-progress) are found from the bundle's own place.
  "--banner:js=import{createRequire as __zbakCR}from'node:module';const require=__zbakCR(import.meta.url);")
"$esb" dist/src/cli/main.js "${opts[@]}" --outfile=dist/zbak.mjs
entries=()
for c in vmadm imgadm sysinfo zonecfg json; do entries+=("dist/personality/$c.js"); done
"$esb" "${entries[@]}" "${opts[@]}" --outdir=dist/fakebundle --out-extension:.js=.mjs
