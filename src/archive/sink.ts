// Where an archive's bytes go: a file published when complete (file-sink.ts), standard
// output (stream-sink.ts), or a sink that transforms the bytes and hands them to another
// (encryption). The writer only produces tar bytes; what "done" means is the sink's.

/**
 * A byte sink for one archive. Calls come one at a time, in order.
 *
 * - `write(chunks)` takes the bytes after every earlier write and resolves once the sink
 *   holds no reference to `chunks` (written, or copied): the caller reuses those buffers
 *   then, so this is also the backpressure. It rejects with the sink's first error, and
 *   every later call rejects too.
 * - `finish()` delivers everything written (fsync and publish a file; end a stream) and
 *   returns the published archive's name, or undefined when there is none (a stream).
 * - `abort()` stops without publishing and removes what it can (a temp file); a stream
 *   simply ends where it is, without a trailer, so a reader refuses it. Idempotent, safe
 *   after any error, a no-op after finish.
 *
 * Errors that are ZbakErrors reach the user as they are; any other error is reported by
 * the writer as "cannot write archive <label>: <errno text>".
 */
export interface ArchiveSink {
  /** What the archive is called in messages: its path, or "standard output". */
  readonly label: string;
  write(chunks: readonly Buffer[]): Promise<void>;
  finish(): Promise<string | undefined>;
  abort(): Promise<void>;
}
