// Restore's structure pass (headers walked by seeking, JSON entries checked, every part
// present with its trailer size) and its one data pass (each part hashed once as it goes
// to the handler, each BEGIN record checked before any of its stream's bytes go on).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStreams, type CheckedArchive } from '../../../src/archive/reader.js';
import { checkStructure } from '../../../src/archive/structure-check.js';
import { partListDigest } from '../../../src/archive/stream-digest.js';
import { ArchiveFormatError } from '../../../src/errors.js';
import { paxPath, rawTar, type RawEntry } from '../../../scripts/make-hostile-archives.js';
import { rewriteAsVersion1, sha, streamData, writeArchive, entriesOf, tempDirPerTest } from './helpers.js';

const PART = 4096;
const tmp = tempDirPerTest();

const datas = [streamData(0, 3 * PART + 5), streamData(1, 40 * PART + 100), streamData(2, 2300)];

async function refusal(path: string): Promise<Error> {
  const err = await checkStructure(path).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveFormatError);
  return err as Error;
}

/** Every stream's bytes as the handler got them (null: the handler got none), and the error. */
async function dataPass(path: string, c: CheckedArchive): Promise<{ got: Map<string, Buffer>; err: unknown }> {
  const got = new Map<string, Buffer>();
  const err = await readStreams(path, c, async (spec, data) => {
    const chunks: Buffer[] = [];
    try {
      for await (const x of data) chunks.push(Buffer.from(x as Buffer));
    } finally {
      got.set(spec.id, Buffer.concat(chunks));
    }
  }).then(() => null, (e: unknown) => e);
  return { got, err };
}

describe('checkStructure', () => {
  it('accepts a written archive reading only its headers, JSON entries, stream heads and end (ZBAK_READ_COUNT)', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const count = join(tmp.path, 'reads');
    process.env.ZBAK_READ_COUNT = count;
    const c = await checkStructure(path);
    expect(c.header.streams.map((s) => s.id)).toEqual(['s01', 's02', 's03']);
    expect(c.trailer.streams.map((s) => s.parts.length)).toEqual([4, 41, 1]);
    const { got, err } = await dataPass(path, c);
    expect(err).toBeNull();
    expect([...got.values()].map(sha)).toEqual(datas.map(sha));
    const passes = (await readFile(count, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { pass: string; bytes: number });
    const size = (await readFile(path)).length;
    expect(passes.map((p) => p.pass)).toEqual(['structure', 'data']);
    expect(passes[0]!.bytes).toBeLessThan(size / 4); // 46 headers of 512 bytes, the JSON, 3 heads of 4 KiB and the end
    expect(passes[1]!.bytes).toBe(size);
  });

  it('refuses a truncated archive wherever it is cut', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const bytes = await readFile(path);
    for (const cut of [0, 100, 512, 3000, 20_000, 100_000, bytes.length - 1500, bytes.length - 1024, bytes.length - 1]) {
      await writeFile(join(tmp.path, 'cut.zbak'), bytes.subarray(0, cut));
      expect((await refusal(join(tmp.path, 'cut.zbak'))).message).not.toContain('\n');
    }
  });

  it('refuses reordered, missing, extra and resized parts, and pax records', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const list = await entriesOf(path);
    const at = (name: string): number => list.findIndex((e) => e.name === name);
    const write = async (entries: RawEntry[], name: string): Promise<string> => {
      const p = join(tmp.path, name);
      await writeFile(p, rawTar(entries));
      return p;
    };
    const swapped = [...list];
    [swapped[at('streams/s02/000003')], swapped[at('streams/s02/000004')]] = [list[at('streams/s02/000004')]!, list[at('streams/s02/000003')]!];
    expect((await refusal(await write(swapped, 'swapped.zbak'))).message).toMatch(/^zbak-trailer\.json: lists streams\/s02\/000003 where the archive has streams\/s02\/000004$/);
    const missing = list.filter((e) => e.name !== 'streams/s02/000040');
    expect((await refusal(await write(missing, 'missing.zbak'))).message).toMatch(/lists streams\/s02\/000040, which is not in the archive/);
    const streamsSwapped = [...list];
    streamsSwapped.splice(at('streams/s03/000000'), 1);
    streamsSwapped.splice(at('streams/s01/000000'), 0, list[at('streams/s03/000000')]!);
    expect((await refusal(await write(streamsSwapped, 'streams.zbak'))).message).toMatch(/out of order/);
    const extra = [...list];
    extra.splice(at('zbak-trailer.json'), 0, { name: 'streams/s03/000001', data: Buffer.alloc(10) });
    expect((await refusal(await write(extra, 'extra.zbak'))).message).toMatch(/streams\/s03\/000001/);
    const resized = list.map((e) => (e.name === 'streams/s02/000007' ? { ...e, data: e.data.subarray(1) } : e));
    expect((await refusal(await write(resized, 'resized.zbak'))).message).toMatch(/streams\/s02\/000007: size mismatch/);
    const pax: RawEntry[] = [...list];
    pax.splice(1, 0, paxPath('vmadm.json'));
    expect((await refusal(await write(pax, 'pax.zbak'))).message).toMatch(/plain ustar file entry/);
  });
});

