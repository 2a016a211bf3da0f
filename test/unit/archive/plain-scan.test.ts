// verify's fast path reads a plain ustar archive once through one reused buffer; any other
// tar form (here a pax record, which readers must accept) goes to tar-stream instead.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyArchive } from '../../../src/archive/reader.js';
import { scanTar } from '../../../src/archive/tar-scan.js';
import { paxPath, rawTar } from '../../../scripts/make-hostile-archives.js';
import { sha, streamData, writeArchive, tempDirPerTest } from './helpers.js';

const PART = 4096;
const tmp = tempDirPerTest();

const datas = [streamData(0, 3 * PART + 5), streamData(1, 300 * PART + 100), streamData(2, 2300)];
const reads = async (file: string): Promise<number[]> =>
  (await readFile(file, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { bytes: number }).bytes);

describe('verify', () => {
  it('reads a plain archive once, start to end', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART, 65536);
    process.env.ZBAK_READ_COUNT = join(tmp.path, 'count');
    const v = await verifyArchive(path);
    expect(v.trailer.streams.map((s) => s.size)).toEqual(datas.map((d) => d.length));
    expect(await reads(join(tmp.path, 'count'))).toEqual([(await stat(path)).size]);
  });

  it('accepts an archive whose entry name comes from a pax record (the tar-stream path)', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const entries: Array<{ name: string; data: Buffer; type?: string }> = [];
    await scanTar(path, async (e) => {
      const chunks: Buffer[] = [];
      for await (const c of e.data) chunks.push(Buffer.from(c));
      entries.push({ name: e.name, data: Buffer.concat(chunks) });
    });
    entries.splice(1, 0, { ...paxPath('vmadm.json'), data: Buffer.from(paxPath('vmadm.json').data as string) });
    entries[2] = { ...entries[2]!, name: 'placeholder' };
    const pax = join(tmp.path, 'pax.zbak');
    await writeFile(pax, rawTar(entries));
    const v = await verifyArchive(pax);
    expect(sha(Buffer.from(v.vmadmJson))).toBe(v.trailer.entries[1]!.sha256);
  });
});
