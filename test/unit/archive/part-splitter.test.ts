// The splitter cuts a stream into parts of exactly the part size, hashes each as it fills,
// and reuses its ring of buffers: part k is in ring[k % ring.length].
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitIntoParts } from '../../../src/archive/part-splitter.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function parts(chunks: Buffer[], ring: Buffer[]): Promise<Array<{ bytes: Buffer; sha256: string; buffer: ArrayBufferLike }>> {
  const out = [];
  for await (const p of splitIntoParts(Readable.from(chunks), ring)) out.push({ bytes: Buffer.from(p.data), sha256: p.sha256, buffer: p.data.buffer });
  return out;
}

describe('splitIntoParts', () => {
  it('cuts across chunk boundaries into full parts and a short last one, each with its sha256', async () => {
    const data = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
    const chunks = [data.subarray(0, 700), data.subarray(700, 2100), data.subarray(2100)];
    const ring = [Buffer.alloc(1024), Buffer.alloc(1024)];
    const got = await parts(chunks, ring);
    expect(got.map((p) => p.bytes.length)).toEqual([1024, 1024, 452]);
    expect(Buffer.concat(got.map((p) => p.bytes))).toEqual(data);
    for (const p of got) expect(p.sha256).toBe(sha(p.bytes));
    // Part k fills ring[k % 2]: the consumer writes one part while the next fills.
    expect(got.map((p) => ring.findIndex((b) => b.buffer === p.buffer))).toEqual([0, 1, 0]);
  });

  it('yields one empty part for an empty stream, and no empty part after an exact fit', async () => {
    const ring = [Buffer.alloc(1024), Buffer.alloc(1024)];
    const empty = await parts([], ring);
    expect(empty.map((p) => [p.bytes.length, p.sha256])).toEqual([[0, sha(Buffer.alloc(0))]]);
    const exact = await parts([Buffer.alloc(2048, 7)], ring);
    expect(exact.map((p) => p.bytes.length)).toEqual([1024, 1024]);
  });

  it('refuses buffers of different sizes', async () => {
    await expect(parts([Buffer.alloc(10)], [Buffer.alloc(1024), Buffer.alloc(2048)])).rejects.toThrow(/one size/);
  });
});
