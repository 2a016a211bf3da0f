// The splitter cuts a stream into parts of exactly the part size and reuses its ring of
// buffers: part k is in ring[k % ring.length]. The hasher hashes them on its own thread.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalHost } from '../../../src/host/local-host.js';
import { describe, expect, it } from 'vitest';
import { splitIntoParts } from '../../../src/archive/part-splitter.js';
import { InlineHasher, PartHasher, partHasher, sharedBuffer } from '../../../src/archive/part-hasher.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function parts(chunks: Buffer[], ring: Buffer[]): Promise<Array<{ bytes: Buffer; buffer: ArrayBufferLike }>> {
  const out = [];
  for await (const p of splitIntoParts(Readable.from(chunks), ring)) out.push({ bytes: Buffer.from(p.data), buffer: p.data.buffer });
  return out;
}

async function parts0(source: Readable): Promise<number> {
  let n = 0;
  for await (const p of splitIntoParts(source, [Buffer.alloc(1024), Buffer.alloc(1024)])) n += p.data.length;
  return n;
}

/** A source that goes on emitting after pause(), as a stream another reader resumes does. */
class Unpausable extends Readable {
  private next = 0;
  constructor(private readonly chunks: Buffer[]) {
    super();
  }
  override _read(): void {
    setImmediate(() => this.push(this.next < this.chunks.length ? this.chunks[this.next++] : null));
  }
  override pause(): this {
    return this; // ignored
  }
}

describe('splitIntoParts', () => {
  it("a child's stdout from LocalHost.spawn, which execa resumes when the child exits: every byte once, no held buffer refilled", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zbak-split-'));
    try {
      const data = Buffer.alloc(3 * 1024 * 1024 + 123);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 12)) % 256;
      await writeFile(join(dir, 'in'), data);
      for (let round = 0; round < 5; round++) {
        const child = new LocalHost().spawn(['cat', join(dir, 'in')], { stdout: 'pipe' });
        const ring = [Buffer.alloc(256 * 1024), Buffer.alloc(256 * 1024)];
        const got: Buffer[] = [];
        for await (const p of splitIntoParts(child.stdout!, ring)) {
          const copy = Buffer.from(p.data);
          got.push(copy);
          // Hold the part while cat finishes and exits.
          await new Promise((r) => setTimeout(r, 3));
          expect(p.data.equals(copy)).toBe(true);
        }
        expect((await child.done).exitCode).toBe(0);
        expect(Buffer.concat(got).equals(data)).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a source that emits while the consumer holds a part: every byte once, in order, and no buffer refilled while held', async () => {
    const data = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 31) % 253));
    const chunks = Array.from({ length: 40 }, (_, i) => data.subarray(i * 500, (i + 1) * 500));
    const ring = [Buffer.alloc(1024), Buffer.alloc(1024)];
    const got: Buffer[] = [];
    let held: { copy: Buffer; view: Buffer } | null = null;
    for await (const p of splitIntoParts(new Unpausable(chunks), ring)) {
      // The part handed out two parts ago must still be as it was when it came (the writer
      // writes and hashes it from the ring while the next one fills).
      if (held !== null) expect(Buffer.from(held.view)).toEqual(held.copy);
      got.push(Buffer.from(p.data));
      held = { copy: Buffer.from(p.data), view: p.data };
      await new Promise((r) => setTimeout(r, 2)); // the source goes on meanwhile
      expect(Buffer.from(held.view)).toEqual(held.copy);
    }
    expect(Buffer.concat(got)).toEqual(data);
    expect(got.slice(0, -1).every((b) => b.length === 1024)).toBe(true);
  });

  it('cuts across chunk boundaries into full parts and a short last one', async () => {
    const data = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
    const chunks = [data.subarray(0, 700), data.subarray(700, 2100), data.subarray(2100)];
    const ring = [Buffer.alloc(1024), Buffer.alloc(1024)];
    const got = await parts(chunks, ring);
    expect(got.map((p) => p.bytes.length)).toEqual([1024, 1024, 452]);
    expect(Buffer.concat(got.map((p) => p.bytes))).toEqual(data);
    // Part k fills ring[k % 2]: the consumer writes one part while the next fills.
    expect(got.map((p) => ring.findIndex((b) => b.buffer === p.buffer))).toEqual([0, 1, 0]);
  });

  it('yields one empty part for an empty stream, and no empty part after an exact fit', async () => {
    const ring = [Buffer.alloc(1024), Buffer.alloc(1024)];
    const empty = await parts([], ring);
    expect(empty.map((p) => p.bytes.length)).toEqual([0]);
    const exact = await parts([Buffer.alloc(2048, 7)], ring);
    expect(exact.map((p) => p.bytes.length)).toEqual([1024, 1024]);
  });

  it('cuts one chunk larger than several parts, and a chunk that arrives while a full part waits', async () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 13) % 256));
    const ring = [Buffer.alloc(1024), Buffer.alloc(1024)];
    const got = await parts([data.subarray(0, 3500), data.subarray(3500, 3600), data.subarray(3600)], ring);
    expect(got.map((p) => p.bytes.length)).toEqual([1024, 1024, 1024, 1024, 904]);
    expect(Buffer.concat(got.map((p) => p.bytes))).toEqual(data);
  });

  it('stops reading the source while a full part waits for the consumer', async () => {
    let served = 0;
    const source = new Readable({
      highWaterMark: 1024,
      read() {
        served++;
        this.push(served <= 64 ? Buffer.alloc(512, served) : null);
      },
    });
    const ring = [Buffer.alloc(1024), Buffer.alloc(1024)];
    const it = splitIntoParts(source, ring);
    const firstPart = await it.next();
    expect(firstPart.value?.data.length).toBe(1024);
    // The consumer holds part 0: the source is paused, only its buffer (1 KiB) is read ahead.
    await new Promise((r) => setTimeout(r, 20));
    expect(served).toBeLessThanOrEqual(6);
    let bytes = 1024;
    for await (const p of { [Symbol.asyncIterator]: () => it }) bytes += p.data.length;
    expect(bytes).toBe(64 * 512);
  });

  it('rejects with the source\'s error, and destroys the source when the consumer stops early', async () => {
    const failing = new Readable({ read() {} });
    failing.push(Buffer.alloc(1500));
    setImmediate(() => failing.destroy(new Error('zfs send died')));
    await expect(parts0(failing)).rejects.toThrow(/zfs send died/);

    const endless = new Readable({ read() { this.push(Buffer.alloc(4096)); } });
    for await (const _ of splitIntoParts(endless, [Buffer.alloc(1024), Buffer.alloc(1024)])) break;
    expect(endless.destroyed).toBe(true);
  });

  it('refuses buffers of different sizes', async () => {
    await expect(parts([Buffer.alloc(10)], [Buffer.alloc(1024), Buffer.alloc(2048)])).rejects.toThrow(/one size/);
  });
});

