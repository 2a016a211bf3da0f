// Reading a zstd-compressed archive (docs/FORMAT.md "Layers"): the bytes inside the age
// layer (or the file's own) go through a running `zstd -d` (started by run/ through the
// Host, with a window memory limit), and its output is the tar the readers check as
// always. Its stdout is read only as fast as the tar reader reads, so zstd and the input
// wait with it. Any zstd failure (a damaged frame, a window beyond the limit, trailing
// bytes) ends the stream with ArchiveFormatError (exit 12) before its end is reported, so a
// reader never takes a stream zstd refused as complete; zstd not installed is a UsageError
// naming the fix.
import { Readable } from 'node:stream';
import { ArchiveFormatError, UsageError } from '../errors.js';
import { neverStarted, type FilterProcess } from './filter-process.js';

export const ZSTD_MISSING =
  'the zstd command is not installed on this host; install it (SmartOS: pkgin install zstd; Debian: apt install zstd) and retry';

/** The decompressed bytes of `source` (a zstd stream) through `child` (`zstd -d -q -c`). */
export function decompressThrough(child: FilterProcess, source: Readable, label: string): Readable {
  const { stdin, stdout } = child;
  if (!stdin || !stdout) throw new Error('internal error: the decompressor needs piped stdin and stdout');
  let sourceError: { err: unknown } | null = null;
  // zstd may stop reading (it refused the input, or it was killed): its exit status says why.
  stdin.on('error', () => undefined);
  const feeding = (async () => {
    try {
      for await (const chunk of source) {
        if (stdin.destroyed) return;
        if (!stdin.write(chunk)) await drainOrClose(stdin);
      }
      stdin.end();
    } catch (err) {
      // The input failed (a damaged age payload, a read error): that is what gets reported.
      sourceError = { err };
      child.kill('SIGKILL');
    }
  })();

  async function* plain(): AsyncGenerator<Buffer> {
    let complete = false;
    try {
      for await (const chunk of stdout!) yield chunk as Buffer;
      // zstd's exit first: after a refusal the feeding may still be waiting for input.
      const r = await child.done;
      if (sourceError) throw (sourceError as { err: unknown }).err;
      if (neverStarted(r)) throw new UsageError(`${label} is zstd-compressed, but ${ZSTD_MISSING}`);
      if (r.exitCode !== 0) {
        // zstd's first line says what is wrong (later ones suggest flags zbak does not take).
        const said = r.stderrTail.trim().split('\n')[0]?.replace(/^(zstd: )?\/\*stdin\*\\ ?: /, '').trim();
        const why = r.signal ? `zstd was killed by ${r.signal}` : said || `zstd exited ${r.exitCode}`;
        throw new ArchiveFormatError(`${label}: the zstd layer does not decompress (${why})`);
      }
      await feeding; // done: zstd exits 0 only after its stdin ended
      complete = true;
    } finally {
      if (!complete) {
        child.kill('SIGKILL');
        source.destroy();
      }
    }
  }
  return Readable.from(plain(), { objectMode: false, highWaterMark: 256 * 1024 });
}

function drainOrClose(w: NodeJS.WritableStream & { once: (e: string, f: () => void) => unknown; off: (e: string, f: () => void) => unknown }): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      w.off('error', done);
      resolve();
    };
    w.once('drain', done);
    w.once('close', done);
    w.once('error', done);
  });
}
