// Emit one regular-file tar entry of a known size from a list of chunks, with backpressure.
import type { Pack } from 'tar-stream';
import { waitForDrain } from './stream-wait.js';

/** Mode of every entry: archives hold whole zones, so they are private to the owner. */
export const ENTRY_MODE = 0o600;

/** Bytes an entry occupies in the tar: one ustar header block, then data padded to 512. */
export const tarEntryBytes = (size: number): number => 512 + Math.ceil(size / 512) * 512;

/** Resolves once the packer has taken every byte of the entry (not when it reached the disk). */
export function writeTarEntry(pack: Pack, name: string, chunks: readonly Buffer[], size: number, mtime: Date): Promise<void> {
  // Short ASCII names fit a plain ustar header (no pax), which keeps tarEntryBytes exact.
  if (!/^[\x21-\x7e]{1,100}$/.test(name)) return Promise.reject(new Error(`tar entry name not ustar-safe: ${name}`));
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve();
    };
    let sink: ReturnType<Pack['entry']>;
    try {
      sink = pack.entry(
        { name, size, mode: ENTRY_MODE, mtime, type: 'file', uid: 0, gid: 0, uname: 'root', gname: 'root' },
        (err) => settle(err ?? undefined),
      );
    } catch (err) {
      settle(err);
      return;
    }
    const entry = sink;
    entry.on('error', settle);
    void (async () => {
      for (const chunk of chunks) {
        if (!entry.write(chunk)) await waitForDrain(entry, `tar entry ${name}`);
      }
      entry.end(undefined); // streamx's typings want an argument
    })().catch(settle);
  });
}
