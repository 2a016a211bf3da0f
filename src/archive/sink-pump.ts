// The bottom of the writer: pull bytes out of the tar packer and hand them to the sink in
// batches. Pulling (rather than piping) keeps backpressure and errors explicit, and lets
// the writer wait until a part's bytes are taken before reusing its buffer.
import type { ArchiveSink } from './sink.js';

/** Batches up to this size go to the sink in one write (one writev for a file). */
const BATCH_BYTES = 1024 * 1024;
/** writev takes at most IOV_MAX (1024 on Linux and illumos) buffers. */
const BATCH_BUFFERS = 512;

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Copies everything `source` yields into `sink`. `onError` hears the first write error
 * (before any waiter is rejected); `done` settles when the source ends or writing failed.
 */
export class SinkPump {
  readonly done: Promise<void>;
  private received = 0;
  private written = 0;
  private batch: Buffer[] = [];
  private batched = 0;
  private writing: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  private failure: { err: unknown } | null = null;

  constructor(
    source: AsyncIterable<Buffer>,
    private readonly sink: ArchiveSink,
    private readonly onError: (err: unknown) => void,
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

  /** Resolves once the sink has taken the first `offset` bytes of the tar (rejects if writing failed). */
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
        await this.sink.write(out);
      } catch (err) {
        this.setFailure(err);
        throw err;
      }
      this.written = upTo;
      this.settle();
    });
    return this.writing;
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
