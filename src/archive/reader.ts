// Reading a .zbak. verifyArchive is the full check (`zbak verify`, and `restore --force`
// before it changes anything). readStreams is restore's data pass: it hands each stream to
// the restore while it hashes each part once against the trailer, checks each stream's
// BEGIN record before any of its bytes go on, re-checks the JSON entries and the end of the
// archive. After structure-check.ts it is the only read of the stream bytes.
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { ArchiveFormatError, ZbakError } from '../errors.js';
import { ArchiveChecker, type CheckedArchive, type VerifiedArchive } from './archive-checker.js';
import { TRAILER_ENTRY, type StreamSpec } from './format.js';
import { recordRead } from './read-count.js';
import { SendStreamError, SendStreamParser } from './send-stream.js';
import { beginMismatch } from './stream-begin-check.js';
import { scanTar, type ScanOptions } from './tar-scan.js';
import { NotPlainTarError, scanPlainTar } from './plain-tar-scan.js';
import { waitForDrain } from './stream-wait.js';
import { TRAILER_SIG_ENTRY } from './signature.js';
import type { KeyObject } from 'node:crypto';

export type { CheckedArchive, VerifiedArchive } from './archive-checker.js';

/** tar writes two zero blocks after the last entry; fewer means the file was cut. */
const END_OF_ARCHIVE_BYTES = 1024;

/** Read the whole archive once (streaming) and check everything; throws ArchiveFormatError naming the bad entry. */
export async function verifyArchive(path: string, opts: ScanOptions & { trusted?: readonly KeyObject[] } = {}): Promise<VerifiedArchive> {
  const counted = countingReads(opts);
  try {
    const check = async (scan: typeof scanTar): Promise<VerifiedArchive> => {
      const checker = new ArchiveChecker(opts.trusted, path);
      return checker.finish(await scan(path, (entry) => checker.onEntry(entry), counted.opts));
    };
    try {
      return await check(scanPlainTar);
    } catch (err) {
      // Not the plain tar zbak writes: tar-stream reads every form and names what is wrong.
      if (!(err instanceof NotPlainTarError)) throw err;
      return await check(scanTar);
    }
  } finally {
    recordRead('verify', counted.bytes());
  }
}

/** Scan options that also count the bytes read, for the ZBAK_READ_COUNT hook (failed passes too). */
function countingReads(opts: ScanOptions): { opts: ScanOptions; bytes: () => number } {
  let n = 0;
  return { opts: { onRead: (bytes) => ((n += bytes), opts.onRead?.(bytes)) }, bytes: () => n };
}

interface Expected {
  name: string;
  size: number;
  sha256: string;
  /** Index into header.streams for parts, -1 for JSON entries. */
  stream: number;
  first: boolean;
  last: boolean;
}

// The checked trailer fixes the whole layout, so the data pass only has to match it.
function expectedLayout(v: CheckedArchive): Expected[] {
  const front = [...v.trailer.entries, ...v.sigSums.filter((e) => e.name !== TRAILER_SIG_ENTRY)];
  const json = front.map((e) => ({ ...e, stream: -1, first: false, last: false }));
  const parts = v.trailer.streams.flatMap((s, i) =>
    s.parts.map((p, j) => ({ ...p, stream: i, first: j === 0, last: j === s.parts.length - 1 })),
  );
  return [...json, ...parts];
}

/** A stream handed to onStream, and how its handler ended (also used by sequential-reader.ts). */
export interface Active {
  spec: StreamSpec;
  out: PassThrough;
  settled: Promise<void>;
  outcome: { done: boolean; error: unknown };
}

