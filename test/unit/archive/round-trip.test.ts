import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStreams, verifyArchive } from '../../../src/archive/reader.js';
import type { StreamSpec } from '../../../src/archive/format.js';
import { partListDigest } from '../../../src/archive/stream-digest.js';
import { IMAGE, IMAGE_JSON, VMADM_JSON, listDir, sha, streamData, writeArchive } from './helpers.js';

const PART = 4096;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

async function readAll(path: string): Promise<Map<string, Buffer>> {
  const v = await verifyArchive(path);
  const got = new Map<string, Buffer>();
  await readStreams(path, v, async (spec: StreamSpec, data) => {
    const chunks: Buffer[] = [];
    for await (const c of data) chunks.push(c as Buffer);
    got.set(spec.id, Buffer.concat(chunks));
  });
  return got;
}

describe('archive round trip', () => {
  it('streams of only their records, partSize, partSize+1, several parts and odd sizes come back byte for byte', async () => {
    const sizes = [936, PART, PART + 1, 3 * PART + 17, 2000, 2 * PART];
    const datas = sizes.map((n, i) => streamData(i, n));
    const path = join(tmp.path, 'web.zbak');
    await writeArchive(path, datas, PART, 777);
    const v = await verifyArchive(path);
    expect(v.vmadmJson).toBe(VMADM_JSON);
    expect(v.imageManifests.get(IMAGE)).toBe(IMAGE_JSON);
    expect(v.trailer.streams.map((s) => s.parts.length)).toEqual([1, 1, 2, 4, 1, 2]);
    expect(v.trailer.streams.map((s) => s.parts.map((p) => p.size))).toEqual([[936], [PART], [PART, 1], [PART, PART, PART, 17], [2000], [PART, PART]]);
    const got = await readAll(path);
    for (const [i, d] of datas.entries()) expect(sha(got.get(v.header.streams[i]!.id)!)).toBe(sha(d));
    expect(v.trailer.streams.map((s) => s.sha256)).toEqual(v.trailer.streams.map((s) => partListDigest(s.parts)));
    expect(await listDir(tmp.path)).toEqual(['web.zbak']);
  });

  it('chunks larger than a part are split exactly', async () => {
    const datas = [streamData(0, 5 * PART + 3, 7), streamData(1, 2010, 8)];
    const path = join(tmp.path, 'big-chunks.zbak');
    await writeArchive(path, datas, PART, 3 * PART + 1);
    const got = await readAll(path);
    expect(got.get('s01')!.equals(datas[0]!)).toBe(true);
    expect(got.get('s02')!.equals(datas[1]!)).toBe(true);
  });

  it('is a plain tar: tar lists the entries in order and cat of the parts is the stream', async () => {
    const datas = [streamData(0, 2 * PART + 5), streamData(1, 2010)];
    const path = join(tmp.path, 'x.zbak');
    await writeArchive(path, datas, PART);
    const names = execFileSync('tar', ['-tf', path], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toEqual([
      'zbak.json', 'vmadm.json', `images/${IMAGE}.json`,
      'streams/s01/000000', 'streams/s01/000001', 'streams/s01/000002', 'streams/s02/000000', 'zbak-trailer.json',
    ]);
    const out = join(tmp.path, 'out');
    execFileSync('mkdir', [out]);
    execFileSync('tar', ['-xf', path, '-C', out]);
    const cat = execFileSync('sh', ['-c', 'cat streams/s01/*'], { cwd: out });
    expect(cat.equals(datas[0]!)).toBe(true);
    expect(await readFile(join(out, 'vmadm.json'), 'utf8')).toBe(VMADM_JSON);
  });
});
