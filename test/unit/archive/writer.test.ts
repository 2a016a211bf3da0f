// Writer failure paths: full disk, I/O errors, failing sources, interruption, overwrite.
import { execFileSync } from 'node:child_process';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveFile } from '../../../src/archive/file-sink.js';
import { imageManifestEntry } from '../../../src/archive/format.js';
import { verifyArchive } from '../../../src/archive/reader.js';
import { ArchiveWriteError } from '../../../src/archive/write-error.js';
import { createArchiveWriter, type ArchiveWriter } from '../../../src/archive/writer.js';
import { ZbakError } from '../../../src/errors.js';
import { IMAGE, IMAGE_JSON, VMADM_JSON, chunked, listDir, makeHeader, streamBytes, streamData, writeArchive } from './helpers.js';

const PART = 64 * 1024;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(() => tmp.cleanup());

async function startWriter(path: string, streams = 3, opts: Parameters<typeof createArchiveWriter>[1] = {}): Promise<ArchiveWriter> {
  const w = await createArchiveWriter(path, { partSize: PART, ...opts });
  await w.addEntry('zbak.json', JSON.stringify(makeHeader(streams, PART)));
  await w.addEntry('vmadm.json', VMADM_JSON);
  await w.addEntry(imageManifestEntry(IMAGE), IMAGE_JSON);
  return w;
}

const rejection = <T>(p: Promise<T>): Promise<unknown> => p.then(() => null, (e: unknown) => e);

