// Where verify, inspect and restore read an archive from: a plain tar file (read with seeks,
// as before), or a stream in one pass: standard input ('-'), or a file with an outer layer
// (docs/FORMAT.md "Layers"): age-encrypted, decrypted on the way (archive/age-stream.ts: the
// identity is checked before any payload is read), and zstd-compressed, decompressed through
// `zstd -d` run by the Host (archive/zstd-input.ts). The first bytes decide, peeked and put
// back (archive/layers.ts).
// A missing or wrong identity is refused (exit 14) here, before anything else is read or
// changed; a damaged layer fails the stream (exit 12), which the readers refuse.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { decryptAgeStream } from '../archive/age-stream.js';
import { fileOuterLayer, LAYER_PEEK, outerLayer, peekStream, ZSTD_MAGIC, type OuterLayer } from '../archive/layers.js';
import { decompressThrough } from '../archive/zstd-input.js';
import { zstd } from '../plan/argv.js';
import type { KeyObject } from 'node:crypto';
import type { Host } from '../host/host.js';
import type { RestorePlan } from '../plan/restore-plan.js';
import type { Log } from './commands.js';
import { runRestoreStream, type RestoreRunOptions } from './restore.js';
import { verifyStream } from '../archive/sequential-reader.js';

export interface ArchiveInput {
  /** The plain tar as a stream; undefined for a plain tar file, read by its path. */
  stream?: Readable;
  label: string;
  encrypted: boolean;
  compressed: boolean;
}

/** `source`: a file name, or standard input (`stdin` given). */
export async function archiveInput(host: Host, file: string, identities: readonly string[], stdin?: () => Readable): Promise<ArchiveInput> {
  if (stdin) return layeredInput(host, stdin(), identities, 'standard input');
  if ((await fileOuterLayer(file)) === 'tar') return { label: file, encrypted: false, compressed: false };
  return layeredInput(host, createReadStream(file, { highWaterMark: 1024 * 1024 }), identities, file);
}

/** Whether `file` must be read in one pass (it has an age or zstd layer around its tar). */
export async function isLayeredFile(file: string): Promise<boolean> {
  return (await fileOuterLayer(file)) !== 'tar';
}

/** The tar inside `source`: decrypted (age), then decompressed (zstd), each when its magic says so. */
async function layeredInput(host: Host, source: Readable, identities: readonly string[], label: string): Promise<ArchiveInput> {
  let { head, stream } = await peekStream(source, LAYER_PEEK);
  let layer: OuterLayer = outerLayer(head);
  const encrypted = layer === 'age';
  if (encrypted) {
    ({ head, stream } = await peekStream(await decryptAgeStream(stream, identities, label), ZSTD_MAGIC.length));
    layer = outerLayer(head) === 'zstd' ? 'zstd' : 'tar'; // age inside age is not a zbak layer: the tar reader refuses it
  }
  if (layer !== 'zstd') return { stream, label, encrypted, compressed: false };
  const child = host.spawn(zstd.decompress(), { stdin: 'pipe', stdout: 'pipe' });
  return { stream: decompressThrough(child, stream, label), label, encrypted, compressed: true };
}

/**
 * Restores an encrypted or compressed file: in one pass like a pipe (commit only after every
 * hash and signature matched, else undone); with --force, a whole verify pass first (the old
 * zone is set aside only for an archive checked whole), then that pass.
 */
export async function runRestoreLayered(host: Host, file: string, identities: readonly string[], opts: RestoreRunOptions, log: Log): Promise<RestorePlan> {
  if (opts.force && !opts.dryRun) {
    const first = await archiveInput(host, file, identities);
    const v = await verifyStream(first.stream!, file, { trusted: opts.trusted ?? [] });
    log(`verified ${file} (${layerWords(first)}): ${v.header.streams.length} streams, checksums match; restoring in a second pass`);
  }
  const input = await archiveInput(host, file, identities);
  return runRestoreStream(host, input.stream!, file, { ...opts, checkedWhole: opts.force === true }, log);
}

/** "decrypted, decompressed" as applies (verify's OK line, restore's log). */
export function layerWords(input: Pick<ArchiveInput, 'encrypted' | 'compressed'>): string {
  return [input.encrypted ? 'decrypted' : '', input.compressed ? 'decompressed' : ''].filter(Boolean).join(', ');
}

export type { KeyObject };
