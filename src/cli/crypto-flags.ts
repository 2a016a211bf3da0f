// The key flags: --sign KEYFILE, --trust PUBKEY, --identity FILE, --encrypt-to RECIPIENT and
// --recipients-file FILE (and their config keys), read and checked before anything runs, so a
// bad key file is a usage error (exit 2) or missing (exit 4) with no change to the host.
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { NotFoundError, UsageError } from '../errors.js';
import { ArchiveSigner, parseSigningKey, parseTrustedKey } from '../archive/signature.js';
import { checkRecipient, parseIdentityFile, parseRecipientsFile } from '../archive/age-header.js';
import { printable } from '../model/printable.js';

function readKeyFile(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`${flag} ${printable(path)}: no such file`);
    throw new UsageError(`${flag} ${printable(path)}: cannot read it (${code ?? 'error'})`);
  }
}

export function loadSigner(path: string | undefined): ArchiveSigner | undefined {
  if (path === undefined) return undefined;
  return new ArchiveSigner(parseSigningKey(readKeyFile(path, '--sign'), printable(path)));
}

export function loadTrusted(paths: readonly string[] | undefined): KeyObject[] {
  return (paths ?? []).map((p) => parseTrustedKey(readKeyFile(p, '--trust'), printable(p)));
}

export function loadIdentities(paths: readonly string[] | undefined): string[] {
  return (paths ?? []).flatMap((p) => parseIdentityFile(readKeyFile(p, '--identity'), printable(p)));
}

/** The recipients of --encrypt-to and --recipients-file together (none: not encrypted). */
export function loadRecipients(encryptTo: readonly string[] | undefined, files: readonly string[] | undefined): string[] {
  return [
    ...(encryptTo ?? []).map((r) => checkRecipient(r, '--encrypt-to')),
    ...(files ?? []).flatMap((f) => parseRecipientsFile(readKeyFile(f, '--recipients-file'), printable(f))),
  ];
}

/** yargs gives a repeated string option as a string or an array. */
export const manyStrings = (v: unknown): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);
