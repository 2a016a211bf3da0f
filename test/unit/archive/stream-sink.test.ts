// The writer into a stream (save --to -): the same archive bytes as a file, no temp, no
// name; an aborted save leaves a stream without a trailer that every reader refuses.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { imageManifestEntry } from '../../../src/archive/format.js';
import { verifyStream } from '../../../src/archive/sequential-reader.js';
import { StreamArchiveSink } from '../../../src/archive/stream-sink.js';
import { createArchiveWriterTo } from '../../../src/archive/writer.js';
import { ZbakError } from '../../../src/errors.js';
import { IMAGE, IMAGE_JSON, VMADM_JSON, chunked, makeHeader, streamData } from './helpers.js';

const PART = 64 * 1024;

/** A slow consumer: each write's callback comes a turn later (a pipe to ssh). */
function collector(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk)); // copied: the writer reuses its part buffer after the callback
      setImmediate(cb);
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

async function writeTo(out: Writable, streams: number, fail = false): Promise<string | undefined> {
  const w = createArchiveWriterTo(new StreamArchiveSink(out), { partSize: PART });
  try {
    await w.addEntry('zbak.json', JSON.stringify(makeHeader(streams, PART)));
    await w.addEntry('vmadm.json', VMADM_JSON);
    await w.addEntry(imageManifestEntry(IMAGE), IMAGE_JSON);
    for (let i = 0; i < streams; i++) {
      if (fail && i === streams - 1) throw new ZbakError('zfs send failed');
      await w.addStream(`s0${i + 1}`, chunked(streamData(i, 3 * PART + 100 * i + 1000), 5000));
    }
    return await w.finish();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

describe('archive writer into a stream', () => {
  it('writes a complete archive that verifies from the stream, with no name', async () => {
    const c = collector();
    expect(await writeTo(c.out, 3)).toBeUndefined();
    expect(c.out.writableEnded).toBe(true);
    const v = await verifyStream(PassThrough.from(c.bytes()) as never, 'standard input');
    expect(v.trailer.streams.map((s) => s.size)).toEqual([3 * PART + 1000, 3 * PART + 1100, 3 * PART + 1200]);
  });

  it('an aborted save ends without the trailer: verify refuses it as incomplete', async () => {
    const c = collector();
    await expect(writeTo(c.out, 3, true)).rejects.toThrow('zfs send failed');
    expect(c.bytes().length).toBeGreaterThan(6 * PART);
    const err = await verifyStream(PassThrough.from(c.bytes()) as never, 'standard input').then(() => null, (e: unknown) => e);
    expect((err as ZbakError).code).toBe('archive-invalid');
    expect((err as Error).message).toMatch(/zbak-trailer\.json: missing: the archive is incomplete/);
  });

  it('a reader that went away (EPIPE) fails the next write with that error', async () => {
    const out = new Writable({ write(_c, _e, cb) { cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })); } });
    const err = await writeTo(out, 3).then(() => null, (e: unknown) => e);
    expect((err as Error).message).toBe('cannot write archive standard output: EPIPE: write EPIPE');
  });
});