describe('archive writer', () => {
  it('writes to a hidden temp file, then links the archive into place with mode 0600', async () => {
    const path = join(tmp.path, 'web.zbak');
    const w = await startWriter(path, 1);
    const temp = (await listDir(tmp.path))[0] as string;
    expect(temp).toMatch(new RegExp(`^\\.web\\.zbak\\.partial-${process.pid}-[0-9a-f]{8}$`));
    expect(temp.endsWith('.zbak')).toBe(false);
    await w.addStream('s01', chunked(streamBytes(1, 3 * PART), 5000));
    expect(await w.finish()).toBe(path);
    expect(await listDir(tmp.path)).toEqual(['web.zbak']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await w.abort(); // no-op after finish
    expect(await listDir(tmp.path)).toEqual(['web.zbak']);
  });

  it('refuses to start when the archive exists, and finish() refuses to overwrite one that appeared', async () => {
    const path = join(tmp.path, 'web.zbak');
    await writeFile(path, 'precious');
    const early = await rejection(createArchiveWriter(path));
    expect(early).toBeInstanceOf(ArchiveWriteError);
    expect((early as Error).message).toBe(`cannot write archive ${path}: file exists (refusing to overwrite)`);

    const other = join(tmp.path, 'other.zbak');
    const w = await startWriter(other, 1);
    await w.addStream('s01', chunked(streamBytes(1, 10), 10));
    await writeFile(other, 'appeared meanwhile');
    const err = await rejection(w.finish());
    expect((err as Error).message).toBe(`cannot write archive ${other}: file exists (refusing to overwrite)`);
    await w.abort();
    expect(await readFile(other, 'utf8')).toBe('appeared meanwhile');
    expect(await listDir(tmp.path)).toEqual(['other.zbak', 'web.zbak']);
  });

  it('a failing source rejects addStream, and abort leaves no file behind', async () => {
    const path = join(tmp.path, 'web.zbak');
    const w = await startWriter(path);
    const source = new Readable({ read() {} });
    source.push(streamBytes(1, 100_000));
    setTimeout(() => source.destroy(new Error('zfs send exited 1')), 20);
    const err = await rejection(w.addStream('s01', source));
    expect(err).toBeInstanceOf(ZbakError);
    expect((err as Error).message).toBe('archiving stream s01 failed: the source stream failed: zfs send exited 1');
    // The writer is now unusable; every later call says why.
    expect(await rejection(w.addStream('s02', chunked(Buffer.alloc(1), 1)))).toBe(err);
    await w.abort();
    await w.abort();
    expect(await listDir(tmp.path)).toEqual([]);
  });

  it('a ZbakError from the source (e.g. zfs send failed) is passed through unchanged', async () => {
    const w = await startWriter(join(tmp.path, 'web.zbak'));
    const mine = new ZbakError('cannot send zones/x@zbak-1: zfs exited 1: dataset does not exist', 'host-command');
    const source = new Readable({ read() { this.destroy(mine); } });
    expect(await rejection(w.addStream('s01', source))).toBe(mine);
    await w.abort();
  });

  it('an abort signal interrupts addStream', async () => {
    const w = await startWriter(join(tmp.path, 'web.zbak'));
    const ac = new AbortController();
    const endless = new Readable({ read() { setTimeout(() => this.push(Buffer.alloc(1000)), 1); } });
    setTimeout(() => ac.abort(), 30);
    const err = await rejection(w.addStream('s01', endless, { signal: ac.signal }));
    expect((err as ZbakError).code).toBe('interrupted');
    expect(endless.destroyed).toBe(true);
    await w.abort();
    expect(await listDir(tmp.path)).toEqual([]);
  });

  it('refuses calls out of order and a header whose partSize differs', async () => {
    const path = join(tmp.path, 'web.zbak');
    const w = await createArchiveWriter(path, { partSize: PART });
    expect((await rejection(w.addEntry('vmadm.json', '{}')) as Error).message).toBe('archive entry vmadm.json added before zbak.json');
    expect((await rejection(w.addEntry('zbak.json', JSON.stringify(makeHeader(2, 1024)))) as Error).message)
      .toBe(`zbak.json: partSize 1024 differs from the writer's ${PART}`);
    const invalid = await rejection(w.addEntry('zbak.json', '{"format":"zbak","formatVersion":1}'));
    expect((invalid as ZbakError).code).toBe('failure');
    expect((invalid as Error).message).toMatch(/^refusing to write an invalid archive: zbak\.json: invalid header/);
    await w.addEntry('zbak.json', JSON.stringify(makeHeader(2, PART)));
    expect((await rejection(w.addStream('s01', chunked(Buffer.alloc(1), 1))) as Error).message).toBe('archive stream s01 added out of order (expected vmadm.json)');
    await w.addEntry('vmadm.json', VMADM_JSON);
    expect((await rejection(w.addEntry('vmadm.json', '{}')) as Error).message).toMatch(/added out of order \(expected images\//);
    await w.addEntry(imageManifestEntry(IMAGE), IMAGE_JSON);
    expect((await rejection(w.finish())) as Error).toBeInstanceOf(ZbakError);
    expect((await rejection(w.addStream('s02', chunked(Buffer.alloc(1), 1))) as Error).message).toBe('archive stream s02 added out of order (expected s01)');
    await w.addStream('s01', chunked(streamData(0, 936), 100));
    await w.addStream('s02', chunked(streamData(1, 2000), 100));
    await w.finish();
    await verifyArchive(path);
  });

  it('an I/O error while writing rejects the pending call with the errno, and abort removes the temp file', async () => {
    const path = join(tmp.path, 'web.zbak');
    let written = 0;
    const failing = async (p: string): Promise<ArchiveFile> => {
      const fh = await open(p, 'wx', 0o600);
      return {
        writev: async (bufs) => {
          if (written > 200_000) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
          const r = await fh.writev(bufs);
          written += r.bytesWritten;
          return r;
        },
        datasync: () => fh.datasync(),
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    };
    const w = await startWriter(path, 3, { openFile: failing });
    const err = await rejection(w.addStream('s01', chunked(streamBytes(1, 1_000_000), 65536)));
    expect(err).toBeInstanceOf(ArchiveWriteError);
    expect((err as Error).message).toBe(`cannot write archive ${path}: EIO: i/o error, write`);
    await w.abort();
    expect(await listDir(tmp.path)).toEqual([]);
  });

  it('writes back while streaming: fdatasyncs overlap the writes, the final fsync comes last, then the name', async () => {
    const path = join(tmp.path, 'web.zbak');
    const events: string[] = [];
    const recording = async (p: string): Promise<ArchiveFile> => {
      const fh = await open(p, 'wx', 0o600);
      return {
        writev: async (bufs) => {
          events.push('write');
          return fh.writev(bufs);
        },
        datasync: async () => {
          events.push('datasync');
          await fh.datasync();
        },
        sync: async () => {
          events.push(`sync, ${(await listDir(tmp.path)).includes('web.zbak') ? 'published' : 'not published'}`);
          await fh.sync();
        },
        close: () => fh.close(),
      };
    };
    const w = await startWriter(path, 3, { openFile: recording, writeBackBytes: 256 * 1024 });
    await w.addStream('s01', chunked(streamData(0, 3_000_000), 65536));
    await w.addStream('s02', chunked(streamData(1, 2000), 100));
    await w.addStream('s03', chunked(streamData(2, 2000), 100));
    await w.finish();
    const syncs = events.filter((e) => e === 'datasync').length;
    expect(syncs).toBeGreaterThanOrEqual(1);
    // The first write-back starts while the stream is still being written.
    expect(events.indexOf('datasync')).toBeLessThan(events.lastIndexOf('write'));
    expect(events[events.length - 1]).toBe('sync, not published');
    expect(await listDir(tmp.path)).toEqual(['web.zbak']);
    await verifyArchive(path);
  });

  it('a failed background write-back fails the save and leaves no archive', async () => {
    const path = join(tmp.path, 'web.zbak');
    const failing = async (p: string): Promise<ArchiveFile> => {
      const fh = await open(p, 'wx', 0o600);
      return {
        writev: (bufs) => fh.writev(bufs),
        datasync: () => Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })),
        sync: () => fh.sync(),
        close: () => fh.close(),
      };
    };
    const w = await startWriter(path, 3, { openFile: failing, writeBackBytes: 256 * 1024 });
    const err = await rejection((async () => {
      await w.addStream('s01', chunked(streamData(0, 3_000_000), 65536));
      await w.addStream('s02', chunked(streamData(1, 2000), 100));
      await w.addStream('s03', chunked(streamData(2, 2000), 100));
      await w.finish();
    })());
    expect((err as Error).message).toBe(`cannot write archive ${path}: EIO: i/o error, fdatasync`);
    await w.abort();
    expect(await listDir(tmp.path)).toEqual([]);
  });

  it('cannot create the temp file: a clear error naming it', async () => {
    const path = join(tmp.path, 'missing-dir', 'web.zbak');
    const err = await rejection(createArchiveWriter(path));
    expect((err as Error).message).toMatch(/^cannot write archive .*web\.zbak: cannot create .*\.web\.zbak\.partial-\d+-[0-9a-f]{8}: ENOENT/);
  });
});

// A real full disk: a 1 MiB tmpfs. Needs root and mount(2); skipped cleanly otherwise.
describe('archive writer on a full file system', () => {
  let mnt: DirectoryResult | null = null;
  let mounted = false;
  beforeAll(async () => {
    mnt = await dir({ unsafeCleanup: true });
    // Needs root (CI and the lab run as root): a failed mount fails these tests, never skips them.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'zbak-test', mnt.path], { stdio: 'ignore' });
    mounted = true;
  });
  afterAll(async () => {
    if (mounted && mnt) execFileSync('umount', [mnt.path]);
    await mnt?.cleanup();
  });

  it('ENOSPC rejects addStream with the errno and leaves no *.zbak file', async () => {
    if (!mnt) throw new Error('no tmpfs mount');
    const path = join(mnt.path, 'web.zbak');
    const w = await startWriter(path, 3);
    const err = await rejection(w.addStream('s01', chunked(streamBytes(3, 3_000_000), 65536)));
    expect(err).toBeInstanceOf(ArchiveWriteError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot write archive ${path}: ENOSPC: no space left on device`));
    await w.abort();
    expect(await listDir(mnt.path)).toEqual([]);
  });

  it('ENOSPC at any point near the limit (parts, trailer, end blocks) leaves nothing behind', async () => {
    if (!mnt) throw new Error('no tmpfs mount');
    const path = join(mnt.path, 'web.zbak');
    const seen = new Set<string>();
    for (let size = 1_000_000; size <= 1_060_000; size += 2_500) {
      const err = await rejection(writeArchive(path, [streamBytes(1, size), streamBytes(2, 1)], 4096));
      if (err === null) {
        execFileSync('rm', [path]);
        seen.add('fit');
        continue;
      }
      expect(err).toBeInstanceOf(ArchiveWriteError);
      expect((err as Error).message).toMatch(/ENOSPC/);
      expect(await listDir(mnt.path)).toEqual([]);
      seen.add('ENOSPC');
    }
    expect(seen.has('ENOSPC')).toBe(true);
  });
});
