// Cut a byte stream into parts of exactly partSize bytes (the last one shorter), holding
// at most one part in memory as the list of chunks the source produced (no copies).
import { createHash, type Hash } from 'node:crypto';

export interface Part {
  chunks: Buffer[];
  size: number;
  sha256: string;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`stream produced a ${typeof chunk}, expected bytes`);
}

/**
 * Yields parts in order; the consumer must be done with a part before asking for the
 * next (that is what bounds memory). An empty source yields one empty part, so every
 * stream has at least one entry. `whole` receives every byte, for the stream checksum.
 */
export async function* splitIntoParts(source: AsyncIterable<unknown>, partSize: number, whole: Hash): AsyncGenerator<Part> {
  let chunks: Buffer[] = [];
  let size = 0;
  let hash = createHash('sha256');
  let emitted = 0;
  const take = (): Part => {
    const part = { chunks, size, sha256: hash.digest('hex') };
    chunks = [];
    size = 0;
    hash = createHash('sha256');
    emitted++;
    return part;
  };
  for await (const raw of source) {
    let chunk = toBuffer(raw);
    while (chunk.length > 0) {
      const n = Math.min(chunk.length, partSize - size);
      const piece = n === chunk.length ? chunk : chunk.subarray(0, n);
      chunks.push(piece);
      hash.update(piece);
      whole.update(piece);
      size += n;
      chunk = chunk.subarray(n);
      if (size === partSize) yield take();
    }
  }
  if (size > 0 || emitted === 0) yield take();
}
