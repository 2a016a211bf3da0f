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

/** Sequential reads of the file into one buffer, reused for every read. */
class Window {
  private readonly buf = Buffer.allocUnsafeSlow(READ_CHUNK);
  private start = 0;
  private len = 0;
  /** File offset of the next byte to hand out. */
  pos = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly onRead: (n: number) => void,
  ) {}

  /** At most `n` (> 0) bytes from `pos` on, as a view of the buffer; refills it when used up. */
  async take(n: number): Promise<Buffer> {
    if (this.pos < this.start || this.pos >= this.start + this.len) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.fh.read(this.buf, 0, this.buf.length, this.pos));
      } catch (err) {
        throw new ArchiveUnreadableError(`cannot read archive ${this.path}: ${describeIoError(err)}`, { cause: err });
      }
      this.onRead(bytesRead);
      if (bytesRead === 0) throw new NotPlainTarError('unexpected end of file');
      this.start = this.pos;
      this.len = bytesRead;
    }
    const from = this.pos - this.start;
    const view = this.buf.subarray(from, Math.min(this.len, from + n));
    this.pos += view.length;
    return view;
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
  try {
    const fileSize = (await fh.stat()).size;
    const w = new Window(fh, path, (n) => opts.onRead?.(n));
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
    await fh.close().catch(() => undefined);
  }
}
