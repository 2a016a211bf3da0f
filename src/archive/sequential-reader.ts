// Reading an archive from a stream (standard input, later a decrypting stream) in one
// sequential pass, with no seeking and no second read: the front entries (zbak.json,
// vmadm.json, image manifests) first, checked exactly as verify checks them, so a restore
// can plan; then, once the restore asks, each stream handed on as it arrives (its BEGIN
// record checked before any byte goes on) while every part is hashed; the trailer, every
// checksum and the end of the archive are matched only at the end, so the caller commits
// after readStreams() resolved and undoes everything otherwise. The one ArchiveChecker that
// `zbak verify` uses does every check, so a stream restore uses is one verify accepts.
import type { Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import { ArchiveFormatError, ZbakError } from '../errors.js';
import { ArchiveChecker, type ArchiveFront, type CheckedArchive, type VerifiedArchive } from './archive-checker.js';
import { classifyEntryName } from './entry-path.js';
import { HEADER_ENTRY, type StreamSpec } from './format.js';
import { endStream, newReading, onChunk, start, type Reading } from './reader.js';
import { scanTarStream, type ScanOptions, type TarEntry } from './tar-scan.js';

export type { ArchiveFront } from './archive-checker.js';

/** The handler restore gives: consume `data` (zfs receive) and resolve when done with it. */
export type StreamHandler = (spec: StreamSpec, data: Readable) => Promise<void>;

export interface SequentialArchive {
  /** The front entries, checked: header, vmadm.json and image records (no trailer yet). */
  readonly front: ArchiveFront;
  /**
   * Goes on reading: each stream in header order to `onStream` (the next only after its
   * handler resolved); resolves with the whole archive checked (every part's sha256 and
   * each stream's against the trailer, the end-of-archive blocks), rejects on anything
   * wrong, a truncated input or a handler's error (after stopping the handler). Once.
   */
  readStreams(onStream: StreamHandler): Promise<CheckedArchive>;
  /** Stops reading (nothing taken, or a failure elsewhere) and waits for the pass to end. */
  close(): Promise<void>;
}

/** `zbak verify -`: the whole check of a stream, as verifyArchive's for a file. */
export async function verifyStream(input: Readable, label: string, opts: ScanOptions & { trusted?: readonly KeyObject[] } = {}): Promise<VerifiedArchive> {
  const checker = new ArchiveChecker(opts.trusted, label);
  return checker.finish(await scanTarStream(input, label, (entry) => checker.onEntry(entry), opts));
}

class Stopped extends ZbakError {
  constructor() {
    super('restore stopped before the archive was read');
  }
}

/**
 * Reads the front entries of the archive on `input`; rejects (ArchiveFormatError and
 * friends, as verify would) when they are not a valid zbak archive's. The rest waits,
 * with backpressure on `input`, until readStreams() or close().
 */
export async function openSequentialArchive(input: Readable, label: string, opts: ScanOptions & { trusted?: readonly KeyObject[] } = {}): Promise<SequentialArchive> {
  const checker = new ArchiveChecker(opts.trusted, label);
  let front: ArchiveFront | null = null;
  let frontReady!: (f: ArchiveFront) => void;
  const frontRead = new Promise<ArchiveFront>((resolve) => (frontReady = resolve));
  // Set once the caller decides: a handler to feed, or null (stop).
  let decide!: (h: StreamHandler | null) => void;
  const decided = new Promise<StreamHandler | null>((resolve) => (decide = resolve));
  let handler: StreamHandler | null = null;
  let reading: Reading | null = null;

  const endCurrent = async (): Promise<void> => {
    const r = reading;
    if (r === null) return;
    reading = null;
    await endStream(r, r.active.spec.id);
  };

  // The part's bytes go to the checker (hash, sizes, order) and on to the handler.
  async function* tee(name: string, first: boolean, data: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    // Runs at the checker's first read: it has accepted this part's name and place.
    if (first) {
      await endCurrent();
      const header = (front as ArchiveFront).header;
      const spec = streamOf(header.streams, name);
      const imageType = header.images.find((i) => i.uuid === spec.imageUuid)?.type;
      reading = newReading(start(spec, handler as StreamHandler), imageType, null);
    }
    const r = reading as Reading | null;
    if (r === null) throw new ZbakError(`${name}: internal error: a part with no stream`);
    for await (const chunk of data) {
      await onChunk(r, name, chunk);
      yield chunk;
    }
    // Through a pipe the trailer comes last: a BEGIN record that differs from the header
    // (damage or a rewrite) stops the restore now; the run undoes what it did.
    if (r.problem !== null) throw new ArchiveFormatError(`${r.problem.entry}: ${r.problem.message}`, r.problem.entry);
  }

  const onEntry = async (e: TarEntry): Promise<void> => {
    const kind = classifyEntryName(e.name);
    if (front === null && (kind?.kind === 'part' || kind?.kind === 'trailer')) {
      front = checker.front();
      if (front !== null) {
        frontReady(front);
        handler = await decided;
        if (handler === null) throw new Stopped();
      }
    }
    if (kind?.kind === 'trailer' && front !== null) await endCurrent();
    if (kind?.kind !== 'part' || front === null || e.type !== 'file') return checker.onEntry(e);
    return checker.onEntry({ ...e, data: tee(e.name, kind.index === 0, e.data) });
  };

  const pass = scanTarStream(input, label, onEntry, opts).then(
    (scan) => checker.finish(scan),
    async (err: unknown) => {
      // Stop the handler (e.g. zfs receive) and wait for it before reporting.
      const a = (reading as Reading | null)?.active;
      if (a && !a.outcome.done) {
        a.out.destroy(err instanceof Error ? err : new Error(String(err)));
        await a.settled;
      }
      throw err;
    },
  );
  pass.catch(() => undefined); // observed through frontRead's race, readStreams or close
  // The pass ends before the front when the input is not a complete front (or a stream-less archive).
  const first = await Promise.race([frontRead, pass.then(() => null)]);
  if (first === null) {
    await pass; // rejects with what is wrong; an archive with no streams has none (the header requires one)
    throw new ArchiveFormatError(`${HEADER_ENTRY}: the archive has no stream parts`, HEADER_ENTRY);
  }
  let used = false;
  return {
    front: first,
    async readStreams(onStream: StreamHandler): Promise<CheckedArchive> {
      if (used) throw new ZbakError('internal error: readStreams called twice');
      used = true;
      decide(onStream);
      return pass;
    },
    async close(): Promise<void> {
      decide(null);
      (reading as Reading | null)?.active.out.destroy(new Stopped());
      input.destroy(); // a sender that went quiet must not keep the restore waiting
      await pass.catch(() => undefined);
    },
  };
}

/** The stream a part belongs to (the checker has already matched its name to the header). */
function streamOf(streams: readonly StreamSpec[], part: string): StreamSpec {
  const kind = classifyEntryName(part);
  const spec = kind?.kind === 'part' ? streams.find((s) => s.id === kind.streamId) : undefined;
  if (!spec) throw new ZbakError(`${part}: internal error: no stream for this part`);
  return spec;
}
