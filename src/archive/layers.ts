// An archive is a tar, optionally zstd-compressed, optionally age-encrypted, in that order
// from the inside out (docs/FORMAT.md "Layers"). Each layer is known by its first bytes:
// age's magic line, zstd's frame magic, or the tar itself (anything else is refused by the
// tar reader). The readers peek at those bytes and put them back.
import { Readable } from 'node:stream';
import { AGE_MAGIC, isAgeFile } from './age-header.js';
import { openArchive } from './tar-scan.js';

/** A zstd frame's magic number, 0xFD2FB528 little-endian (RFC 8878 section 3.1.1). */
export const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

export type OuterLayer = 'age' | 'zstd' | 'tar';

/** Bytes enough to tell the layers apart. */
export const LAYER_PEEK = Math.max(AGE_MAGIC.length, ZSTD_MAGIC.length);

export function isZstdFrame(start: Uint8Array): boolean {
  return start.length >= ZSTD_MAGIC.length && ZSTD_MAGIC.equals(start.subarray(0, ZSTD_MAGIC.length));
}

/** The outermost layer of bytes starting with `start` (at least LAYER_PEEK of them, unless the input is shorter). */
export function outerLayer(start: Uint8Array): OuterLayer {
  if (isAgeFile(start)) return 'age';
  return isZstdFrame(start) ? 'zstd' : 'tar';
}

/**
 * The outermost layer of the file at `path`. openArchive refuses a FIFO, device or directory
 * at once: a plain open of a FIFO blocks until a writer appears (`zbak verify` of one hung).
 */
export async function fileOuterLayer(path: string): Promise<OuterLayer> {
  const fh = await openArchive(path);
  try {
    const buf = Buffer.alloc(LAYER_PEEK);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return outerLayer(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** The first `n` bytes of `source` (fewer only if it is shorter), and the whole of it again as a stream. */
export async function peekStream(source: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = source[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    held.push(next.value);
    have += next.value.length;
  }
  const first = Buffer.concat(held);
  async function* all(): AsyncGenerator<Buffer> {
    try {
      if (first.length > 0) yield first;
      if (done) return;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head: first.subarray(0, n), stream: Readable.from(all(), { objectMode: false }) };
}
