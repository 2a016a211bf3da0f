// The zstd layer (docs/FORMAT.md "Layers") with the real zstd command started through
// LocalHost, as zbak runs it: the layer magic, the compressing sink (bytes, failures,
// abort) and decompression (damage, the window limit, trailing bytes, zstd missing).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalHost } from '../../../src/host/local-host.js';
import { ZstdArchiveSink } from '../../../src/archive/zstd-sink.js';
import { decompressThrough } from '../../../src/archive/zstd-input.js';
import { fileOuterLayer, outerLayer, peekStream } from '../../../src/archive/layers.js';
import type { ArchiveSink } from '../../../src/archive/sink.js';
import { ArchiveFormatError, UsageError } from '../../../src/errors.js';
import { zstd } from '../../../src/plan/argv.js';

const host = new LocalHost('/');
const pipes = { stdin: 'pipe', stdout: 'pipe' } as const;
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

class Collect implements ArchiveSink {
  readonly label = 'memory';
  readonly got: Buffer[] = [];
  finished = false;
  aborted = false;
  constructor(private readonly failAfter = Infinity) {}
  async write(chunks: readonly Buffer[]): Promise<void> {
    for (const c of chunks) this.got.push(Buffer.from(c));
    // EPIPE, as standard output closed by its reader: still the inner sink's error, not zstd's.
    if (this.got.length > this.failAfter) throw Object.assign(new Error('write EPIPE (standard output closed, test)'), { code: 'EPIPE' });
  }
  async finish(): Promise<string | undefined> {
    this.finished = true;
    return 'published';
  }
  async abort(): Promise<void> {
    this.aborted = true;
  }
}

/** Compressible and incompressible bytes mixed. */
function sample(n: number): Buffer {
  const b = randomBytes(n);
  for (let i = 0; i < n; i += 2048) b.fill(0x61, i, Math.min(n, i + 1024));
  return b;
}

async function unzstd(data: Buffer, args: string[] = ['-d', '-q', '-c']): Promise<Buffer> {
  const r = await execa('zstd', args, { input: data, encoding: 'buffer' });
  return Buffer.from(r.stdout);
}

async function readAll(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('layer magic', () => {
  it('age line, zstd frame, else tar; a short input is tar (the tar reader refuses it)', async () => {
    expect(outerLayer(Buffer.from('age-encryption.org/v1\n-> X25519'))).toBe('age');
    expect(outerLayer(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04]))).toBe('zstd');
    expect(outerLayer(Buffer.from([0x28, 0xb5, 0x2f]))).toBe('tar');
    expect(outerLayer(Buffer.from('zbak.json\0'))).toBe('tar');
    const dir = await mkdtemp(join(tmpdir(), 'zbak-layer-'));
    dirs.push(dir);
    await writeFile(join(dir, 'z'), await execa('zstd', ['-q', '-c'], { input: 'x', encoding: 'buffer' }).then((r) => r.stdout));
    await writeFile(join(dir, 'e'), '');
    expect(await fileOuterLayer(join(dir, 'z'))).toBe('zstd');
    expect(await fileOuterLayer(join(dir, 'e'))).toBe('tar');
  });

  it('peekStream gives the head and then every byte again, however the input is cut', async () => {
    const data = randomBytes(1000);
    const pieces = [data.subarray(0, 1), data.subarray(1, 3), data.subarray(3)];
    const { head, stream } = await peekStream(Readable.from(pieces), 4);
    expect(head.equals(data.subarray(0, 4))).toBe(true);
    expect((await readAll(stream)).equals(data)).toBe(true);
    const short = await peekStream(Readable.from([Buffer.from('ab')]), 4);
    expect(short.head.toString()).toBe('ab');
    expect((await readAll(short.stream)).toString()).toBe('ab');
  });
});

