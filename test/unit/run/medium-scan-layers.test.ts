// A compressed archive on a medium (docs/FORMAT.md "Layers"): known by its file name, as an
// encrypted one, so prune and status count it as a full archive of its zone and time; one
// not named as zbak names archives is listed apart and never pruned.
import { afterAll, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { readArchiveIdentity } from '../../../src/archive/archive-identity.js';
import { scanMedium } from '../../../src/run/medium-scan.js';
import { ZONE, streamBytes, writeArchive } from '../archive/helpers.js';

let dir = '';
afterAll(() => rm(dir, { recursive: true, force: true }));

it('a zstd-compressed archive is "compressed"; on a medium it is listed by its name, or apart when not named as an archive', async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-scan-zstd-'));
  const plain = join(dir, 'plain.tar');
  await writeArchive(plain, [streamBytes(1, 5000)], 4096);
  const frame = Buffer.from((await execa('zstd', ['-q', '-c'], { input: await readFile(plain), encoding: 'buffer' })).stdout);
  await rm(plain);
  const named = `web-${ZONE}-20261201T030000Z.zbak`;
  await writeFile(join(dir, named), frame);
  await writeFile(join(dir, 'odd.zbak'), frame);
  expect(await readArchiveIdentity(join(dir, named))).toEqual({ kind: 'compressed' });
  const scan = await scanMedium(dir);
  expect(scan.archives).toEqual([]);
  expect(scan.encrypted).toEqual([{ name: named, path: join(dir, named), zoneUuid: ZONE, createdAt: '2026-12-01T03:00:00.000Z' }]);
  expect(scan.unreadable).toEqual(['odd.zbak (compressed, and not named <alias>-<uuid>-<time>.zbak as zbak names archives)']);
});
