// An ArchiveSink that encrypts (age v1: the header from age-header.ts, the payload STREAM
// sealed on a worker thread, age-seal-worker.ts) into another sink. write() copies the tar
// bytes into 1 MiB batches (so the caller's buffers are free when it returns), at most
// IN_FLIGHT batches are being sealed at once, and the sealed batches go on, in order, to the
// inner sink (a file published only when complete, or standard output) with its
// backpressure. Memory: a few MiB whatever the part size. Sign then encrypt: the signature
// entries are inside the encrypted tar.
import { randomBytes } from 'node:crypto';
import { makeAgeHeader } from './age-header.js';
import { CHUNK_SIZE, PAYLOAD_NONCE_SIZE, payloadKey } from './age-payload.js';
import { SealWorker } from './age-seal-worker.js';
import type { ArchiveSink } from './sink.js';

/** Plaintext per batch: whole chunks (16 of 64 KiB). */
const BATCH = 16 * CHUNK_SIZE;
/** Batches handed to the worker and not yet written on. */
const IN_FLIGHT = 4;

export class AgeArchiveSink implements ArchiveSink {
  private batch = new ArrayBuffer(BATCH);
  private filled = 0;
  /** Sealed batches in order; the oldest is written on first. */
  private readonly pending: Array<Promise<Buffer>> = [];
  private head: Buffer | null;

  private constructor(
    private readonly inner: ArchiveSink,
    private readonly worker: SealWorker,
    head: Buffer,
  ) {
    this.head = head;
  }

  static async create(inner: ArchiveSink, recipients: readonly string[]): Promise<AgeArchiveSink> {
    const { header, fileKey } = await makeAgeHeader(recipients);
    const nonce = randomBytes(PAYLOAD_NONCE_SIZE);
    return new AgeArchiveSink(inner, new SealWorker(payloadKey(fileKey, nonce)), Buffer.concat([header, nonce]));
  }

  get label(): string {
    return this.inner.label;
  }

  async write(chunks: readonly Buffer[]): Promise<void> {
    for (const c of chunks) {
      for (let off = 0; off < c.length; ) {
        // A full batch is sent only once more bytes come: the last chunk is sealed as last.
        if (this.filled === BATCH) await this.send(false);
        const n = Math.min(BATCH - this.filled, c.length - off);
        new Uint8Array(this.batch, this.filled, n).set(c.subarray(off, off + n));
        this.filled += n;
        off += n;
      }
    }
  }

  async finish(): Promise<string | undefined> {
    await this.send(true);
    while (this.pending.length > 0) await this.writeOldest();
    await this.worker.close();
    return this.inner.finish();
  }

  async abort(): Promise<void> {
    await this.worker.close();
    for (const p of this.pending.splice(0)) p.catch(() => undefined);
    return this.inner.abort();
  }

  private async send(last: boolean): Promise<void> {
    this.pending.push(this.worker.seal(this.batch, this.filled, last));
    this.batch = this.worker.spareBatches.pop() ?? new ArrayBuffer(BATCH);
    this.filled = 0;
    while (this.pending.length > IN_FLIGHT) await this.writeOldest();
  }

  private async writeOldest(): Promise<void> {
    const sealed = await this.pending.shift()!;
    const out = this.head ? [this.head, sealed] : [sealed];
    this.head = null;
    await this.inner.write(out);
    this.worker.giveBack(sealed); // written: the worker may seal the next batch into it
  }
}
