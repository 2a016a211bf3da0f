// Reading a .zbak: verifyArchive is the full check (pass 1); readStreams hands each
// stream to restore (pass 2), re-checking every part's sha256 as it goes by.
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { ArchiveFormatError, ZbakError } from '../errors.js';
import { ArchiveChecker, type VerifiedArchive } from './archive-checker.js';
import { TRAILER_ENTRY, type StreamSpec } from './format.js';
import { scanTar, type ScanOptions } from './tar-scan.js';
import { waitForDrain } from './stream-wait.js';

export type { VerifiedArchive } from './archive-checker.js';

/** Read the whole archive once (streaming) and check everything; throws ArchiveFormatError naming the bad entry. */
export async function verifyArchive(path: string, opts: ScanOptions = {}): Promise<VerifiedArchive> {
  const checker = new ArchiveChecker();
  const scan = await scanTar(path, (entry) => checker.onEntry(entry), opts);
  return checker.finish(scan);
}

interface Expected {
  name: string;
  size: number;
  sha256: string;
  /** Index into header.streams for parts, -1 for JSON entries and the trailer. */
  stream: number;
  first: boolean;
  last: boolean;
}

// The verified trailer fixes the whole layout, so pass 2 only has to match it.
function expectedLayout(v: VerifiedArchive): Expected[] {
  const json = v.trailer.entries.map((e) => ({ ...e, stream: -1, first: false, last: false }));
  const parts = v.trailer.streams.flatMap((s, i) =>
    s.parts.map((p, j) => ({ ...p, stream: i, first: j === 0, last: j === s.parts.length - 1 })),
  );
  return [...json, ...parts];
}

/** A stream handed to onStream, and how its handler ended. */
interface Active {
  spec: StreamSpec;
  out: PassThrough;
  settled: Promise<void>;
  outcome: { done: boolean; error: unknown };
}

function start(spec: StreamSpec, onStream: (spec: StreamSpec, data: Readable) => Promise<void>): Active {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
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
 * Pass 2 for restore: for each stream in header order, onStream(spec, data) gets the
 * concatenation of its parts; the next stream starts only after the handler resolved.
 * A part whose sha256 differs from the verified trailer destroys `data` with an error.
 */
export async function readStreams(
  path: string,
  verified: VerifiedArchive,
  onStream: (spec: StreamSpec, data: Readable) => Promise<void>,
): Promise<void> {
  const layout = expectedLayout(verified);
  let index = 0;
  let active: Active | null = null;
  try {
    await scanTar(path, async (entry) => {
      const exp = layout[index++];
      if (!exp) {
        if (entry.name === TRAILER_ENTRY && index === layout.length + 1) return;
        throw changed(entry.name, 'unexpected entry');
      }
      if (entry.name !== exp.name || entry.size !== exp.size || entry.type !== 'file')
        throw changed(entry.name, `expected ${exp.name} (${exp.size} bytes)`);
      if (exp.stream < 0) return; // JSON entries were checked by verifyArchive
      const spec = verified.header.streams[exp.stream] as StreamSpec;
      if (exp.first) active = start(spec, onStream);
      const a = active as unknown as Active;
      const hash = createHash('sha256');
      for await (const chunk of entry.data) {
        hash.update(chunk);
        await forward(a, chunk);
      }
      const actual = hash.digest('hex');
      if (actual !== exp.sha256) throw changed(exp.name, `sha256 is now ${actual}, verified as ${exp.sha256}`);
      if (exp.last) {
        a.out.end();
        await a.settled;
        if (a.outcome.error !== undefined) throw a.outcome.error;
        active = null;
      }
    });
    if (index < layout.length) throw changed(layout[index]?.name ?? TRAILER_ENTRY, 'missing');
  } catch (err) {
    // Stop the handler (e.g. zfs receive) and wait for it before reporting.
    const a = active as Active | null;
    if (a !== null && !a.outcome.done) {
      a.out.destroy(err instanceof Error ? err : new Error(String(err)));
      await a.settled;
    }
    throw err;
  }
}

function changed(entry: string, what: string): ArchiveFormatError {
  return new ArchiveFormatError(`${entry}: archive changed since it was verified: ${what}`, entry);
}
