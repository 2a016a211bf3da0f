// scripts/bundle-start.mjs (dist/zbak.mjs): runs zbak-bundle.cjs beside it with the V8 code cache
// made for those bytes only. V8 checks nothing but the source's length, so a cache of other bytes
// of the same length must never reach it: it would run the old code.
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import Module from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../../scripts/lib/fake-smartos.js';
import { tempDirPerTest } from '../archive/helpers.js';

const tmp = tempDirPerTest();
const dir = (): string => tmp.path;

/** A bundle that prints what it was started with, and whether it runs strict (as zbak's ESM was). */
const bundle = (word: string): string =>
  `'use strict';\nconst strict = (function () { return this === undefined; })();\n` +
  `process.stdout.write(JSON.stringify({ word: '${word}', args: process.argv.slice(2), strict, file: __filename }));\n`;

async function start(args: string[], env: Record<string, string> = {}): Promise<{ word: string; args: string[]; strict: boolean; file: string }> {
  const r = await execa('node', [join(dir(), 'zbak.mjs'), ...args], { env, reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { word: string; args: string[]; strict: boolean; file: string };
}

describe('the zbak starter (dist/zbak.mjs)', () => {
  it('runs the bundle beside it with its arguments, strict, without a cache and with one', async () => {
    await copyFile(join(REPO, 'scripts/bundle-start.mjs'), join(dir(), 'zbak.mjs'));
    await writeFile(join(dir(), 'zbak-bundle.cjs'), bundle('alpha'));
    expect(await start(['save', 'x'])).toEqual({ word: 'alpha', args: ['save', 'x'], strict: true, file: join(dir(), 'zbak-bundle.cjs') });

    expect(await start(['--version'], { ZBAK_CODE_CACHE_WRITE: '1' })).toMatchObject({ word: 'alpha' });
    const source = await readFile(join(dir(), 'zbak-bundle.cjs'));
    const cache = await readFile(join(dir(), 'zbak-bundle.cjs.v8cache'));
    expect(cache.subarray(0, 32).equals(createHash('sha256').update(source).digest())).toBe(true);
    // What follows the digest is a cache V8 takes for this source.
    const script = new Script(Module.wrap(source.toString('utf8')), { filename: 'x', cachedData: cache.subarray(32) });
    expect(script.cachedDataRejected).toBe(false);
    expect(await start(['list'])).toMatchObject({ word: 'alpha', args: ['list'] });
  });

  it('does not use a cache made from other bytes of the same length', async () => {
    await copyFile(join(REPO, 'scripts/bundle-start.mjs'), join(dir(), 'zbak.mjs'));
    await writeFile(join(dir(), 'zbak-bundle.cjs'), bundle('alpha'));
    await start([], { ZBAK_CODE_CACHE_WRITE: '1' });
    await writeFile(join(dir(), 'zbak-bundle.cjs'), bundle('omega'));
    expect(await start([])).toMatchObject({ word: 'omega' });
  });
});
