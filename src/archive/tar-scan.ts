// One sequential, streaming pass over a tar file. tar-stream's own errors (truncation,
// bad header checksum) become ArchiveFormatError; I/O errors become ArchiveUnreadableError.
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ArchiveFormatError, ArchiveUnreadableError, ZbakError } from '../errors.js';
import { displayName } from './entry-path.js';
import { describeIoError } from './write-error.js';
import { waitForDrainOrClose } from './stream-wait.js';
import { GarbageBound } from './young-garbage.js';

export interface TarEntry {
  /** Raw, untrusted name (pax/GNU long names already applied by tar-stream). */
  name: string;
  type: string | null;
  linkname: string | null;
  size: number;
  /** The entry's bytes; the callback must read them all or throw. */
  data: AsyncIterable<Buffer>;
}

export interface ScanResult {
  /** Bytes of end-of-archive padding after the last entry's data. */
  bytesAfterLastEntry: number;
}

// Every read is a new buffer that lives until the restore has passed it to zfs receive: with
// half the size, half as much of them is in flight or waiting for the collector (npm run bench,
// 2 GiB restore: peak RSS 99-120 MiB with 1 MiB reads, 88-90 with 512 KiB, no slower).
const READ_CHUNK = 512 * 1024;

const KIND_WORDS: Array<[(st: Stats) => boolean, string]> = [
  [(st) => st.isFIFO(), 'a FIFO'],
  [(st) => st.isDirectory(), 'a directory'],
  [(st) => st.isCharacterDevice(), 'a character device'],
  [(st) => st.isBlockDevice(), 'a block device'],
  [(st) => st.isSocket(), 'a socket'],
];

function notRegular(path: string, st: Stats): ArchiveUnreadableError {
  const kind = KIND_WORDS.find(([is]) => is(st))?.[1] ?? 'not a regular file';
  return new ArchiveUnreadableError(`cannot read archive ${path}: it is ${kind}, not a regular file; give the path of a .zbak file`);
}

/** Opens an archive for reading; ArchiveUnreadableError unless it is (a link to) a regular file. */
// stat before open: opening a FIFO for reading blocks until a writer appears, so `zbak
// verify` of one would hang. O_NONBLOCK covers a swap between stat and open (a FIFO then
// opens at once and fstat refuses it); on a regular file it changes nothing.
export async function openArchive(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    const st = await stat(path); // follows symlinks: the target must be a regular file
    if (!st.isFile()) throw notRegular(path, st);
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (err instanceof ArchiveUnreadableError) throw err;
    throw new ArchiveUnreadableError(`cannot open archive ${path}: ${describeIoError(err)}`, { cause: err });
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw notRegular(path, st);
  }
  return fh;
}

function tarError(path: string, err: Error, after: string | null): ZbakError {
  const where = after === null ? 'at the start of the archive' : `after entry ${after}`;
  if (/unexpected end of data/i.test(err.message))
    return new ArchiveFormatError(`archive ${path} is truncated (incomplete): unexpected end of data ${where}`, after ?? undefined);
  return new ArchiveFormatError(`archive ${path}: corrupt tar data ${where}: ${err.message}`, after ?? undefined);
}

export interface ScanOptions {
  /** Told each time `bytes` more of the file were read (for progress displays). */
  onRead?: (bytes: number) => void;
}

/** Calls `onEntry` for every entry in order, waiting for each; returns what follows the last entry. */
export async function scanTar(path: string, onEntry: (entry: TarEntry) => Promise<void>, opts: ScanOptions = {}): Promise<ScanResult> {
  const fh = await openArchive(path);
  const file = fh.createReadStream({ highWaterMark: READ_CHUNK, autoClose: false });
  try {
    return await scanTarStream(file, path, onEntry, opts);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * scanTar over any byte stream (standard input, a decrypting stream): one sequential pass,
 * `label` names the archive in messages. The input is destroyed when the scan ends.
 */
export async function scanTarStream(
  input: Readable,
  label: string,
  onEntry: (entry: TarEntry) => Promise<void>,
  opts: ScanOptions = {},
): Promise<ScanResult> {
  const extract = tar.extract();
  let fed = 0;
  let readError: unknown = null;
  let stopped = false;
  let inputEnded = false;
  // tar-stream's own error ("Unexpected end of data"); an entry's reader only sees "Stream was destroyed".
  let parseError: Error | null = null;
  extract.on('error', (err: Error) => void (parseError ??= err));
  // Every read is a new buffer: keep the dead ones from piling up (young-garbage.ts).
  const garbage = new GarbageBound();
  // Feed the input into the parser by hand so a read error is told apart from a tar error.
  const feeding = (async () => {
    try {
      for await (const chunk of input) {
        if (stopped || extract.destroying) return;
        fed += (chunk as Buffer).length;
        opts.onRead?.((chunk as Buffer).length);
        if (!extract.write(chunk)) await waitForDrainOrClose(extract);
        garbage.add((chunk as Buffer).length);
      }
      inputEnded = true;
      if (!extract.destroying) extract.end(undefined);
    } catch (err) {
      if (stopped) return;
      readError = err;
      extract.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();

  let current: string | null = null;
  let dataEnd = 0;
  let callbackError: unknown = null;
  try {
    for await (const source of extract) {
      const h = source.header;
      current = displayName(h.name);
      const data = tagErrors(source as AsyncIterable<Buffer>);
      try {
        await onEntry({ name: h.name, type: h.type ?? null, linkname: h.linkname || null, size: h.size, data });
      } catch (err) {
        if (!(err instanceof TarDataError)) callbackError = err;
        throw err;
      }
      for await (const _ of data) void _; // drain whatever the callback left (it normally reads all)
      dataEnd = dataOffset(source.header) + Math.ceil(h.size / 512) * 512;
    }
  } catch (err) {
    // The callback's own errors (a bad entry, a failed restore) pass through untouched.
    if (callbackError !== null && err === callbackError) throw err;
    // A decrypting input's own refusal (damaged, cut, trailing data) is reported as it is.
    if (readError instanceof ZbakError) throw readError;
    if (readError !== null)
      throw new ArchiveUnreadableError(`cannot read archive ${label}: ${describeIoError(readError)}`, { cause: readError });
    const cause = parseError ?? (err instanceof TarDataError ? err.cause : err);
    // The input ended and the parser stopped inside an entry: a cut file or pipe.
    if (inputEnded && err instanceof TarDataError && parseError === null) throw tarError(label, new Error('unexpected end of data'), current);
    throw tarError(label, cause instanceof Error ? cause : new Error(String(cause)), current);
  } finally {
    stopped = true;
    extract.destroy();
    input.destroy();
    await feeding;
  }
  return { bytesAfterLastEntry: fed - dataEnd };
}

/** An error while reading an entry's bytes: it comes from the tar parser, not the callback. */
class TarDataError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

async function* tagErrors(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* source;
  } catch (err) {
    throw new TarDataError(err);
  }
}

// tar-stream records where an entry's data starts; it is not in its typings.
function dataOffset(header: object): number {
  const offset = (header as { byteOffset?: unknown }).byteOffset;
  if (typeof offset !== 'number') throw new Error('tar-stream did not report byteOffset');
  return offset;
}
