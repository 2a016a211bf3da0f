// Cut a byte stream into parts of exactly partSize bytes (the last one shorter). Parts are
// assembled in a small ring of buffers that is reused for the whole stream, so the next part
// fills while the previous one is being written:
// memory stays at the ring however long the stream, and source chunks die young (see
// young-garbage.ts).
// The source is read with 'data' events, not `for await`: an async iterator costs a promise
// and a turn of the microtask queue per chunk (a pipe gives 64 KiB chunks), which is about a
// tenth of the main thread's time reading a pipe here, and a fifth in the lab's emulated CPU.
// The consumer still awaits once per part.
import { finished, type Readable } from 'node:stream';
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
 * one entry. While a full part waits for the consumer the source is paused, and the rest of
 * the chunk that filled it waits for the next buffer (free only once the consumer asks); so
 * does whatever a source emits after pause() while the consumer holds a part (execa resumes a
 * child's stdout when the child exits): no buffer is written between handing a part out and
 * the next ask.
 */
export async function* splitIntoParts(source: Readable, ring: readonly Buffer[]): AsyncGenerator<Part> {
  const first = ring[0];
  if (first === undefined || ring.some((b) => b.length !== first.length)) throw new Error('internal error: part buffers must be one size');
  const partSize = first.length;
  const garbage = new GarbageBound();
  let buf = first;
  let size = 0;
  let emitted = 0;
  /** A full part the consumer has not asked for yet. */
  let full: Part | null = null;
  /** Bytes that came after `full` filled (the rest of its chunk, and any chunk after it). */
  const waiting: Buffer[] = [];
  /**
   * The consumer holds the part last handed out: neither its buffer (still full, the one `buf`
   * names) nor the next (maybe the part before it, still being written) may be touched until it
   * asks again, so whatever comes meanwhile waits.
   */
  let holding = false;
  let ended = false;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const signal = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  /** Copies `chunk` into the current buffer until it fills; returns what did not fit. */
  const fill = (chunk: Buffer): Buffer | null => {
    const n = Math.min(chunk.length, partSize - size);
    chunk.copy(buf, size, 0, n);
    size += n;
    if (size === partSize) full = { data: buf.subarray(0, size) };
    return n < chunk.length ? chunk.subarray(n) : null;
  };
  const onData = (raw: unknown): void => {
    const chunk = toBuffer(raw);
    if (full !== null || holding) waiting.push(chunk);
    else {
      const rest = fill(chunk);
      if (rest !== null) waiting.push(rest);
    }
    garbage.add(chunk.length);
    if (full !== null || holding) {
      source.pause();
      signal();
    }
  };
  const stopWatching = finished(source, (err) => {
    if (err) failure = { error: err };
    else ended = true;
    signal();
  });
  source.on('data', onData);
  try {
    for (;;) {
      if (full !== null) {
        const part: Part = full;
        full = null;
        emitted++;
        holding = true;
        yield part;
        holding = false;
        // The consumer asked for the next part: the buffer after this one is free again.
        buf = ring[emitted % ring.length] as Buffer;
        size = 0;
        while (waiting.length > 0 && full === null) {
          const rest = fill(waiting.shift() as Buffer);
          if (rest !== null) waiting.unshift(rest);
        }
        if (full === null && !ended) source.resume();
        continue;
      }
      if (failure !== null) throw (failure as { error: unknown }).error;
      if (ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (size > 0 || emitted === 0) yield { data: buf.subarray(0, size) };
  } finally {
    source.off('data', onData);
    // The consumer stopped early (a write failed, too many parts): stop the source too, as
    // leaving a `for await` over a stream does, so its writer (zfs send) is not left blocked;
    // the watcher stays, so an error the source reports after this is not an uncaught one.
    if (!ended && failure === null) source.destroy();
    else stopWatching();
  }
}
