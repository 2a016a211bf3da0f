// The sequential reader (restore - / verify -): one pass over a stream, the front entries
// checked before any stream is handed on, every byte matched before it resolves.
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSequentialArchive, verifyStream } from '../../../src/archive/sequential-reader.js';
import { verifyArchive } from '../../../src/archive/reader.js';
import { ArchiveFormatError, ZbakError } from '../../../src/errors.js';
import { hostileArchives } from '../../../scripts/make-hostile-archives.js';
import { IMAGE, sha, streamData, writeArchive } from './helpers.js';

const PART = 64 * 1024;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

const rejection = <T>(p: Promise<T>): Promise<unknown> => p.then(() => null, (e: unknown) => e);

/** Bytes as a stream that arrives in odd-sized pieces, as a pipe delivers it. */
const piped = (bytes: Buffer, piece = 7001): Readable =>
  Readable.from((function* () {
    for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
  })());

/** Reads the whole archive the way restore does; what each stream's handler received. */
async function readAll(input: Readable, calls: string[] = []): Promise<Map<string, Buffer>> {
  const seq = await openSequentialArchive(input, 'standard input');
  const got = new Map<string, Buffer>();
  try {
    await seq.readStreams(async (spec, data) => {
      calls.push(spec.id);
      const chunks: Buffer[] = [];
      for await (const c of data) chunks.push(c as Buffer);
      got.set(spec.id, Buffer.concat(chunks));
    });
  } finally {
    await seq.close();
  }
  return got;
}

async function archiveBytes(datas: Buffer[]): Promise<Buffer> {
  const path = join(tmp.path, 'a.zbak');
  await writeArchive(path, datas, PART);
  return readFile(path);
}

describe('sequential reader', () => {
  it('gives the checked front first, then every stream in order, and resolves with the trailer', async () => {
    const datas = [streamData(0, 3 * PART + 17), streamData(1, 2000), streamData(2, PART)];
    const bytes = await archiveBytes(datas);
    const seq = await openSequentialArchive(piped(bytes), 'standard input');
    expect(seq.front.header.streams.map((s) => s.id)).toEqual(['s01', 's02', 's03']);
    expect(seq.front.imageRecords.has(IMAGE)).toBe(true);
    const got: Buffer[] = [];
    const checked = await seq.readStreams(async (_spec, data) => {
      const chunks: Buffer[] = [];
      for await (const c of data) chunks.push(c as Buffer);
      got.push(Buffer.concat(chunks));
    });
    expect(got.map(sha)).toEqual(datas.map(sha)); // toEqual on big Buffers is slow
    expect(checked.trailer.streams.map((s) => s.size)).toEqual(datas.map((d) => d.length));
    const verified = await verifyStream(piped(bytes), 'standard input');
    expect(verified.trailer).toEqual(checked.trailer);
  });

  it('a flipped byte in a part: the handler may have read it, but the pass rejects naming the part', async () => {
    const bytes = await archiveBytes([streamData(0, 2 * PART), streamData(1, 2000), streamData(2, 2000)]);
    const at = bytes.indexOf(streamData(0, 2 * PART).subarray(PART + 5000, PART + 5064));
    expect(at).toBeGreaterThan(0);
    bytes[at] = bytes[at]! ^ 0x40;
    const err = await rejection(readAll(piped(bytes)));
    expect(err).toBeInstanceOf(ArchiveFormatError);
    expect((err as Error).message).toMatch(/^streams\/s01\/000001: sha256 mismatch/);
    expect((await rejection(verifyStream(piped(bytes), 'standard input')) as Error).message).toMatch(/^streams\/s01\/000001: sha256 mismatch/);
  });

  it('a truncated stream is refused wherever it is cut; a cut in the front reaches no handler', async () => {
    const bytes = await archiveBytes([streamData(0, 2 * PART), streamData(1, 2000), streamData(2, 2000)]);
    const firstPart = bytes.indexOf(Buffer.from('streams/s01/000000'));
    for (const cut of [0, 100, 512, firstPart - 1, firstPart + 600, bytes.length - 1500, bytes.length - 1024, bytes.length - 1]) {
      const calls: string[] = [];
      const err = await rejection(readAll(piped(bytes.subarray(0, cut)), calls));
      expect(err, `cut at ${cut}`).toBeInstanceOf(ZbakError);
      expect((err as ZbakError).code, `cut at ${cut}`).toBe('archive-invalid');
      if (cut < firstPart) expect(calls).toEqual([]);
      expect(await rejection(verifyStream(piped(bytes.subarray(0, cut)), 'standard input'))).toBeInstanceOf(ZbakError);
    }
  });

  it('an input that fails (a dead sender, a read error) rejects as unreadable', async () => {
    const bytes = await archiveBytes([streamData(0, 2 * PART), streamData(1, 2000), streamData(2, 2000)]);
    const dying = new Readable({ read() {} });
    dying.push(bytes.subarray(0, bytes.length / 2));
    setImmediate(() => dying.destroy(new Error('EPIPE: the sender died')));
    const err = await rejection(readAll(dying));
    expect((err as ZbakError).code).toBe('archive-unreadable');
    expect((err as Error).message).toMatch(/cannot read archive standard input: .*the sender died/);
  });

  it('close() before readStreams stops the pass and destroys the input', async () => {
    const bytes = await archiveBytes([streamData(0, 2 * PART), streamData(1, 2000), streamData(2, 2000)]);
    const input = piped(bytes, 512);
    const seq = await openSequentialArchive(input, 'standard input');
    await seq.close();
    expect(input.destroyed).toBe(true);
  });

  describe('hostile archives (the verify fixtures) are refused through a pipe too', () => {
    for (const a of hostileArchives()) {
      it(`${a.file}: ${a.error || 'verifies'}`, async () => {
        const calls: string[] = [];
        const err = await rejection(readAll(piped(a.bytes), calls));
        const verify = await rejection(verifyStream(piped(a.bytes), 'standard input'));
        if (a.error === '') {
          expect(err).toBeNull();
          expect(verify).toBeNull();
          return;
        }
        for (const e of [err, verify]) {
          expect(e).toBeInstanceOf(ZbakError);
          expect((e as Error).message).not.toContain('\n');
        }
        // Same check as verify of a file: the same verdict, and the same words for the tar-stream path.
        const path = join(tmp.path, a.file);
        await writeFile(path, a.bytes);
        const fileErr = await rejection(verifyArchive(path));
        expect((verify as ZbakError).code).toBe((fileErr as ZbakError).code);
        expect((verify as Error).message.replace('standard input', path)).toContain(a.error);
      });
    }
  });
});
