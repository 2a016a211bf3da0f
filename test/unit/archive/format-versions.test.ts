// Format version 2 (stream digest made from the part digests, so each byte is hashed once)
// and version 1 (digest of the stream's bytes), which readers keep reading.
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStreams, verifyArchive } from '../../../src/archive/reader.js';
import { ArchiveFormatError } from '../../../src/errors.js';
import { rewriteAsVersion1, rewriteTrailer, sha, streamData, writeArchive } from './helpers.js';

const PART = 4096;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

const datas = [streamData(0, 3 * PART + 5), streamData(1, 2 * PART), streamData(2, 2300)];

async function readBack(path: string): Promise<Buffer[]> {
  const v = await verifyArchive(path);
  const got: Buffer[] = [];
  await readStreams(path, v, async (_spec, data) => {
    const chunks: Buffer[] = [];
    for await (const c of data) chunks.push(c as Buffer);
    got.push(Buffer.concat(chunks));
  });
  return got;
}

async function verifyError(path: string): Promise<Error> {
  const err = await verifyArchive(path).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ArchiveFormatError);
  return err as Error;
}

describe('format version 2', () => {
  it("is written, and each stream's sha256 is that of the sha256sum listing of its parts (checked with sha256sum)", async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const v = await verifyArchive(path);
    expect(v.header.formatVersion).toBe(2);
    expect(v.trailer.formatVersion).toBe(2);
    const out = join(tmp.path, 'x');
    await mkdir(out);
    execFileSync('tar', ['-xf', path, '-C', out]);
    // docs/FORMAT.md "Checking an archive by hand": every file against the trailer's list.
    const check = `jq -r '(.entries[], .streams[].parts[]) | "\\(.sha256)  \\(.name)"' zbak-trailer.json | sha256sum -c`;
    expect(execFileSync('sh', ['-c', check], { cwd: out, encoding: 'utf8' })).toMatch(/^(\S+: OK\n)+$/);
    for (const [i, s] of v.trailer.streams.entries()) {
      // By hand: the parts against the trailer's list, then the digest of that list.
      const listing = execFileSync('sh', ['-c', `sha256sum streams/${s.id}/*`], { cwd: out, encoding: 'utf8' });
      expect(listing).toBe(s.parts.map((p) => `${p.sha256}  ${p.name}\n`).join(''));
      expect(execFileSync('sh', ['-c', `sha256sum streams/${s.id}/* | sha256sum`], { cwd: out, encoding: 'utf8' })).toBe(`${s.sha256}  -\n`);
      expect(s.sha256).not.toBe(sha(datas[i]!));
    }
  });

  it('verify refuses a stream digest that does not match the part digests', async () => {
    const path = join(tmp.path, 'a.zbak');
    const bad = join(tmp.path, 'bad.zbak');
    await writeArchive(path, datas, PART);
    await rewriteTrailer(path, bad, (t: { streams: Array<{ sha256: string }> }) => {
      t.streams[1]!.sha256 = sha(datas[1]!); // the version 1 rule, in a version 2 archive
    });
    expect((await verifyError(bad)).message).toMatch(
      /^stream s02: sha256 mismatch: archive has [0-9a-f]{64}, trailer says [0-9a-f]{64}$/,
    );
  });

  it('verify refuses a trailer whose version differs from the header', async () => {
    const path = join(tmp.path, 'a.zbak');
    const bad = join(tmp.path, 'bad.zbak');
    await writeArchive(path, datas, PART);
    await rewriteTrailer(path, bad, (t: { formatVersion: number }) => void (t.formatVersion = 1));
    expect((await verifyError(bad)).message).toBe("zbak-trailer.json: formatVersion 1 differs from the header's 2");
  });
});

describe('format version 1 archives are still read', () => {
  it('verify accepts one and the streams come back byte for byte', async () => {
    const v2 = join(tmp.path, 'v2.zbak');
    const v1 = join(tmp.path, 'v1.zbak');
    await writeArchive(v2, datas, PART);
    await rewriteAsVersion1(v2, v1);
    const v = await verifyArchive(v1);
    expect(v.header.formatVersion).toBe(1);
    expect(v.trailer.streams.map((s) => s.sha256)).toEqual(datas.map(sha));
    const got = await readBack(v1);
    expect(got.map(sha)).toEqual(datas.map(sha));
  });

  it('verify refuses one whose stream sha256 is not that of the stream bytes', async () => {
    const v2 = join(tmp.path, 'v2.zbak');
    const v1 = join(tmp.path, 'v1.zbak');
    await writeArchive(v2, datas, PART);
    await rewriteAsVersion1(v2, v1, (id, right) => (id === 's03' ? sha(Buffer.from('other')) : right));
    expect((await verifyError(v1)).message).toMatch(/^stream s03: sha256 mismatch: archive has [0-9a-f]{64}, trailer says [0-9a-f]{64}$/);
  });
});
