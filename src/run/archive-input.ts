// Where verify, inspect and restore read an archive from: a plain file (read with seeks, as
// before), or a stream in one pass: standard input ('-') or an age-encrypted file, decrypted
// on the way (archive/age-input.ts). A missing or wrong identity is refused (exit 14) here,
// before anything else is read or changed.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { isEncryptedFile, plainArchiveStream } from '../archive/age-input.js';
import type { KeyObject } from 'node:crypto';
import type { Host } from '../host/host.js';
import type { RestorePlan } from '../plan/restore-plan.js';
import type { Log } from './commands.js';
import { runRestoreStream, type RestoreRunOptions } from './restore.js';
import { verifyStream } from '../archive/sequential-reader.js';

export interface ArchiveInput {
  /** The plain tar as a stream; undefined for a plain file, read by its path. */
  stream?: Readable;
  label: string;
  encrypted: boolean;
}

/** `source`: a file name, or standard input (`stdin` given). */
export async function archiveInput(file: string, identities: readonly string[], stdin?: () => Readable): Promise<ArchiveInput> {
  if (stdin) {
    const { encrypted, plain } = await plainArchiveStream(stdin(), identities, 'standard input');
    return { stream: plain, label: 'standard input', encrypted };
  }
  if (!(await isEncryptedFile(file))) return { label: file, encrypted: false };
  const { plain } = await plainArchiveStream(createReadStream(file, { highWaterMark: 1024 * 1024 }), identities, file);
  return { stream: plain, label: file, encrypted: true };
}

/**
 * Restores an encrypted file: in one decrypting pass like a pipe (commit only after every
 * hash and signature matched, else undone); with --force, a whole decrypt and verify pass
 * first (the old zone is set aside only for an archive checked whole), then that pass.
 */
export async function runRestoreEncrypted(host: Host, file: string, identities: readonly string[], opts: RestoreRunOptions, log: Log): Promise<RestorePlan> {
  if (opts.force && !opts.dryRun) {
    const first = await archiveInput(file, identities);
    const v = await verifyStream(first.stream!, file, { trusted: opts.trusted ?? [] });
    log(`verified ${file} (decrypted): ${v.header.streams.length} streams, checksums match; restoring in a second pass`);
  }
  const input = await archiveInput(file, identities);
  return runRestoreStream(host, input.stream!, file, { ...opts, checkedWhole: opts.force === true }, log);
}

export type { KeyObject };