describe('PartHasher', () => {
  it('hashes views of shared buffers on its thread, answers in order, and refuses other buffers', async () => {
    const h = new PartHasher();
    try {
      const a = sharedBuffer(3 * 1024 * 1024);
      for (let i = 0; i < a.length; i++) a[i] = (i * 7) % 256;
      const views = [a.subarray(0, 1), a.subarray(5, 1024 * 1024), a, a.subarray(0, 0)];
      const got = await Promise.all(views.map((v) => h.hash(v)));
      expect(got).toEqual(views.map((v) => sha(v)));
      await expect(h.hash(Buffer.alloc(10))).rejects.toThrow(/shared buffers/);
    } finally {
      await h.close();
    }
    await expect(h.hash(sharedBuffer(1))).rejects.toThrow(/closed/);
  });
});

describe('partHasher', () => {
  it('takes a thread only when the process may run on more than one CPU', async () => {
    const one = partHasher(1);
    const two = partHasher(2);
    try {
      expect(one).toBeInstanceOf(InlineHasher);
      expect(two).toBeInstanceOf(PartHasher);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('inline: the same sums, in order, after the step that asked (a write it starts goes first)', async () => {
    const h = new InlineHasher();
    const a = sharedBuffer(2 * 1024 * 1024);
    for (let i = 0; i < a.length; i++) a[i] = (i * 13) % 251;
    const order: string[] = [];
    const views = [a.subarray(0, 7), a, a.subarray(0, 0)];
    const sums = views.map((v) => h.hash(v).then((hex) => (order.push('hash'), hex)));
    order.push('caller');
    expect(await Promise.all(sums)).toEqual(views.map((v) => sha(v)));
    expect(order).toEqual(['caller', 'hash', 'hash', 'hash']);
    await h.close();
    await expect(h.hash(sharedBuffer(1))).rejects.toThrow(/closed/);
  });
});