export function start(spec: StreamSpec, onStream: (spec: StreamSpec, data: Readable) => Promise<void>): Active {
  // The reader gets each chunk as it was written: a byte-mode read() joins what is buffered
  // into a new Buffer (a 512-byte piece at every part boundary made one), a copy of every
  // byte and as much garbage again (npm run bench, 2 GiB restore: about 1 s less CPU, and
  // peak RSS 107–112 MiB → 98–106).
  const out = new PassThrough({ writableHighWaterMark: 1024 * 1024, readableObjectMode: true, readableHighWaterMark: 2 });
  // The handler sees errors through its own reads; this listener only keeps an
  // unobserved destroy(err) from crashing the process.
  out.on('error', () => undefined);
  const outcome = { done: false, error: undefined as unknown };
  const settled = Promise.resolve()
    .then(() => onStream(spec, out))
    .then(
      () => void (outcome.done = true),
      (err: unknown) => void ((outcome.done = true), (outcome.error = err ?? new Error('stream handler failed'))),
    );
  return { spec, out, settled, outcome };
}

/** Throw the handler's error, or complain that it returned before reading everything. */
function checkHandler(a: Active): void {
  if (!a.outcome.done) return;
  if (a.outcome.error !== undefined) throw a.outcome.error;
  throw new ZbakError(`stream ${a.spec.id}: the handler returned before reading the whole stream`);
}

async function forward(a: Active, chunk: Buffer): Promise<void> {
  checkHandler(a);
  if (a.out.write(chunk)) return;
  await Promise.race([waitForDrain(a.out, `stream ${a.spec.id}`).catch(() => undefined), a.settled]);
  checkHandler(a);
  if (a.out.destroyed) throw new ZbakError(`stream ${a.spec.id}: the handler closed the stream before its end`);
}

/**
 * The stream being read. Its first bytes are held back until its BEGIN record has been
 * parsed and matches the header (`zfs receive` acts on that record); its records are walked
 * to the end (`walk`), so a stream cut short or with bytes after its END is named; a
 * version 1 archive also needs `whole`, the hash of the stream's bytes.
 */
export interface Reading {
  active: Active;
  imageType: string | undefined;
  walk: SendStreamParser;
  /** The BEGIN record matched the header: bytes go straight on. */
  compared: boolean;
  held: Buffer[];
  problem: { entry: string; message: string } | null;
  whole: Hash | null;
}

/** A Reading of `spec`'s stream, its bytes going to `active`. */
export function newReading(active: Active, imageType: string | undefined, whole: Hash | null): Reading {
  return { active, imageType, walk: new SendStreamParser(), compared: false, held: [], problem: null, whole };
}

export async function onChunk(r: Reading, part: string, chunk: Buffer): Promise<void> {
  r.whole?.update(chunk);
  if (r.problem !== null) return;
  let begin;
  try {
    begin = r.walk.push(chunk);
  } catch (err) {
    if (!(err instanceof SendStreamError)) throw err;
    r.problem = { entry: part, message: err.message };
    return;
  }
  if (r.compared) return forward(r.active, chunk);
  r.held.push(Buffer.from(chunk));
  if (begin === null) return;
  r.compared = true;
  const message = beginMismatch(r.active.spec, begin, r.imageType);
  if (message !== null) {
    r.problem = { entry: part, message };
    return;
  }
  const held = r.held;
  r.held = [];
  for (const h of held) await forward(r.active, h);
}

/**
 * Restore's data pass: for each stream in header order, onStream(spec, data) gets the
 * concatenation of its parts; the next stream starts only after the handler resolved. A
 * part whose sha256 differs from the trailer, or a BEGIN record that differs from the header
 * (reported only when its part's sha256 matched: damage is reported as damage), destroys
 * `data` with an error naming the part and rejects. Resolves once the end of the archive
 * was read too, so a caller that commits after it has had every byte checked.
 */
