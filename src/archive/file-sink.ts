// An archive file: written under a hidden temp name next to the final one, written back to
// disk in the background as it grows, fsynced and linked into place (never over an
// existing file) only by finish().
import { randomBytes } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { exists, fsyncDir, ignoreEnoent, linkNoReplace } from './publish.js';
import type { ArchiveSink } from './sink.js';
import { tempArchiveName } from './temp-name.js';
import { ArchiveWriteError, describeIoError } from './write-error.js';

/** The few file operations the sink needs; tests substitute failing ones. */
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

/**
 * After this many more bytes are written, an fdatasync starts in the background (one at a
 * time) while writing goes on: the data reaches the disk during the save instead of in one
 * fsync at the end, which then has at most about this much left.
 */
export const WRITE_BACK_BYTES = 64 * 1024 * 1024;

export interface FileSinkOptions {
  /** Fault injection for tests (ENOSPC, EIO); defaults to an exclusive fs open. */
  openFile?: OpenArchiveFile;
  /** Bytes between background fdatasyncs (WRITE_BACK_BYTES); for tests. */
  writeBackBytes?: number;
}

/** writev until everything is written: a short write (disk filling up) is retried so the error surfaces. */
export async function writeFully(file: ArchiveFile, buffers: readonly Buffer[]): Promise<void> {
  let rest = [...buffers];
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

/** Create the temp file; fails at once if `finalPath` already exists. */
export async function createFileSink(finalPath: string, opts: FileSinkOptions = {}): Promise<FileArchiveSink> {
  const target = resolve(finalPath);
  if (await exists(target)) throw new ArchiveWriteError(target, 'file exists (refusing to overwrite)');
  // Hidden, not ending in .zbak, and naming this pid (the next save sweeps it if this process dies).
  const tempPath = join(dirname(target), tempArchiveName(basename(target), process.pid, randomBytes(4).toString('hex')));
  let file: ArchiveFile;
  try {
    file = await (opts.openFile ?? openExclusive)(tempPath);
  } catch (err) {
    throw new ArchiveWriteError(target, `cannot create ${tempPath}: ${describeIoError(err)}`, { cause: err });
  }
  return new FileArchiveSink(target, tempPath, file, opts.writeBackBytes ?? WRITE_BACK_BYTES);
}

export class FileArchiveSink implements ArchiveSink {
  private written = 0;
  /** Bytes written when the last background fdatasync started, and that sync while it runs. */
  private syncedFrom = 0;
  private writeBack: Promise<void> | null = null;
  private failure: { err: unknown } | null = null;
  private state: 'open' | 'finished' | 'aborted' = 'open';

  constructor(
    readonly label: string,
    /** The hidden temp file being written (removed by abort). */
    readonly tempPath: string,
    private readonly file: ArchiveFile,
    private readonly writeBackBytes: number,
  ) {}

  async write(chunks: readonly Buffer[]): Promise<void> {
    if (this.failure) throw this.failure.err;
    try {
      await writeFully(this.file, chunks);
    } catch (err) {
      this.failure ??= { err };
      throw this.failure.err;
    }
    for (const c of chunks) this.written += c.length;
    this.startWriteBack();
  }

  private startWriteBack(): void {
    if (this.writeBack !== null || this.written - this.syncedFrom < this.writeBackBytes) return;
    this.syncedFrom = this.written;
    this.writeBack = this.file.datasync().then(
      () => void (this.writeBack = null),
      (err: unknown) => {
        this.writeBack = null;
        this.failure ??= { err }; // EIO on write-back: the archive would not be durable
      },
    );
  }

  /** Waits for a background fdatasync still running (before the final fsync or close). */
  private async writeBackSettled(): Promise<void> {
    while (this.writeBack !== null) await this.writeBack;
  }

  async finish(): Promise<string> {
    await this.writeBackSettled();
    if (this.failure) throw this.failure.err;
    // Most of the data is on disk already (written back while streaming).
    await this.file.sync();
    await this.file.close();
    await linkNoReplace(this.tempPath, this.label);
    this.state = 'finished';
    try {
      await unlink(this.tempPath).catch(ignoreEnoent); // gone already after the rename fallback
      await fsyncDir(dirname(this.label));
    } catch (err) {
      throw new ArchiveWriteError(this.label, `written, but: ${describeIoError(err)}`, { cause: err });
    }
    return this.label;
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.writeBackSettled();
    await this.file.close().catch(() => undefined); // already closed after a failed finish
    await unlink(this.tempPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw new ArchiveWriteError(this.label, `cannot remove ${this.tempPath}: ${describeIoError(err)}`);
    });
  }
}
