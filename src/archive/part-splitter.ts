// Cut a byte stream into parts of exactly partSize bytes (the last one shorter).
// Each part is assembled in one buffer that is reused for every part: source chunks die
// young (cheap to collect) and memory stays at one part, however long the stream.
// Filling only copies: the writer hashes a part while its bytes go to disk.

export interface Part {
  /** A view of the shared part buffer: valid only until the consumer asks for the next part. */
  data: Buffer;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`stream produced a ${typeof chunk}, expected bytes`);
}

/**
 * Yields parts in order, each a view of `partBuffer` (its length is the part size); the
 * consumer must be done with a part, bytes on disk, before asking for the next. An empty
 * source yields one empty part, so every stream has at least one entry.
 */
export async function* splitIntoParts(source: AsyncIterable<unknown>, partBuffer: Buffer): AsyncGenerator<Part> {
  const partSize = partBuffer.length;
  let size = 0;
  let emitted = 0;
  const take = (): Part => {
    const part = { data: partBuffer.subarray(0, size) };
    size = 0;
    emitted++;
    return part;
  };
  for await (const raw of source) {
    const chunk = toBuffer(raw);
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, partSize - size);
      const piece = chunk.subarray(off, off + n);
      piece.copy(partBuffer, size);
      size += n;
      off += n;
      if (size === partSize) yield take();
    }
  }
  if (size > 0 || emitted === 0) yield take();
}
