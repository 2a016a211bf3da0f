// Cut a byte stream into parts of exactly partSize bytes (the last one shorter). Parts are
// assembled in a small ring of buffers that is reused for the whole stream, so the next part
// fills while the previous one is being written:
// memory stays at the ring however long the stream, and source chunks die young (see
// young-garbage.ts).
import { GarbageBound } from './young-garbage.js';

export interface Part {
  /** A view of one of the ring's buffers: valid until the consumer asks for the part that refills it. */
  data: Buffer;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`stream produced a ${typeof chunk}, expected bytes`);
}

/**
 * Yields parts in order. Part k is a view of `ring[k % ring.length]`, all of the same
 * length (the part size); the consumer must be done with part k (its bytes on disk) before
 * it asks for part k + ring.length. With two buffers: done with a part before asking for
 * the part after next. An empty source yields one empty part, so every stream has at least
 * one entry.
 */
export async function* splitIntoParts(source: AsyncIterable<unknown>, ring: readonly Buffer[]): AsyncGenerator<Part> {
  const first = ring[0];
  if (first === undefined || ring.some((b) => b.length !== first.length)) throw new Error('internal error: part buffers must be one size');
  const partSize = first.length;
  const garbage = new GarbageBound();
  let buf = first;
  let size = 0;
  let emitted = 0;
  const take = (): Part => {
    const part = { data: buf.subarray(0, size) };
    emitted++;
    buf = ring[emitted % ring.length] as Buffer;
    size = 0;
    return part;
  };
  for await (const raw of source) {
    const chunk = toBuffer(raw);
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, partSize - size);
      const piece = chunk.subarray(off, off + n);
      piece.copy(buf, size);
      size += n;
      off += n;
      if (size === partSize) yield take();
    }
    garbage.add(chunk.length);
  }
  if (size > 0 || emitted === 0) yield take();
}
