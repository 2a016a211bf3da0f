// Reading an archive's zone and date from its header and trailer only (for --keep-archives).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, open, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readArchiveIdentity } from '../../../src/archive/archive-identity.js';
import { ZONE, streamBytes, writeArchive } from './helpers.js';

let dir: string;
let good: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-identity-'));
  good = join(dir, 'good.zbak');
  await writeArchive(good, [streamBytes(1, 5000), streamBytes(2, 10), streamBytes(3, 9000)], 4096);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function variant(name: string, change: (path: string) => Promise<void>): Promise<string> {
  const p = join(dir, name);
  await copyFile(good, p);
  await change(p);
  return p;
}

describe('readArchiveIdentity', () => {
  it('a complete archive: its verified header', async () => {
    const id = await readArchiveIdentity(good);
    expect(id.kind).toBe('archive');
    if (id.kind === 'archive') expect([id.header.zone.uuid, id.header.createdAt]).toEqual([ZONE, '2025-03-01T12:00:00.000Z']);
  });

  it('a truncated archive (no trailer) is unreadable, not an archive', async () => {
    const p = await variant('cut.zbak', async (q) => truncate(q, Math.floor((await stat(q)).size / 2)));
    expect(await readArchiveIdentity(p)).toEqual({ kind: 'unreadable', reason: expect.stringMatching(/zbak-trailer\.json: not found/) });
  });

  it('a header changed after writing (same size) no longer matches the trailer', async () => {
    const p = await variant('edited.zbak', async (q) => {
      const fh = await open(q, 'r+');
      const buf = Buffer.alloc(4096);
      await fh.read(buf, 0, 4096, 512);
      const text = buf.toString('latin1').replace('2025-03-01T12:00:00.000Z', '2999-03-01T12:00:00.000Z');
      await fh.write(Buffer.from(text, 'latin1'), 0, 4096, 512);
      await fh.close();
    });
    expect(await readArchiveIdentity(p)).toEqual({ kind: 'unreadable', reason: 'zbak-trailer.json does not match zbak.json' });
  });

  it('other files are not archives; a device is unreadable', async () => {
    await writeFile(join(dir, 'notes.txt'), 'keep me\n');
    expect(await readArchiveIdentity(join(dir, 'notes.txt'))).toEqual({ kind: 'other' });
    await writeFile(join(dir, 'empty'), '');
    expect(await readArchiveIdentity(join(dir, 'empty'))).toEqual({ kind: 'other' });
    expect((await readArchiveIdentity('/dev/null')).kind).toBe('unreadable');
  });
});
