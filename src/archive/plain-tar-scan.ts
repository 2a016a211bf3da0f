// verify's fast path: one sequential pass over a plain ustar file (what zbak writes) through
// one reused read buffer, so verifying allocates nothing per read. Each chunk an entry yields
// is a view of that buffer, valid until the consumer asks for the next chunk (the checker
// hashes it at once). Anything else (a pax or GNU record, a link, a bad header checksum, a
// truncated file, bytes after the end blocks) throws NotPlainTarError before the entry is
// handed over, and the caller scans again with tar-stream (tar-scan.ts), which reads every
// tar form and names what is wrong.
import type { FileHandle } from 'node:fs/promises';
import { ArchiveUnreadableError } from '../errors.js';
import { describeIoError } from './write-error.js';
import { BLOCK, paddedSize, parseUstarHeader } from './tar-header.js';
import { openArchive, type ScanOptions, type ScanResult, type TarEntry } from './tar-scan.js';

export class NotPlainTarError extends Error {
  override name = 'NotPlainTarError' as const;
}

const READ_CHUNK = 1024 * 1024;
/** Zero padding after the end blocks read to check it is only zeros; more goes to tar-stream. */
const MAX_END_PADDING = 1024 * 1024;

/**
 * Sequential reads of the file into two buffers, reused for every read: while the consumer
 * works through one (hashing it), the next read fills the other.
 */
class Window {
  private buf = Buffer.allocUnsafeSlow(READ_CHUNK);
  private spare = Buffer.allocUnsafeSlow(READ_CHUNK);
  private start = 0;
  private len = 0;
  /** The read into `spare` of the bytes after the window, when one is under way. */
  private ahead: { at: number; read: Promise<number> } | null = null;
  /** File offset of the next byte to hand out. */
  pos = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly onRead: (n: number) => void,
  ) {}

  private read(into: Buffer, at: number): Promise<number> {
    return this.fh.read(into, 0, into.length, at).then(
      (r) => r.bytesRead,
      (err: unknown) => {
        throw new ArchiveUnreadableError(`cannot read archive ${this.path}: ${describeIoError(err)}`, { cause: err });
      },
    );
  }

  /** At most `n` (> 0) bytes from `pos` on, as a view of a buffer; refills when used up. */
  async take(n: number): Promise<Buffer> {
    if (this.pos < this.start || this.pos >= this.start + this.len) {
      // Asking for more means the consumer is done with every view handed out so far.
      const ahead = this.ahead;
      this.ahead = null;
      const got = ahead === null ? -1 : await ahead.read;
      if (ahead !== null && this.pos >= ahead.at && this.pos < ahead.at + got) {
        [this.buf, this.spare] = [this.spare, this.buf];
        this.start = ahead.at;
        this.len = got;
      } else {
        this.start = this.pos;
        this.len = await this.read(this.buf, this.pos);
      }
      this.onRead(this.len);
      if (this.len === 0) throw new NotPlainTarError('unexpected end of file');
      if (this.len === this.buf.length) {
        const at = this.start + this.len;
        this.ahead = { at, read: this.read(this.spare, at) };
        this.ahead.read.catch(() => undefined); // reported when it is needed
      }
    }
    const from = this.pos - this.start;
    const view = this.buf.subarray(from, Math.min(this.len, from + n));
    this.pos += view.length;
    return view;
  }

  /** Waits for a read ahead still under way, so the file can be closed. */
  async settle(): Promise<void> {
    await this.ahead?.read.catch(() => undefined);
    this.ahead = null;
  }

  /** Exactly `dst.length` bytes copied into `dst`. */
  async fill(dst: Buffer): Promise<void> {
    for (let at = 0; at < dst.length; ) {
      const v = await this.take(dst.length - at);
      v.copy(dst, at);
      at += v.length;
    }
  }
}

/** Calls `onEntry` for every entry in order, as scanTar does; throws NotPlainTarError on anything but plain ustar. */
export async function scanPlainTar(path: string, onEntry: (entry: TarEntry) => Promise<void>, opts: ScanOptions = {}): Promise<ScanResult> {
  const fh = await openArchive(path);
  let window: Window | undefined;
  try {
    const fileSize = (await fh.stat()).size;
    const w = new Window(fh, path, (n) => opts.onRead?.(n));
    window = w;
    const block = Buffer.alloc(BLOCK);
    for (;;) {
      if (w.pos + BLOCK > fileSize) throw new NotPlainTarError('no end-of-archive blocks');
      await w.fill(block);
      if (block.every((b) => b === 0)) {
        const rest = fileSize - (w.pos - BLOCK);
        if (rest > MAX_END_PADDING) throw new NotPlainTarError('long padding after the end');
        const tail = Buffer.alloc(rest - BLOCK);
        await w.fill(tail);
        if (tail.some((b) => b !== 0)) throw new NotPlainTarError('data after the end-of-archive block');
        return { bytesAfterLastEntry: rest };
      }
      const h = parseUstarHeader(block);
      if (h === undefined || !h.isFile) throw new NotPlainTarError('not a plain ustar file entry');
      if (w.pos + paddedSize(h.size) > fileSize) throw new NotPlainTarError('truncated entry');
      let left = h.size;
      const data = (async function* (): AsyncGenerator<Buffer> {
        while (left > 0) {
          const v = await w.take(left);
          left -= v.length;
          yield v;
        }
      })();
      await onEntry({ name: h.name, type: 'file', linkname: null, size: h.size, data });
      w.pos += left + paddedSize(h.size) - h.size; // past what the callback left, and the padding
    }
  } finally {
    await window?.settle();
    await fh.close().catch(() => undefined);
  }
}
