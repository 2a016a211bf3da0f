// Streaming .zbak writer: entries go through tar-stream into an ArchiveSink (sink.ts): a
// hidden temp file next to the archive that finish() fsyncs and links into place
// (file-sink.ts), or a stream (stream-sink.ts). See docs/FORMAT.md.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { ArchiveFormatError, ZbakError } from '../errors.js';
import { createFileSink, type FileSinkOptions } from './file-sink.js';
import type { ArchiveSink } from './sink.js';
import { SinkPump } from './sink-pump.js';
import {
  DEFAULT_PART_SIZE, FORMAT_NAME, FORMAT_VERSION, HEADER_ENTRY, TRAILER_ENTRY, TrailerSchema, VMADM_ENTRY,
  streamPartEntry, type EntrySum, type Header, type Trailer,
} from './format.js';
import { AUTO_MAX_PART_SIZE, partSizeProblem } from '../model/part-size.js';
import { MAX_JSON_ENTRY_SIZE, parseHeader, parseJsonEntry } from './json-entry.js';
import { splitIntoParts } from './part-splitter.js';
import { partHasher, sharedBuffer, type Hasher } from './part-hasher.js';
import { partListDigest } from './stream-digest.js';
import { tarEntryBytes, writeTarEntry } from './tar-entry-out.js';
import { ArchiveWriteError, describeIoError } from './write-error.js';
import type { ArchiveSigner } from './signature.js';

export interface ArchiveWriter {
  readonly partSize: number;
  /** zbak.json first (must be schema-valid and use this writer's partSize), then vmadm.json, then image manifests. */
  addEntry(name: string, data: string | Buffer): Promise<void>;
  /** The next stream of the header, split into parts; rejects if the source fails or the signal aborts. */
  addStream(id: string, source: Readable, opts?: { signal?: AbortSignal }): Promise<StreamSum>;
  /** Trailer, end of archive, then the sink's finish: the published path, or undefined for a stream. */
  finish(): Promise<string | undefined>;
  /** Stop and abort the sink (a file's temp is removed); idempotent, safe after any error, a no-op after finish. */
  abort(): Promise<void>;
}

export interface StreamSum {
  size: number;
  sha256: string;
  parts: EntrySum[];
}

export interface ArchiveWriterOptions extends FileSinkOptions {
  partSize?: number;
  /** Sign the archive (signature.ts): the front entries and the trailer. */
  signer?: ArchiveSigner;
}

/** The part size, checked before any file is made. */
function checkedPartSize(partSize = DEFAULT_PART_SIZE): number {
  const problem = partSizeProblem(partSize);
  if (problem !== null) throw new ZbakError(`archive part size ${problem}`, 'usage');
  return partSize;
}

/** Create the temp file and return a writer; fails at once if `finalPath` already exists. */
export async function createArchiveWriter(finalPath: string, opts: ArchiveWriterOptions = {}): Promise<ArchiveWriter & { tempPath: string }> {
  const partSize = checkedPartSize(opts.partSize);
  const sink = await createFileSink(finalPath, opts);
  return Object.assign(new TarArchiveWriter(sink, partSize, opts.signer), { tempPath: sink.tempPath });
}

/** A writer into any sink (standard output, an encrypting sink…); abort() aborts the sink. */
export function createArchiveWriterTo(sink: ArchiveSink, opts: { partSize?: number; signer?: ArchiveSigner } = {}): ArchiveWriter {
  return new TarArchiveWriter(sink, checkedPartSize(opts.partSize), opts.signer);
}

const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Part names have six digits, so a shell glob lists them in order. */
const MAX_PARTS = 1_000_000;

type State = 'open' | 'failed' | 'finished' | 'aborted';

class TarArchiveWriter implements ArchiveWriter {
  private readonly pack = tar.pack();
  private readonly pump: SinkPump;
  private readonly finalPath: string;
  /** Tar bytes handed to the packer so far (headers, data, padding). */
  private tarBytes = 0;
  private partRing: Buffer[] | null = null;
  private hasher: Hasher | null = null;
  private readonly mtime = new Date();
  private state: State = 'open';
  private failure: Error | null = null;
  private readonly onFailure = new Set<(err: Error) => void>();
  private busy = false;
  private header: Header | null = null;
  private pendingJson: string[] = [];
  private nextStream = 0;
  private readonly entrySums: EntrySum[] = [];
  private readonly streamSums: Trailer['streams'] = [];

