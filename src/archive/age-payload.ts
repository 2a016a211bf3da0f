// The payload of an age v1 file (https://age-encryption.org/v1, "Payload"): a 16-byte nonce,
// then the plaintext in 64 KiB chunks, each sealed with ChaCha20-Poly1305 under
// HKDF-SHA256(ikm = file key, salt = nonce, info = "payload"), nonce = 11-byte big-endian chunk
// counter + 0x01 on the last chunk, 0x00 on the others. The last chunk is short or full, and
// empty only when the whole payload is. node:crypto does the cipher (native, ~15x the
// pure-JS STREAM of the age-encryption package); the header is that package's (age-header.ts).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ArchiveFormatError } from '../errors.js';

export const PAYLOAD_NONCE_SIZE = 16;
export const CHUNK_SIZE = 64 * 1024;
const TAG_SIZE = 16;
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
const FILE_KEY_SIZE = 16;

export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Buffer {
  if (fileKey.length !== FILE_KEY_SIZE) throw new Error(`age file key must be ${FILE_KEY_SIZE} bytes`);
  return Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
}

/** The 12-byte ChaCha20-Poly1305 nonce of chunk `counter`, written into one reused buffer. */
class ChunkNonce {
  readonly bytes = Buffer.alloc(12);
  private counter = 0;

  get index(): number {
    return this.counter;
  }

  set(last: boolean): Buffer {
    // 11-byte big-endian counter; 2^53 chunks (512 PiB) is far beyond any archive.
    this.bytes.fill(0, 0, 5);
    this.bytes.writeUIntBE(Math.floor(this.counter / 2 ** 48), 3, 2);
    this.bytes.writeUIntBE(this.counter % 2 ** 48, 5, 6);
    this.bytes[11] = last ? 1 : 0;
    return this.bytes;
  }

  next(): void {
    this.counter++;
  }
}

/**
 * Encrypts a payload pushed in pieces of any size. One 64 KiB plaintext buffer is reused; a
 * full chunk is sealed only once a further byte arrives (or at `final`), since the last
 * chunk carries the last flag and may be full.
 */
export class PayloadEncryptor {
  /** The payload nonce: the first bytes of the payload, before any chunk. */
  readonly nonce: Buffer;
  private readonly key: Buffer;
  private readonly chunk = Buffer.allocUnsafeSlow(CHUNK_SIZE);
  private filled = 0;
  private readonly chunkNonce = new ChunkNonce();
  private finished = false;

  constructor(fileKey: Uint8Array, nonce: Buffer = randomBytes(PAYLOAD_NONCE_SIZE)) {
    this.nonce = nonce;
    this.key = payloadKey(fileKey, nonce);
  }

  /** Sealed chunks for the bytes so far (fresh buffers, which the caller may keep). */
  update(data: Uint8Array, out: Buffer[] = []): Buffer[] {
    if (this.finished) throw new Error('age payload already finished');
    let off = 0;
    while (off < data.length) {
      if (this.filled === CHUNK_SIZE) {
        out.push(...this.seal(false));
        this.filled = 0;
      }
      const n = Math.min(CHUNK_SIZE - this.filled, data.length - off);
      this.chunk.set(data.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
    }
    return out;
  }

  /** The last chunk (flagged last; empty only when nothing was written). */
  final(out: Buffer[] = []): Buffer[] {
    if (this.finished) throw new Error('age payload already finished');
    this.finished = true;
    out.push(...this.seal(true));
    return out;
  }

  private seal(last: boolean): Buffer[] {
    const cipher = createCipheriv('chacha20-poly1305', this.key, this.chunkNonce.set(last), { authTagLength: TAG_SIZE });
    const body = cipher.update(this.chunk.subarray(0, this.filled));
    cipher.final();
    this.chunkNonce.next();
    return [body, cipher.getAuthTag()];
  }
}

/** Why a payload was refused; the reader adds the archive's name. */
export class PayloadError extends ArchiveFormatError {
  constructor(message: string) {
    super(`encrypted archive: ${message}`);
  }
}

/**
 * Decrypts a payload (after its nonce) pushed in pieces of any size. One sealed-chunk buffer
 * is reused; a chunk is opened as not-last only once a byte after it has arrived, so a file
 * cut at a chunk boundary (no last chunk), a chunk flagged last that is followed by more
 * bytes, and any changed byte are refused.
 */
export class PayloadDecryptor {
  private readonly key: Buffer;
  private readonly sealed = Buffer.allocUnsafeSlow(SEALED_CHUNK_SIZE);
  private filled = 0;
  private readonly chunkNonce = new ChunkNonce();
  private finished = false;

  constructor(fileKey: Uint8Array, nonce: Uint8Array) {
    if (nonce.length !== PAYLOAD_NONCE_SIZE) throw new PayloadError('the payload nonce is cut short');
    this.key = payloadKey(fileKey, nonce);
  }

  update(data: Uint8Array, out: Buffer[] = []): Buffer[] {
    if (this.finished) throw new PayloadError('data after the end');
    let off = 0;
    while (off < data.length) {
      if (this.filled === SEALED_CHUNK_SIZE) {
        out.push(this.open(false));
        this.filled = 0;
      }
      const n = Math.min(SEALED_CHUNK_SIZE - this.filled, data.length - off);
      this.sealed.set(data.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
    }
    return out;
  }

  /** The end of the input: what is held must be the last chunk. */
  final(out: Buffer[] = []): Buffer[] {
    if (this.finished) return out;
    this.finished = true;
    if (this.filled < TAG_SIZE) throw new PayloadError('truncated (the last chunk is missing)');
    if (this.filled === TAG_SIZE && this.chunkNonce.index > 0) throw new PayloadError('the last chunk is empty');
    out.push(this.open(true));
    return out;
  }

  private open(last: boolean): Buffer {
    const n = this.filled - TAG_SIZE;
    const decipher = createDecipheriv('chacha20-poly1305', this.key, this.chunkNonce.set(last), { authTagLength: TAG_SIZE });
    decipher.setAuthTag(this.sealed.subarray(n, this.filled));
    const body = decipher.update(this.sealed.subarray(0, n));
    try {
      decipher.final();
    } catch {
      const where = `chunk ${this.chunkNonce.index} (bytes from ${this.chunkNonce.index * SEALED_CHUNK_SIZE} of the payload)`;
      throw new PayloadError(
        last
          ? `${where} does not authenticate as the last chunk: damaged, changed or truncated`
          : `${where} does not authenticate: damaged or changed, or it is a last chunk followed by more data`,
      );
    }
    this.chunkNonce.next();
    return body;
  }
}
