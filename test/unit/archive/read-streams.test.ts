// Pass 2 (restore): streams in header order, one at a time, each part re-checked.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStreams, verifyArchive } from '../../../src/archive/reader.js';
import { ArchiveFormatError } from '../../../src/errors.js';
import { streamData, writeArchive } from './helpers.js';

const PART = 4096;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

const datas = [streamData(0, 3 * PART + 1), streamData(1, 500_000), streamData(2, 2007)];

describe('readStreams', () => {
  it('calls the handler for each stream in order, never before the previous one resolved', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const v = await verifyArchive(path);
    const events: string[] = [];
    await readStreams(path, v, async (spec, data) => {
      events.push(`start ${spec.id}`);
      let n = 0;
      for await (const c of data) {
        n += (c as Buffer).length;
        if (spec.id === 's02') await sleep(1); // a slow consumer: backpressure, not buffering
      }
      await sleep(20);
      events.push(`end ${spec.id} ${n}`);
    });
    expect(events).toEqual(['start s01', `end s01 ${3 * PART + 1}`, 'start s02', 'end s02 500000', 'start s03', 'end s03 2007']);
  });

  it('hands each chunk on as it was read, never joined across a part boundary', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const v = await verifyArchive(path);
    const crossing: number[] = [];
    await readStreams(path, v, async (spec, data) => {
      await sleep(20); // let the pass buffer what it may before the first read
      let at = 0;
      for await (const c of data) {
        const len = (c as Buffer).length;
        if (Math.floor(at / PART) !== Math.floor((at + len - 1) / PART)) crossing.push(at);
        at += len;
      }
    });
    expect(crossing).toEqual([]);
  });

  it('a handler error stops the pass and is passed through', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const v = await verifyArchive(path);
    const boom = new Error('zfs receive exited 1');
    const seen: string[] = [];
    const err = await readStreams(path, v, async (spec, data) => {
      seen.push(spec.id);
      data.resume();
      if (spec.id === 's02') throw boom;
      await new Promise((r) => data.on('end', r));
    }).then(() => null, (e: unknown) => e);
    expect(err).toBe(boom);
    expect(seen).toEqual(['s01', 's02']);
  });

  it('a part changed after verify destroys the stream with an error naming the part', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const v = await verifyArchive(path);
    const bytes = await readFile(path);
    const at = bytes.indexOf(datas[1]!.subarray(200_000, 200_064));
    bytes[at]! ^= 0xff; // inside streams/s02/000048
    await writeFile(path, bytes);
    let handlerError: unknown = null;
    const err = await readStreams(path, v, async (_spec, data) => {
      try {
        for await (const c of data) void c;
      } catch (e) {
        handlerError = e;
        throw e;
      }
    }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveFormatError);
    expect((err as Error).message).toMatch(/^streams\/s02\/000048: sha256 mismatch: archive has [0-9a-f]{64}, trailer says [0-9a-f]{64}$/);
    expect(handlerError).toBe(err);
  });

  it('a file truncated after verify fails the pass and the open handler', async () => {
    const path = join(tmp.path, 'a.zbak');
    await writeArchive(path, datas, PART);
    const v = await verifyArchive(path);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.indexOf(datas[1]!.subarray(300_000, 300_064))));
    let handlerFailed = false;
    const err = await readStreams(path, v, async (_spec, data) => {
      try {
        for await (const c of data) void c;
      } catch (e) {
        handlerFailed = true;
        throw e;
      }
    }).then(() => null, (e: unknown) => e);
    expect((err as Error).message).toMatch(/truncated/);
    expect(handlerFailed).toBe(true);
  });
});
