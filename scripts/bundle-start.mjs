#!/usr/bin/env node
// zbak.mjs beside zbak-bundle.cjs (scripts/bundle.sh copies this file there): runs the
// single-file bundle with the V8 code cache the build made for it, so node does not parse and
// compile 1.3 MB of JavaScript again on every start (about half of zbak's own start-up; Node 20
// has no module compile cache). The cache is used only when it was made from these very bytes:
// V8 itself checks just the source's length, so the cache file begins with the bundle's sha256.
// No cache, another one, or one V8 rejects (another node, other flags): the bundle is compiled.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const file = fileURLToPath(new URL('./zbak-bundle.cjs', import.meta.url));
const cacheFile = `${file}.v8cache`;

/** The bundle's sha256, and the code cache made from exactly these bytes (data: undefined if none). */
function cacheFor(source) {
  const digest = createHash('sha256').update(source).digest();
  try {
    const c = readFileSync(cacheFile);
    return { digest, data: c.subarray(0, digest.length).equals(digest) ? c.subarray(digest.length) : undefined };
  } catch {
    return { digest, data: undefined }; // none: compile
  }
}

/** Compiles the bundle; the file's bytes and the cache are garbage once this returns. */
function compile() {
  const source = readFileSync(file);
  const cache = cacheFor(source);
  const script = new Script(Module.wrap(source.toString('utf8')), { filename: file, cachedData: cache.data });
  // scripts/bundle.sh runs `zbak --version` with this set: the cache then holds what start-up compiled.
  if (process.env.ZBAK_CODE_CACHE_WRITE === '1') {
    process.once('exit', () => {
      writeFileSync(`${cacheFile}.tmp`, Buffer.concat([cache.digest, script.createCachedData()]));
      renameSync(`${cacheFile}.tmp`, cacheFile);
    });
  }
  return script.runInThisContext();
}

const module = { exports: {} };
compile().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
