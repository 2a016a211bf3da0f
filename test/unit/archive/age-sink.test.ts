// The encrypting sink: what it hands the inner sink is an age file of exactly the bytes
// written (the age package decrypts it), in batches of bounded size whatever the write size.
import { randomBytes } from 'node:crypto';
import { Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { AgeArchiveSink } from '../../../src/archive/age-sink.js';
import type { ArchiveSink } from '../../../src/archive/sink.js';

class Collect implements ArchiveSink {
  readonly label = 'memory';
  readonly got: Buffer[] = [];
  largestWrite = 0;
  finished = false;
  aborted = false;
  async write(chunks: readonly Buffer[]): Promise<void> {
    this.largestWrite = Math.max(this.largestWrite, chunks.reduce((n, c) => n + c.length, 0));
    for (const c of chunks) this.got.push(Buffer.from(c));
  }
  async finish(): Promise<string | undefined> {
    this.finished = true;
    return 'done';
  }
  async abort(): Promise<void> {
    this.aborted = true;
  }
}

describe('AgeArchiveSink', () => {
  it('encrypts what is written, handing on at most ~2 MiB at a time even for a 20 MiB write', async () => {
    const identity = await generateX25519Identity();
    const inner = new Collect();
    const sink = await AgeArchiveSink.create(inner, [await identityToRecipient(identity)]);
    const parts = [randomBytes(20 * 1024 * 1024 + 3), randomBytes(513), randomBytes(0)];
    for (const p of parts) await sink.write([p]);
    expect(await sink.finish()).toBe('done');
    expect(inner.largestWrite).toBeLessThan(2.2 * 1024 * 1024);
    const d = new Decrypter();
    d.addIdentity(identity);
    expect(Buffer.from(await d.decrypt(Buffer.concat(inner.got))).equals(Buffer.concat(parts))).toBe(true);
    await sink.abort();
    expect(inner.aborted).toBe(true); // abort passes on (a no-op for a finished file sink)
  });

  it.each([0, 1, 64 * 1024, 1024 * 1024, 1024 * 1024 + 1, 5 * 1024 * 1024])('%i bytes in odd pieces round-trip (batch and chunk boundaries)', async (n) => {
    const identity = await generateX25519Identity();
    const inner = new Collect();
    const sink = await AgeArchiveSink.create(inner, [await identityToRecipient(identity)]);
    const data = randomBytes(n);
    for (let off = 0; off < n; off += 300_001) await sink.write([data.subarray(off, off + 100_000), data.subarray(off + 100_000, off + 300_001)]);
    await sink.finish();
    const d = new Decrypter();
    d.addIdentity(identity);
    expect(Buffer.from(await d.decrypt(Buffer.concat(inner.got))).equals(data)).toBe(true);
  });

  it('abort stops the worker and aborts the inner sink; nothing more is written', async () => {
    const inner = new Collect();
    const sink = await AgeArchiveSink.create(inner, [await identityToRecipient(await generateX25519Identity())]);
    await sink.write([randomBytes(3 * 1024 * 1024)]);
    await sink.abort();
    const written = inner.got.length;
    expect(inner.aborted).toBe(true);
    expect(inner.finished).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(inner.got.length).toBe(written);
  });
});