  constructor(
    private readonly sink: ArchiveSink,
    readonly partSize: number,
    private readonly signer?: ArchiveSigner,
  ) {
    this.finalPath = sink.label;
    const onError = (err: unknown): void => {
      this.fail(this.sinkError(err));
      this.pack.destroy();
    };
    this.pump = new SinkPump(this.pack as AsyncIterable<Buffer>, sink, onError);
  }

  /** A sink's ZbakError as it is; an errno as "cannot write archive <label>: …". */
  private sinkError(err: unknown): ZbakError {
    return err instanceof ZbakError ? err : new ArchiveWriteError(this.finalPath, describeIoError(err), { cause: err });
  }

  addEntry(name: string, data: string | Buffer): Promise<void> {
    return this.exclusive(async () => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      if (bytes.length > MAX_JSON_ENTRY_SIZE) throw new ZbakError(`archive entry ${name} is larger than ${MAX_JSON_ENTRY_SIZE} bytes`);
      if (this.header === null) {
        if (name !== HEADER_ENTRY) throw new ZbakError(`archive entry ${name} added before ${HEADER_ENTRY}`);
        const header = refuseInvalid(() => parseHeader(bytes));
        if (header.partSize !== this.partSize)
          throw new ZbakError(`${HEADER_ENTRY}: partSize ${header.partSize} differs from the writer's ${this.partSize}`);
        this.header = header;
        this.pendingJson = [VMADM_ENTRY, ...header.images.map((i) => i.manifestEntry)];
      } else {
        const expected = this.pendingJson[0];
        if (name !== expected) throw new ZbakError(`archive entry ${name} added out of order (expected ${expected ?? 'a stream'})`);
        refuseInvalid(() => parseJsonEntry(name, bytes)); // the reader would reject it
        this.pendingJson.shift();
      }
      try {
        await this.entry(name, bytes);
        // The last front entry: the signed list of them follows, before any stream part.
        if (this.signer && this.pendingJson.length === 0)
          for (const [n, b] of this.signer.front([...this.entrySums, { name, size: bytes.length, sha256: sha256Hex(bytes) }])) await this.entry(n, b);
      } catch (err) {
        // Part of the entry may be in the tar: the archive cannot be finished.
        const e = this.failure ?? this.sinkError(err);
        this.fail(e);
        throw e;
      }
      this.entrySums.push({ name, size: bytes.length, sha256: sha256Hex(bytes) });
    });
  }

  addStream(id: string, source: Readable, opts: { signal?: AbortSignal } = {}): Promise<StreamSum> {
    return this.exclusive(async () => {
      const expected = this.header?.streams[this.nextStream]?.id;
      if (this.pendingJson.length > 0 || expected === undefined || id !== expected)
        throw new ZbakError(`archive stream ${id} added out of order (expected ${this.pendingJson[0] ?? expected ?? 'finish'})`);
      const { signal } = opts;
      const stop = (err: Error): void => void source.destroy(err);
      const onAbort = (): void => stop(interrupted(id, signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.onFailure.add(stop);
      try {
        if (signal?.aborted) throw interrupted(id, signal.reason);
        const parts: EntrySum[] = [];
        let size = 0;
        // Buffers per writer, reused: with two, the next part fills while the last one is
        // written and hashed (on the hasher's thread, part-hasher.ts); a part size larger than zbak picks by
        // itself (--part-size above 32 MiB) gets one, to bound memory.
        this.partRing ??= Array.from({ length: this.partSize <= AUTO_MAX_PART_SIZE ? 2 : 1 }, () => sharedBuffer(this.partSize));
        const hasher = (this.hasher ??= partHasher());
        // The part being written and hashed: its sum, once both are done.
        let pending: Promise<EntrySum | null> = Promise.resolve(null);
        const settled = async (): Promise<void> => {
          const sum = await pending;
          pending = Promise.resolve(null);
          if (sum !== null) parts.push(sum);
        };
        for await (const part of splitIntoParts(source, this.partRing)) {
          // Tar entries go one after another, and the splitter refills the previous part's
          // buffer next: that part must be on its way to disk, and hashed, first.
          await settled();
          if (parts.length >= MAX_PARTS)
            throw new ZbakError(`stream ${id} needs more than ${MAX_PARTS} parts of ${this.partSize} bytes; use a larger part size`);
          const name = streamPartEntry(id, parts.length);
          const bytes = part.data.length;
          const hashing = hasher.hash(part.data);
          hashing.catch(() => undefined); // awaited after the write
          pending = this.writePart(name, part.data).then(async () => ({ name, size: bytes, sha256: await hashing }));
          pending.catch(() => undefined); // awaited on the next part or after the last
          if (this.partRing.length === 1) await settled();
          size += bytes;
          if (signal?.aborted) throw interrupted(id, signal.reason);
        }
        await settled();
        // Format version 2: the stream digest is made from the part sums (each byte hashed once).
        const sum = { size, sha256: partListDigest(parts), parts };
        this.streamSums.push({ id, ...sum });
        this.nextStream++;
        return sum;
      } catch (err) {
        // The stream is incomplete whatever went wrong, so the archive cannot be finished.
        const e = this.failure ?? (err instanceof ZbakError ? err : sourceFailed(id, err));
        this.fail(e);
        throw e;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        this.onFailure.delete(stop);
      }
    });
  }

  finish(): Promise<string | undefined> {
    return this.exclusive(async () => {
      const missing = this.header === null ? HEADER_ENTRY : (this.pendingJson[0] ?? this.header.streams[this.nextStream]?.id);
      if (missing !== undefined) throw new ZbakError(`cannot finish archive ${this.finalPath}: ${missing} was not written`);
      try {
        const trailer = TrailerSchema.parse({
          format: FORMAT_NAME, formatVersion: FORMAT_VERSION, entries: this.entrySums, streams: this.streamSums,
        });
        const bytes = Buffer.from(`${JSON.stringify(trailer, null, 2)}\n`, 'utf8');
        await this.entry(TRAILER_ENTRY, bytes);
        if (this.signer) await this.entry(...this.signer.trailer(bytes));
        this.pack.finalize();
        await this.guard(this.pump.done);
        if (this.failure) throw this.failure;
        await this.closeHasher();
        const name = await this.sink.finish();
        this.state = 'finished';
        return name;
      } catch (err) {
        const e = this.failure ?? this.sinkError(err);
        this.fail(e);
        throw e;
      }
    });
  }

  async abort(): Promise<void> {
    if (this.state === 'finished' || this.state === 'aborted') return;
    this.state = 'aborted';
    this.fail(new ZbakError(`archive ${this.finalPath} was aborted`, 'interrupted'));
    this.pack.destroy();
    await this.pump.done.catch(() => undefined);
    await this.closeHasher();
    await this.sink.abort();
  }

  private async closeHasher(): Promise<void> {
    const h = this.hasher;
    this.hasher = null;
    await h?.close();
  }

  // One call at a time: entries are sequential in a tar, so concurrent calls are a bug.
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.state !== 'open') throw this.failure ?? new ZbakError(`archive writer for ${this.finalPath} is ${this.state}`);
    if (this.busy) throw new ZbakError(`archive writer for ${this.finalPath}: concurrent call`);
    this.busy = true;
    try {
      return await fn();
    } finally {
      this.busy = false;
    }
  }

  /** A part's entry, resolved once the sink has taken its bytes (its buffer may then be refilled). */
  private async writePart(name: string, data: Buffer): Promise<void> {
    await this.entry(name, data);
    await this.guard(this.pump.writtenUpTo(this.tarBytes));
  }

  private async entry(name: string, data: Buffer): Promise<void> {
    await this.guard(writeTarEntry(this.pack, name, [data], data.length, this.mtime));
    this.tarBytes += tarEntryBytes(data.length);
  }

  /** Whatever the packer reports, surface the file error that caused it. */
  private async guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      throw this.failure ?? err;
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    if (this.state === 'open') this.state = 'failed';
    for (const stop of this.onFailure) stop(err);
    void this.closeHasher();
  }
}

// A header that fails the reader's checks is zbak's own bug, not a bad archive (exit 12).
function refuseInvalid<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof ArchiveFormatError) throw new ZbakError(`refusing to write an invalid archive: ${err.message}`);
    throw err;
  }
}

function interrupted(id: string, reason: unknown): ZbakError {
  return new ZbakError(`archiving stream ${id} was interrupted`, 'interrupted', { cause: reason });
}

function sourceFailed(id: string, err: unknown): ZbakError {
  return new ZbakError(`archiving stream ${id} failed: the source stream failed: ${describeIoError(err)}`, 'failure', { cause: err });
}
