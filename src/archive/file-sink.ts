// The bottom of the writer: pull bytes out of the tar packer and write them to the temp
// file in batches. Pulling (rather than piping) keeps backpressure and errors explicit.
import { open } from 'node:fs/promises';

/** The few file operations the writer needs; tests substitute failing ones. */
export interface ArchiveFile {
  writev(buffers: Buffer[]): Promise<{ bytesWritten: number }>;
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

/** writev until everything is written: a short write (disk filling up) is retried so the error surfaces. */
export async function writeFully(file: ArchiveFile, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await file.writev(rest);
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        next.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    // Callers never pass empty buffers, so no progress at all means the device is stuck.
    if (bytesWritten === 0) throw Object.assign(new Error('EIO: write made no progress'), { code: 'EIO' });
    rest = next;
  }
}

/**
 * Copy everything `source` yields into `file`. Resolves when the source ends;
 * rejects with the first write error (the caller then destroys the source).
 */
export async function pumpToFile(source: AsyncIterable<Buffer>, file: ArchiveFile): Promise<void> {
  let batch: Buffer[] = [];
  let batched = 0;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    batch.push(chunk);
    batched += chunk.length;
    if (batched >= BATCH_BYTES || batch.length >= BATCH_BUFFERS) {
      const out = batch;
      batch = [];
      batched = 0;
      await writeFully(file, out);
    }
  }
  if (batch.length > 0) await writeFully(file, batch);
}
