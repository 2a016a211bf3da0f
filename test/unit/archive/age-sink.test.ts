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
});
