// The fake send stream, documented in README.md: real OpenZFS records (send-records.ts),
// one substream per snapshot, whose WRITE payloads carry "FAKEZFS1" magic (first substream),
// then frames [type:u8][length:u32 BE][payload]: B (begin, JSON) … E (sha256 of the
// substream's frames). Files are F (JSON) + d (≤1 MiB data) frames. Each frame is one WRITE
// record, so readers of real streams (zbak verify) walk the whole stream.
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { type RecordWalk, writeRecord } from './send-records.js';
import { ZfsError } from './errors.js';

export const MAGIC = Buffer.from('FAKEZFS1');
export const CHUNK = 1024 * 1024;

export const BeginSchema = z.object({
  toguid: z.string(),
  fromguid: z.string(),
  /** Full name of the sent snapshot, e.g. zones/IMG@final. */
  toname: z.string(),
  /** Short name of the incremental source, for messages. */
  fromname: z.string().optional(),
  type: z.enum(['filesystem', 'volume']),
  clone: z.boolean(),
  creation: z.number().int(),
  /** With -p: local and received properties of the dataset. */
  props: z.record(z.string()).optional(),
  /** With -p: user properties of the snapshot. */
  snapprops: z.record(z.string()).optional(),
  volsize: z.string().optional(),
  volblocksize: z.string().optional(),
});
export type Begin = z.infer<typeof BeginSchema>;

export const EntrySchema = z.object({
  path: z.string(),
  mode: z.number().int(),
  mtime: z.number(),
  size: z.number().int().optional(),
  target: z.string().optional(),
});
export type Entry = z.infer<typeof EntrySchema>;

export type FrameType = 'B' | 'D' | 'F' | 'L' | 'd' | 'V' | 'E';

export class StreamIoError extends Error {
  override name = 'StreamIoError' as const;
}

/** Writes frames to stdout with backpressure; can be told to die after N bytes. */
export class FrameWriter {
  private hash: Hash | undefined;
  written = 0;

  constructor(
    private out: Writable,
    private dieAfter?: number,
  ) {}

  async raw(buf: Buffer): Promise<void> {
    let chunk = buf;
    if (this.dieAfter !== undefined && this.written + chunk.length > this.dieAfter) {
      chunk = chunk.subarray(0, this.dieAfter - this.written);
      await this.push(chunk);
      throw new StreamIoError('Input/output error');
    }
    await this.push(chunk);
  }

  private async push(chunk: Buffer): Promise<void> {
    this.written += chunk.length;
    if (chunk.length === 0) return;
    // A reader that went away destroys stdout; writing on would wait forever.
    if (this.out.destroyed) throw new StreamIoError('Broken pipe');
    if (this.out.write(chunk)) return;
    const ac = new AbortController();
    await Promise.race([
      once(this.out, 'drain', { signal: ac.signal }),
      once(this.out, 'close', { signal: ac.signal }).then(() => {
        throw new StreamIoError('Broken pipe');
      }),
    ]).finally(() => ac.abort());
  }

  async frame(type: FrameType, payload: Buffer = Buffer.alloc(0)): Promise<void> {
    const head = Buffer.alloc(5);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(payload.length, 1);
    if (type === 'B') this.hash = createHash('sha256');
    this.hash?.update(head).update(payload);
    await this.raw(writeRecord(head.length + payload.length));
    await this.raw(head);
    await this.raw(payload);
  }

  async json(type: FrameType, value: unknown): Promise<void> {
    await this.frame(type, Buffer.from(JSON.stringify(value)));
  }

  /** Closes the current record with the checksum of everything since its B frame. */
  async end(): Promise<void> {
    const digest = this.hash?.digest() ?? Buffer.alloc(32);
    this.hash = undefined;
    await this.frame('E', digest);
  }
}

const invalidStream = (): never => {
  throw new ZfsError('cannot receive: invalid stream (unexpected record)\n');
};

export interface Frame {
  type: FrameType;
  payload: Buffer;
  /** E frames: whether the record's checksum matched. */
  checksumOk?: boolean;
}

/**
 * Reads stdin, keeping at most one frame in memory: records as they are (`exact`) until
 * `inRecords` is called, then the bytes of WRITE payloads (`payload`, `next` for frames).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private iter: AsyncIterator<Buffer>;
  private hash: Hash | undefined;
  private walk: RecordWalk | undefined;
  /** Bytes left in the current WRITE record's payload. */
  private left = 0;
  read = 0;

  constructor(
    input: Readable,
    private dieAfter?: number,
  ) {
    this.iter = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /** Ensures n bytes are buffered; false at end of input. */
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      const r = await this.iter.next();
      if (r.done) return false;
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
      this.chunks.push(b);
      this.buffered += b.length;
    }
    return true;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const out = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    this.read += n;
    if (this.dieAfter !== undefined && this.read > this.dieAfter) throw new StreamIoError('Input/output error');
    return out;
  }

  /** undefined at a clean or truncated end of input. */
  async exact(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) return undefined;
    return this.take(n);
  }

  /** From here on, frames come from the payloads of the WRITE records `walk` finds. */
  inRecords(walk: RecordWalk): void {
    this.walk = walk;
  }

  /** n bytes of WRITE payloads (across records); undefined when the records end first. */
  async payload(n: number): Promise<Buffer | undefined> {
    const walk = this.walk;
    if (walk === undefined) return this.exact(n);
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      if (this.left === 0) {
        const next = await walk.nextWrite(this);
        if (next === undefined) return undefined;
        this.left = next;
        continue;
      }
      const k = Math.min(need, this.left);
      const b = await this.exact(k);
      if (!b) return undefined;
      parts.push(b);
      need -= k;
      this.left -= k;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** After a substream's E frame: its END record, and whether another substream follows. */
  async endSubstream(): Promise<'more' | 'done' | undefined> {
    if (this.left !== 0) invalidStream();
    return this.walk?.endSubstream(this);
  }

  /** Reads one frame; undefined when the input ends inside or before it. */
  async next(): Promise<Frame | undefined> {
    const head = await this.payload(5);
    if (!head) return undefined;
    const type = head.toString('latin1', 0, 1) as FrameType;
    const len = head.readUInt32BE(1);
    if (len > CHUNK + 4096) throw new StreamIoError('invalid frame length');
    const payload = await this.payload(len);
    if (!payload) return undefined;
    if (type === 'B') this.hash = createHash('sha256');
    if (type !== 'E') {
      this.hash?.update(head).update(payload);
      return { type, payload };
    }
    const expected = this.hash?.digest();
    this.hash = undefined;
    return { type, payload, checksumOk: expected !== undefined && expected.equals(payload) };
  }
}