describe('the data pass after checkStructure', () => {
  it('a flipped byte in the last part of the last stream fails it at that part, after the handler got the bytes before', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const c = await checkStructure(path);
    const bytes = await readFile(path);
    bytes[bytes.indexOf(datas[2]!.subarray(1500, 1564)) + 10]! ^= 1;
    await writeFile(path, bytes);
    const { got, err } = await dataPass(path, c);
    expect((err as Error).message).toMatch(/^streams\/s03\/000000: sha256 mismatch: archive has [0-9a-f]{64}, trailer says [0-9a-f]{64}$/);
    expect(got.get('s02')!.equals(datas[1]!)).toBe(true);
  });

  it('a BEGIN record rewritten with fresh checksums is refused before any of its stream reaches the handler', async () => {
    const path = join(tmp.path, 'a.zbak');
    const bad = join(tmp.path, 'bad.zbak');
    await writeArchive(path, datas, PART);
    const list = await entriesOf(path);
    const first = list.find((e) => e.name === 'streams/s02/000000')!;
    // s02 (-p -I from the image): compound BEGIN, its nvlist, END, then the substream BEGIN's fromguid at +48.
    const begin = 312 + first.data.readUInt32LE(4) + 312;
    first.data.writeBigUInt64LE(4242n, begin + 48);
    const trailer = list.pop()!;
    const t = JSON.parse(trailer.data.toString()) as { streams: Array<{ id: string; sha256: string; parts: Array<{ name: string; sha256: string }> }> };
    const s02 = t.streams.find((s) => s.id === 's02')!;
    s02.parts[0]!.sha256 = sha(first.data);
    s02.sha256 = partListDigest(s02.parts);
    await writeFile(bad, rawTar([...list, { name: trailer.name, data: JSON.stringify(t) }]));
    const message = "streams/s02/000000: BEGIN record fromguid 4242 differs from the header's from GUID 1001";
    // The structure pass reads each stream's head: refused before any change.
    expect((await refusal(bad)).message).toBe(message);
    // And the data pass checks it again (the file may change after the structure pass).
    const good = await checkStructure(path);
    const { got, err } = await dataPass(bad, { ...good, trailer: t as unknown as CheckedArchive['trailer'] });
    expect((err as Error).message).toBe(message);
    expect(got.get('s02')!.length).toBe(0);
  });

  it('a damaged BEGIN record is reported as damage (sha256), and none of its stream reaches the handler', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const c = await checkStructure(path);
    const bytes = await readFile(path);
    bytes[bytes.indexOf(datas[1]!.subarray(0, 64)) + 312 + datas[1]!.readUInt32LE(4) + 312 + 48]! ^= 1;
    await writeFile(path, bytes);
    const { got, err } = await dataPass(path, c);
    expect((err as Error).message).toMatch(/^streams\/s02\/000000: sha256 mismatch/);
    expect(got.get('s02')!.length).toBe(0);
  });

  it('reads a version 1 archive, and refuses one whose stream sum is wrong at the end of that stream', async () => {
    const v2 = join(tmp.path, 'v2.zbak');
    const v1 = join(tmp.path, 'v1.zbak');
    const bad = join(tmp.path, 'bad-v1.zbak');
    await writeArchive(v2, datas, PART);
    await rewriteAsVersion1(v2, v1);
    const good = await dataPass(v1, await checkStructure(v1));
    expect(good.err).toBeNull();
    expect([...good.got.values()].map(sha)).toEqual(datas.map(sha));
    await rewriteAsVersion1(v2, bad, (id, right) => (id === 's02' ? sha(Buffer.from('x')) : right));
    const { err } = await dataPass(bad, await checkStructure(bad));
    expect((err as Error).message).toMatch(/^stream s02: sha256 mismatch: archive has [0-9a-f]{64}, trailer says [0-9a-f]{64}$/);
  });
});
