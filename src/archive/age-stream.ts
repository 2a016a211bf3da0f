// A whole age v1 file, streamed: the header from age-header.ts, the payload from
// age-payload.ts. Encrypting yields the header and nonce first, then sealed chunks;
// decrypting reads the header (bounded), unwraps the file key before any payload byte is
// read, then yields plaintext with one reused 64 KiB buffer of state.
import { Readable } from 'node:stream';
import { ArchiveFormatError } from '../errors.js';
import { ageHeaderEnd, makeAgeHeader, unwrapAgeHeader } from './age-header.js';
import { PAYLOAD_NONCE_SIZE, PayloadDecryptor, PayloadEncryptor } from './age-payload.js';

export class AgeEncryptor {
  private constructor(
    /** The age header and the payload nonce: the file's first bytes. */
    readonly head: Buffer,
    private readonly payload: PayloadEncryptor,
  ) {}

  static async create(recipients: readonly string[]): Promise<AgeEncryptor> {
    const { header, fileKey } = await makeAgeHeader(recipients);
    const payload = new PayloadEncryptor(fileKey);
    return new AgeEncryptor(Buffer.concat([header, payload.nonce]), payload);
  }

  update(data: Uint8Array, out: Buffer[] = []): Buffer[] {
    return this.payload.update(data, out);
  }

  final(out: Buffer[] = []): Buffer[] {
    return this.payload.final(out);
  }
}

/** Encrypts a whole byte stream (tests, benchmarks, and anything not going through a sink). */
export async function* encryptAgeStream(source: AsyncIterable<Uint8Array>, recipients: readonly string[]): AsyncGenerator<Buffer> {
  const enc = await AgeEncryptor.create(recipients);
  yield enc.head;
  for await (const chunk of source) {
    const out = enc.update(chunk);
    if (out.length > 0) yield out.length === 1 ? out[0]! : Buffer.concat(out);
  }
  yield Buffer.concat(enc.final());
}

/**
 * Reads the age header of `source`, unwraps the file key with `identities` (refusing a
 * missing or wrong identity, IdentityError, before any payload is read) and returns the
 * plaintext as a Readable that fails on any damage, truncation or trailing data.
 */
export async function decryptAgeStream(source: AsyncIterable<Buffer>, identities: readonly string[], label: string): Promise<Readable> {
  const it = source[Symbol.asyncIterator]();
  let held = Buffer.alloc(0);
  let end = -1;
  while (end < 0 || held.length < end + PAYLOAD_NONCE_SIZE) {
    const next = await it.next();
    if (next.done) {
      if (end < 0) throw new ArchiveFormatError(`${label}: truncated age header`);
      throw new ArchiveFormatError(`${label}: encrypted archive truncated (the payload nonce is missing)`);
    }
    held = held.length === 0 ? Buffer.from(next.value) : Buffer.concat([held, next.value]);
    if (end < 0) end = ageHeaderEnd(held);
  }
  const fileKey = await unwrapAgeHeader(held.subarray(0, end), identities, label);
  const decryptor = new PayloadDecryptor(fileKey, held.subarray(end, end + PAYLOAD_NONCE_SIZE));
  const first = held.subarray(end + PAYLOAD_NONCE_SIZE);
  async function* plain(): AsyncGenerator<Buffer> {
    try {
      const out = decryptor.update(first);
      for (const b of out) yield b;
      for (;;) {
        const next = await it.next();
        if (next.done) break;
        for (const b of decryptor.update(next.value)) yield b;
      }
      for (const b of decryptor.final()) yield b;
    } catch (err) {
      if (err instanceof ArchiveFormatError) throw new ArchiveFormatError(`${label}: ${err.message}`);
      throw err;
    } finally {
      await it.return?.();
    }
  }
  return Readable.from(plain(), { objectMode: false, highWaterMark: 256 * 1024 });
}