export async function readStreams(
  path: string,
  archive: CheckedArchive,
  onStream: (spec: StreamSpec, data: Readable) => Promise<void>,
  opts: ScanOptions = {},
): Promise<void> {
  const { header, trailer } = archive;
  const layout = expectedLayout(archive);
  const trailerSig = archive.sigSums.find((e) => e.name === TRAILER_SIG_ENTRY);
  let index = 0;
  let reading: Reading | null = null;
  const counted = countingReads(opts);
  try {
    const scan = await scanTar(path, async (entry) => {
      const exp = layout[index++];
      if (!exp) {
        if (entry.name === TRAILER_ENTRY && index === layout.length + 1) return;
        // The trailer's signature, checked with the trailer by the structure pass: the same bytes.
        if (trailerSig && entry.name === TRAILER_SIG_ENTRY && index === layout.length + 2) {
          const hash = createHash('sha256');
          for await (const chunk of entry.data) hash.update(chunk);
          return matchSum({ ...trailerSig, stream: -1, first: false, last: false }, hash);
        }
        throw changed(entry.name, 'unexpected entry');
      }
      if (entry.name !== exp.name || entry.size !== exp.size || entry.type !== 'file')
        throw changed(entry.name, `expected ${exp.name} (${exp.size} bytes)`);
      const hash = createHash('sha256');
      if (exp.stream < 0) {
        // The JSON entries the structure pass read must still be the same bytes.
        for await (const chunk of entry.data) hash.update(chunk);
        return matchSum(exp, hash);
      }
      const spec = header.streams[exp.stream] as StreamSpec;
      if (exp.first) {
        const imageType = header.images.find((i) => i.uuid === spec.imageUuid)?.type;
        const whole = header.formatVersion === 1 ? createHash('sha256') : null;
        reading = newReading(start(spec, onStream), imageType, whole);
      }
      const r = reading as unknown as Reading;
      for await (const chunk of entry.data) {
        hash.update(chunk);
        await onChunk(r, exp.name, chunk);
      }
      matchSum(exp, hash);
      if (r.problem !== null) throw new ArchiveFormatError(`${r.problem.entry}: ${r.problem.message}`, r.problem.entry);
      if (exp.last) await endStream(r, exp.name, trailer.streams[exp.stream]!.sha256);
      if (exp.last) reading = null;
    }, counted.opts);
    if (index < layout.length) throw changed(layout[index]?.name ?? TRAILER_ENTRY, 'missing');
    if (index === layout.length) throw changed(TRAILER_ENTRY, 'missing');
    if (trailerSig && index === layout.length + 1) throw changed(TRAILER_SIG_ENTRY, 'missing');
    if (scan.bytesAfterLastEntry < END_OF_ARCHIVE_BYTES)
      throw new ArchiveFormatError(`${TRAILER_ENTRY}: the archive is truncated: the end-of-archive blocks after the trailer are missing`, TRAILER_ENTRY);
  } catch (err) {
    // Stop the handler (e.g. zfs receive) and wait for it before reporting.
    const a = (reading as Reading | null)?.active;
    if (a && !a.outcome.done) {
      a.out.destroy(err instanceof Error ? err : new Error(String(err)));
      await a.settled;
    }
    throw err;
  } finally {
    recordRead('data', counted.bytes());
  }
}

/**
 * The last part of a stream: a stream whose records end elsewhere (or never had a BEGIN),
 * the version 1 stream sum (when the trailer is known already), then end of data.
 */
export async function endStream(r: Reading, part: string, listedDigest?: string): Promise<void> {
  if (r.problem === null) {
    try {
      r.walk.finish();
    } catch (err) {
      if (!(err instanceof SendStreamError)) throw err;
      throw new ArchiveFormatError(`${part}: ${err.message}`, part);
    }
  }
  const id = r.active.spec.id;
  if (r.whole !== null && listedDigest !== undefined) {
    const actual = r.whole.digest('hex');
    if (actual !== listedDigest)
      throw new ArchiveFormatError(`stream ${id}: sha256 mismatch: archive has ${actual}, trailer says ${listedDigest}`, `stream ${id}`);
  }
  r.active.out.end();
  await r.active.settled;
  if (r.active.outcome.error !== undefined) throw r.active.outcome.error;
}

function matchSum(exp: Expected, hash: Hash): void {
  const actual = hash.digest('hex');
  if (actual !== exp.sha256) throw new ArchiveFormatError(`${exp.name}: sha256 mismatch: archive has ${actual}, trailer says ${exp.sha256}`, exp.name);
}

function changed(entry: string, what: string): ArchiveFormatError {
  return new ArchiveFormatError(`${entry}: archive changed since it was checked: ${what}`, entry);
}
