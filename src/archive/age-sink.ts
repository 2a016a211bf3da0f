// An ArchiveSink that encrypts (age v1, age-stream.ts) into another sink: the tar bytes are
// copied into the encryptor's 64 KiB chunk as they come, so write() frees the caller's
// buffers at once; the sealed chunks go on to the inner sink (a file published only when
// complete, or standard output) with its backpressure. Sign then encrypt: the signature
// entries are inside the encrypted tar.
import { AgeEncryptor } from './age-stream.js';
import type { ArchiveSink } from './sink.js';
import { CHUNK_SIZE } from './age-payload.js';

/** Plaintext bytes sealed between two writes to the inner sink. */
const BATCH = 1024 * 1024;

export class AgeArchiveSink implements ArchiveSink {
  private started = false;

  private constructor(
    private readonly inner: ArchiveSink,
    private readonly enc: AgeEncryptor,
  ) {}

  static async create(inner: ArchiveSink, recipients: readonly string[]): Promise<AgeArchiveSink> {
    return new AgeArchiveSink(inner, await AgeEncryptor.create(recipients));
  }

  get label(): string {
    return this.inner.label;
  }

  async write(chunks: readonly Buffer[]): Promise<void> {
    let out: Buffer[] = this.started ? [] : [this.enc.head];
    this.started = true;
    // A whole part may come in one call: hand the sealed chunks on a batch at a time, so
    // no more than about BATCH of ciphertext is held (bounded memory whatever the part size).
    for (const c of chunks) {
      for (let off = 0; off < c.length; off += BATCH) {
        this.enc.update(c.subarray(off, off + BATCH), out);
        if (out.length >= 2 * (BATCH / CHUNK_SIZE)) {
          await this.inner.write(out);
          out = [];
        }
      }
    }
    if (out.length > 0) await this.inner.write(out);
  }

  async finish(): Promise<string | undefined> {
    const out: Buffer[] = this.started ? [] : [this.enc.head];
    this.started = true;
    await this.inner.write(this.enc.final(out));
    return this.inner.finish();
  }

  abort(): Promise<void> {
    return this.inner.abort();
  }
}
