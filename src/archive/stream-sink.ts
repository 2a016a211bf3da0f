// An archive written to a stream (standard output, a pipe): no temp name, nothing to
// publish. finish() ends the stream once everything is flushed; abort() leaves the stream
// where it is, without the trailer and the tar end, so whoever reads it refuses it.
import type { Writable } from 'node:stream';
import type { ArchiveSink } from './sink.js';

export class StreamArchiveSink implements ArchiveSink {
  private failure: { err: unknown } | null = null;
  private state: 'open' | 'finished' | 'aborted' = 'open';

  constructor(
    private readonly out: Writable,
    readonly label = 'standard output',
    /** End the stream on finish (not for process.stdout, which Node never closes anyway). */
    private readonly endOnFinish = true,
  ) {
    // An EPIPE (the reader went away) arrives as an 'error' event; keep it for the next call.
    out.on('error', (err) => void (this.failure ??= { err }));
  }

  async write(chunks: readonly Buffer[]): Promise<void> {
    if (this.failure) throw this.failure.err;
    if (this.state !== 'open') throw new Error(`internal error: write to a ${this.state} archive stream`);
    try {
      await writeChunks(this.out, chunks);
    } catch (err) {
      this.failure ??= { err };
      throw this.failure.err;
    }
  }

  async finish(): Promise<undefined> {
    if (this.failure) throw this.failure.err;
    this.state = 'finished';
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (this.endOnFinish) this.out.end(done);
      else this.out.write(Buffer.alloc(0), done); // everything before it has been flushed
    });
    return undefined;
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
  }
}

/**
 * Writes `chunks` to `out`, resolving only when the last chunk's callback ran: until then the
 * stream may still reference the caller's buffers (a pipe is written asynchronously).
 */
export async function writeChunks(out: NodeJS.WritableStream, chunks: readonly Buffer[]): Promise<void> {
  let last: Promise<void> = Promise.resolve();
  for (const chunk of chunks) {
    last = new Promise<void>((resolve, reject) => {
      out.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
    last.catch(() => undefined);
  }
  await last;
}
