#!/usr/bin/env bash
# npm run build, after tsc: single-file esbuild bundles of the fake host's commands
# (dist/fakebundle/*.mjs). fakebin/ runs a bundle while it is newer than its dist/ file:
# the e2e tests start these commands thousands of times, and a bundle starts in about
# half the time of the same code loaded as hundreds of ESM files. zbak itself is not
# bundled here: the tests run dist/ as bin/zbak does.
set -euo pipefail
cd "$(dirname "$0")/.."
esb=node_modules/.bin/esbuild
if [ ! -x "$esb" ]; then echo "bundle-fakes: no esbuild in node_modules; fakebin/ runs dist/ directly" >&2; exit 0; fi
entries=()
for c in vmadm imgadm sysinfo zonecfg json; do entries+=("dist/personality/$c.js"); done
"$esb" "${entries[@]}" --bundle --platform=node --format=esm --target=node20 --log-level=warning \
  --outdir=dist/fakebundle --out-extension:.js=.mjs \
  "--banner:js=import{createRequire as __zbakCR}from'node:module';const require=__zbakCR(import.meta.url);"
