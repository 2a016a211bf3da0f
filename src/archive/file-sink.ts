// The bottom of the writer: pull bytes out of the tar packer and write them to the temp
// file in batches. Pulling (rather than piping) keeps backpressure and errors explicit,
// and lets the writer wait until a part's bytes are in the file before reusing its buffer.
import { open } from 'node:fs/promises';

/** The few file operations the writer needs; tests substitute failing ones. */
export interface ArchiveFile {
  writev(buffers: Buffer[]): Promise<{ bytesWritten: number }>;
  /** fdatasync: the written data on disk (the background write-back while streaming). */
  datasync(): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenArchiveFile = (path: string) => Promise<ArchiveFile>;

/** Create the temp file exclusively (never reuse a leftover) and private to root. */
export const openExclusive: OpenArchiveFile = (path) => open(path, 'wx', 0o600);

/** Batches up to this size go to the kernel in one writev. */
const BATCH_BYTES = 1024 * 1024;
/** writev takes at most IOV_MAX (1024 on Linux and illumos) buffers. */
const BATCH_BUFFERS = 512;
/**
 * After this many more bytes are written, an fdatasync starts in the background (one at a
 * time) while writing goes on: the data reaches the disk during the save instead of in one
 * fsync at the end, which then has at most about this much left.
 */
export const WRITE_BACK_BYTES = 64 * 1024 * 1024;

/** writev until everything is written: a short write (disk filling up) is retried so the error surfaces. */
export async function writeFully(file: ArchiveFile, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await file.writev(rest);
    // Callers never pass empty buffers, so no progress at all means the device is stuck.
    if (bytesWritten === 0) throw Object.assign(new Error('EIO: write made no progress'), { code: 'EIO' });
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        next.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    rest = next;
  }
}

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Copies everything `source` yields into `file`. `onError` hears the first write error
 * (before any waiter is rejected); `done` settles when the source ends or writing failed.
 */
export class FileSink {
  readonly done: Promise<void>;
  private received = 0;
  private written = 0;
  private batch: Buffer[] = [];
  private batched = 0;
  private writing: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  private failure: { err: unknown } | null = null;
  /** Bytes written when the last background fdatasync started, and that sync while it runs. */
  private syncedFrom = 0;
  private writeBack: Promise<void> | null = null;

  constructor(
    source: AsyncIterable<Buffer>,
    private readonly file: ArchiveFile,
    private readonly onError: (err: unknown) => void,
    private readonly writeBackBytes = WRITE_BACK_BYTES,
  ) {
    this.done = this.run(source).then(
      () => this.settle(true),
      (err: unknown) => {
        this.setFailure(err);
        throw err;
      },
    );
    this.done.catch(() => undefined); // observed through onError and the writer's own calls
  }

  /** Resolves once the first `offset` bytes of the tar are in the file (rejects if writing failed). */
  writtenUpTo(offset: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.err);
    if (this.written >= offset) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ offset, resolve, reject }));
    // The packer may have handed over these bytes already and have nothing more to give.
    if (this.received >= offset) this.flush().catch(() => undefined);
    return p;
  }

  private async run(source: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of source) {
      if (chunk.length === 0) continue;
      this.batch.push(chunk);
      this.batched += chunk.length;
      this.received += chunk.length;
      const wanted = this.waiters.some((w) => w.offset <= this.received);
      if (this.batched >= BATCH_BYTES || this.batch.length >= BATCH_BUFFERS || wanted) await this.flush();
    }
    await this.flush();
  }

  /** Write the current batch after any write in progress (writes stay in order). */
  private flush(): Promise<void> {
    if (this.batch.length === 0) return this.writing;
    const out = this.batch;
    const upTo = this.received;
    this.batch = [];
    this.batched = 0;
    this.writing = this.writing.then(async () => {
      try {
        await writeFully(this.file, out);
      } catch (err) {
        this.setFailure(err);
        throw err;
      }
      this.written = upTo;
      this.settle();
      this.startWriteBack();
    });
    return this.writing;
  }

  private startWriteBack(): void {
    if (this.writeBack !== null || this.written - this.syncedFrom < this.writeBackBytes) return;
    this.syncedFrom = this.written;
    this.writeBack = this.file.datasync().then(
      () => void (this.writeBack = null),
      (err: unknown) => {
        this.writeBack = null;
        this.setFailure(err); // EIO on write-back: the archive would not be durable
      },
    );
  }

  /** Waits for a background fdatasync still running (before the final fsync or close). */
  async writeBackSettled(): Promise<void> {
    while (this.writeBack !== null) await this.writeBack;
  }

  private setFailure(err: unknown): void {
    if (this.failure) return;
    this.failure = { err };
    this.onError(err);
    this.settle();
  }

  private settle(ended = false): void {
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.failure) w.reject(this.failure.err);
      else if (this.written >= w.offset) w.resolve();
      else if (ended) w.reject(new Error(`internal error: tar ended at byte ${this.written}, before ${w.offset}`));
      else keep.push(w);
    }
    this.waiters = keep;
  }
}
