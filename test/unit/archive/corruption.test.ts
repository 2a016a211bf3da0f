// Truncated and corrupted archives: verify fails with a one-line error naming the entry.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyArchive } from '../../../src/archive/reader.js';
import { ArchiveFormatError, ArchiveUnreadableError } from '../../../src/errors.js';
import { fixtureHeader, rawTar, validEntries, type RawEntry } from '../../../scripts/make-hostile-archives.js';
import { streamBytes, streamData, writeArchive } from './helpers.js';

const PART = 4096;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

/** Walk the ustar headers: where each entry's header and data start. */
function entries(tar: Buffer): { name: string; header: number; data: number; size: number }[] {
  const out = [];
  for (let off = 0; off + 512 <= tar.length && tar[off] !== 0; ) {
    const name = tar.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    out.push({ name, header: off, data: off + 512, size });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

async function verifyError(path: string): Promise<Error> {
  const err = await verifyArchive(path).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).not.toContain('\n');
  return err as Error;
}

async function sample(): Promise<{ path: string; bytes: Buffer; at: (name: string) => { header: number; data: number; size: number } }> {
  const path = join(tmp.path, 'a.zbak');
  await writeArchive(path, [streamData(0, 1000), streamData(1, 2 * PART + 10), streamData(2, 2300)], PART);
  const bytes = await readFile(path);
  const list = entries(bytes);
  const at = (name: string) => {
    const e = list.find((x) => x.name === name);
    if (!e) throw new Error(`no entry ${name}`);
    return e;
  };
  return { path, bytes, at };
}

describe('truncated archives', () => {
  it('are rejected as truncated or incomplete wherever they are cut', async () => {
    const { bytes, at } = await sample();
    const trailer = at('zbak-trailer.json');
    const cuts = {
      'empty file': 0,
      'inside the first header block': 100,
      'after the first header': 512,
      'inside zbak.json': at('zbak.json').data + 10,
      'inside a part': at('streams/s02/000001').data + 1000,
      'at the boundary before the trailer': trailer.header,
      'inside the trailer': trailer.data + 5,
      'right after the trailer data': trailer.data + Math.ceil(trailer.size / 512) * 512,
      'inside the end-of-archive blocks': bytes.length - 512,
      'one byte short': bytes.length - 1,
    };
    for (const [what, cut] of Object.entries(cuts)) {
      const p = join(tmp.path, `cut-${cut}.zbak`);
      await writeFile(p, bytes.subarray(0, cut));
      const err = await verifyError(p);
      expect(err, what).toBeInstanceOf(ArchiveFormatError);
      expect(err.message, what).toMatch(/truncated|incomplete/);
    }
  });

  it('a missing file is unreadable, not invalid', async () => {
    const err = await verifyError(join(tmp.path, 'nope.zbak'));
    expect(err).toBeInstanceOf(ArchiveUnreadableError);
    expect(err.message).toMatch(/cannot open archive .*nope\.zbak: ENOENT/);
  });

  it('a directory is unreadable', async () => {
    expect(await verifyError(tmp.path)).toBeInstanceOf(ArchiveUnreadableError);
  });

  it('random bytes are not a tar archive', async () => {
    const p = join(tmp.path, 'junk.zbak');
    await writeFile(p, streamBytes(9, 4096));
    expect((await verifyError(p)).message).toMatch(/corrupt tar data at the start of the archive/);
  });
});

describe('corrupted archives', () => {
  it('a flipped byte in a part names that part', async () => {
    const { path, bytes, at } = await sample();
    bytes[at('streams/s02/000001').data + 17]! ^= 0x01;
    await writeFile(path, bytes);
    const err = await verifyError(path);
    expect(err.message).toMatch(/^streams\/s02\/000001: sha256 mismatch: archive has [0-9a-f]{64}, trailer says [0-9a-f]{64}$/);
    expect((err as ArchiveFormatError).entry).toBe('streams/s02/000001');
  });

  it('a flipped byte in vmadm.json names vmadm.json', async () => {
    const { path, bytes, at } = await sample();
    bytes[at('vmadm.json').data + 12]! ^= 0x01; // inside the uuid string: still valid JSON
    await writeFile(path, bytes);
    expect((await verifyError(path)).message).toMatch(/^vmadm\.json: sha256 mismatch/);
  });

  it('a corrupted tar header is reported after the entry before it', async () => {
    const { path, bytes, at } = await sample();
    bytes[at('streams/s03/000000').header + 130]! ^= 0x01; // size field: checksum no longer matches
    await writeFile(path, bytes);
    expect((await verifyError(path)).message).toMatch(/corrupt tar data after entry streams\/s02\/000002/);
  });

  const raw = async (list: RawEntry[]): Promise<string> => {
    const p = join(tmp.path, 'raw.zbak');
    await writeFile(p, rawTar(list));
    return p;
  };

  it('a short part that is not the last of its stream is rejected', async () => {
    const p = await raw(validEntries(fixtureHeader(), [Buffer.alloc(100, 1), Buffer.alloc(100, 2)]));
    expect((await verifyError(p)).message).toBe(
      'streams/s01/000000: part is 100 bytes but is not the last of stream s01; every other part must be exactly partSize (4096)',
    );
  });

  it('a part larger than partSize is rejected', async () => {
    const p = await raw(validEntries(fixtureHeader(), [Buffer.alloc(4097, 1)]));
    expect((await verifyError(p)).message).toMatch(/^streams\/s01\/000000: part is 4097 bytes, larger than partSize \(4096\)/);
  });

  it('an empty part after a full one is rejected', async () => {
    const p = await raw(validEntries(fixtureHeader(), [Buffer.alloc(4096, 1), Buffer.alloc(0)]));
    expect((await verifyError(p)).message).toMatch(/^streams\/s01\/000001: empty part after a full one/);
  });

  it('a gap in part numbers is rejected', async () => {
    const list = validEntries(fixtureHeader(), [Buffer.alloc(4096, 1), Buffer.alloc(5, 2)]);
    (list[3] as RawEntry).name = 'streams/s01/000002';
    expect((await verifyError(await raw(list))).message).toBe('streams/s01/000002: out of order (expected streams/s01/000001)');
  });

  it('a stream the header does not list is rejected', async () => {
    const list = validEntries();
    list.splice(3, 0, { name: 'streams/s09/000000', data: 'x' });
    expect((await verifyError(await raw(list))).message).toBe('streams/s09/000000: stream s09 is not listed in zbak.json');
  });

  it('a trailer that lists a different part size is rejected', async () => {
    const list = validEntries();
    const t = JSON.parse(String((list[3] as RawEntry).data)) as { streams: { parts: { size: number }[] }[] };
    (t.streams[0] as { parts: { size: number }[] }).parts[0]!.size = 1;
    (list[3] as RawEntry).data = JSON.stringify(t);
    expect((await verifyError(await raw(list))).message).toBe('streams/s01/000000: size mismatch: archive has 1952, trailer says 1');
  });

  it('vmadm.json that is not JSON is rejected', async () => {
    const list = validEntries();
    (list[1] as RawEntry).data = '{"uuid": ';
    expect((await verifyError(await raw(list))).message).toMatch(/^vmadm\.json: not valid JSON/);
  });
});