describe('ZstdArchiveSink (zstd -q -c through the Host)', () => {
  it('hands the inner sink one zstd frame of exactly the bytes written, then finishes it', async () => {
    const inner = new Collect();
    const sink = new ZstdArchiveSink(inner, host.spawn(zstd.compress(3), pipes));
    const data = sample(3 * 1024 * 1024 + 7);
    for (let off = 0; off < data.length; off += 300_001) await sink.write([data.subarray(off, off + 100_000), data.subarray(off + 100_000, off + 300_001)]);
    expect(await sink.finish()).toBe('published');
    const frame = Buffer.concat(inner.got);
    expect(outerLayer(frame)).toBe('zstd');
    expect(frame.length).toBeLessThan(data.length * 0.75);
    expect((await unzstd(frame)).equals(data)).toBe(true);
    await sink.abort(); // after finish: passes on (a no-op for a published file)
    expect(inner.aborted).toBe(true);
  });

  it('zstd exiting non-zero fails the save: nothing is finished, abort aborts the inner sink', async () => {
    const inner = new Collect();
    const sink = new ZstdArchiveSink(inner, host.spawn(['zstd', '-q', '-c', '--no-such-option'], pipes));
    const run = (async () => {
      await sink.write([sample(64 * 1024)]);
      return sink.finish();
    })();
    await expect(run).rejects.toThrow(/^cannot compress the archive: zstd exited 1/);
    await sink.abort();
    expect([inner.finished, inner.aborted]).toEqual([false, true]);
  });

  it('zstd killed midway fails the save naming the signal', async () => {
    const inner = new Collect();
    const child = host.spawn(zstd.compress(3), pipes);
    const sink = new ZstdArchiveSink(inner, child);
    await sink.write([sample(1024 * 1024)]);
    child.kill('SIGKILL');
    const run = (async () => {
      for (let i = 0; i < 64; i++) await sink.write([sample(256 * 1024)]);
      return sink.finish();
    })();
    await expect(run).rejects.toThrow(/cannot compress the archive: zstd killed by SIGKILL/);
    await sink.abort();
    expect([inner.finished, inner.aborted]).toEqual([false, true]);
  });

  it("the inner sink's failure is the one reported, and zstd is stopped", async () => {
    const inner = new Collect(0);
    const child = host.spawn(zstd.compress(1), pipes);
    const sink = new ZstdArchiveSink(inner, child);
    const run = (async () => {
      for (let i = 0; i < 64; i++) await sink.write([randomBytes(256 * 1024)]);
      return sink.finish();
    })();
    await expect(run).rejects.toThrow(/^write EPIPE \(standard output closed, test\)$/);
    await sink.abort();
    expect((await child.done).signal).toMatch(/^SIG(KILL|PIPE)$/); // killed, or its stdout closed first
    expect(inner.aborted).toBe(true);
  });
});

describe('decompressThrough (zstd -d -q -c --memory=64MB through the Host)', () => {
  const decompress = (input: Buffer | Readable, argv = zstd.decompress()): Readable =>
    decompressThrough(host.spawn(argv, pipes), input instanceof Readable ? input : Readable.from([input]), 'a.zbak');

  it('gives back the bytes', async () => {
    const data = sample(2 * 1024 * 1024 + 5);
    const frame = Buffer.from((await execa('zstd', ['-q', '-c'], { input: data, encoding: 'buffer' })).stdout);
    expect((await readAll(decompress(frame))).equals(data)).toBe(true);
  });

  it.each([
    ['a flipped byte', (f: Buffer) => Buffer.concat([f.subarray(0, f.length - 20), Buffer.from([f[f.length - 20]! ^ 0xff]), f.subarray(f.length - 19)]), /does not decompress \(.*(checksum|Corrupted|Data corruption)/i],
    ['a cut', (f: Buffer) => f.subarray(0, f.length - 100), /does not decompress \(.*premature end/],
    ['bytes after the frame', (f: Buffer) => Buffer.concat([f, Buffer.from('trailing garbage')]), /does not decompress \(.*unsupported format/],
  ])('%s: ArchiveFormatError (exit 12), before the stream ends', async (_what, damage, message) => {
    const frame = Buffer.from((await execa('zstd', ['-q', '-c'], { input: sample(512 * 1024), encoding: 'buffer' })).stdout);
    const err = await readAll(decompress(damage(frame))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveFormatError);
    expect((err as Error).message).toMatch(/^a\.zbak: the zstd layer does not decompress/);
    expect((err as Error).message).toMatch(message);
  });

  it('a frame asking for a window beyond the memory limit is refused', async () => {
    const frame = Buffer.from((await execa('zstd', ['--long=27', '-q', '-c'], { input: sample(300_000), encoding: 'buffer' })).stdout);
    expect((await unzstd(frame, ['-d', '-q', '-c', '--memory=128MB'])).length).toBe(300_000); // a sound frame
    await expect(readAll(decompress(frame))).rejects.toThrow(/zstd layer does not decompress \(.*too much memory/);
  });

  it('zstd not installed: a UsageError naming zstd and the fix', async () => {
    const err = await readAll(decompress(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), ['zstd-not-installed-zbak-test', '-d'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^a\.zbak is zstd-compressed, but the zstd command is not installed on this host; install it \(SmartOS: pkgin install zstd/);
  });

  it("the input's own failure (a damaged age payload) is the one reported", async () => {
    const frame = Buffer.from((await execa('zstd', ['-q', '-c'], { input: sample(1024 * 1024), encoding: 'buffer' })).stdout);
    async function* failing(): AsyncGenerator<Buffer> {
      yield frame.subarray(0, 1000);
      throw new ArchiveFormatError('a.zbak: chunk 3 does not authenticate');
    }
    await expect(readAll(decompress(Readable.from(failing())))).rejects.toThrow('a.zbak: chunk 3 does not authenticate');
  });
});
