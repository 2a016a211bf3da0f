// An ArchiveSink that compresses through a running `zstd -q -c` (started by run/ through the
// Host) into another sink: the tar bytes go to zstd's stdin, its stdout is pumped into the
// inner sink (an encrypting sink, a file published only when complete, or standard output).
// Backpressure runs the whole way: write() resolves when the pipe took the bytes, zstd
// blocks on a full stdout pipe, and the pump reads stdout only as fast as the inner sink
// writes. finish() publishes only after zstd exited 0; any failure (zstd killed, a non-zero
// exit, the inner sink's error) fails the save, and abort() kills zstd and aborts the inner
// sink (its temp file is removed).
import type { Readable, Writable } from 'node:stream';
import type { ArchiveSink } from './sink.js';
import { filterError, type FilterProcess } from './filter-process.js';
import { writeChunks } from './stream-sink.js';

const WHAT = 'compress the archive';

export class ZstdArchiveSink implements ArchiveSink {
  /** The first failure, and whether it is zstd's side (its stdin refused bytes) or the inner sink's. */
  private failure: { err: unknown; zstd: boolean } | null = null;
  private state: 'open' | 'finishing' | 'finished' | 'aborted' = 'open';
  private readonly stdin: Writable;
  private readonly pumped: Promise<void>;

  constructor(
    private readonly inner: ArchiveSink,
    private readonly child: FilterProcess,
  ) {
    if (!child.stdin || !child.stdout) throw new Error('internal error: the compressor needs piped stdin and stdout');
    this.stdin = child.stdin;
    // EPIPE when zstd went away: the exit status says why (reported by fail()).
    this.stdin.on('error', (err) => void (this.failure ??= { err, zstd: true }));
    this.pumped = this.pump(child.stdout);
    this.pumped.catch(() => undefined);
  }

  get label(): string {
    return this.inner.label;
  }

  async write(chunks: readonly Buffer[]): Promise<void> {
    if (this.failure) throw await this.fail();
    if (this.state !== 'open') throw new Error(`internal error: write to a ${this.state} compressing sink`);
    try {
      await writeChunks(this.stdin, chunks);
    } catch (err) {
      this.failure ??= { err, zstd: true };
      throw await this.fail();
    }
  }

  async finish(): Promise<string | undefined> {
    if (this.failure) throw await this.fail();
    this.state = 'finishing';
    try {
      await new Promise<void>((resolve, reject) => this.stdin.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await this.pumped;
    } catch (err) {
      this.failure ??= { err, zstd: true };
      throw await this.fail();
    }
    const r = await this.child.done;
    if (r.exitCode !== 0) {
      this.failure ??= { err: filterError(WHAT, this.child, r), zstd: true };
      throw this.failure.err;
    }
    this.state = 'finished';
    return this.inner.finish();
  }

  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    const finished = this.state === 'finished';
    this.state = 'aborted';
    if (!finished) {
      this.child.kill('SIGKILL');
      this.stdin.destroy(); // the Host's done waits for stdin too, should zstd have exited by itself
    }
    await this.pumped.catch(() => undefined);
    await this.child.done;
    await this.inner.abort();
  }

  /** zstd's stdout into the inner sink, one chunk at a time (the inner sink's backpressure reaches zstd). */
  private async pump(stdout: Readable): Promise<void> {
    try {
      for await (const chunk of stdout) {
        if (this.state === 'aborted') return;
        await this.inner.write([chunk as Buffer]);
      }
    } catch (err) {
      this.failure ??= { err, zstd: false };
      this.child.kill('SIGKILL');
      throw err;
    }
  }

  /**
   * The error to report: the inner sink's own (a full disk, standard output closed), or, when
   * zstd stopped taking bytes (EPIPE), how zstd ended.
   */
  private async fail(): Promise<unknown> {
    const { err, zstd } = this.failure!;
    if (!zstd) return err;
    const r = await this.child.done;
    return r.exitCode === 0 ? err : filterError(WHAT, this.child, r);
  }
}
