// The key flags and config keys: --sign KEYFILE, --trust PUBKEY, --identity FILE, --encrypt-to RECIPIENT and
// --recipients-file FILE (and their config keys), read and checked before anything runs, so a
// bad key file is a usage error (exit 2) or missing (exit 4) with no change to the host.
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { ConfigError, NotFoundError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { ArchiveSigner, parseSigningKey, parseTrustedKey } from '../archive/signature.js';
import { checkRecipient, confirmRecipients, parseIdentityFile, parseRecipientsFile } from '../archive/age-header.js';
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
export async function loadRecipients(encryptTo: readonly string[] | undefined, files: readonly string[] | undefined): Promise<string[]> {
  const recipients = [
    ...(encryptTo ?? []).map((r) => checkRecipient(r, '--encrypt-to')),
    ...(files ?? []).flatMap((f) => parseRecipientsFile(readKeyFile(f, '--recipients-file'), printable(f))),
  ];
  if (recipients.length > 0) await confirmRecipients(recipients, '--encrypt-to/--recipients-file');
  return recipients;
}

/**
 * A job's sign/encrypt_to/recipients_file/trust (docs/CONFIG.md). The files are host paths,
 * read through the Host like the config itself (so ZBAK_ROOT maps them in tests).
 */
export async function configKeys(
  host: Host,
  job: { sign?: string | undefined; encrypt_to?: string[] | undefined; recipients_file?: string | undefined },
): Promise<{ signer?: ArchiveSigner; recipients?: string[] }> {
  const read = async (path: string, key: string): Promise<string> => {
    const text = await host.readFile(path);
    if (text === undefined) throw new ConfigError(`config ${key}: ${printable(path)} does not exist`);
    return text;
  };
  const signer = job.sign ? new ArchiveSigner(parseSigningKey(await read(job.sign, 'sign'), printable(job.sign))) : undefined;
  const recipients = [
    ...(job.encrypt_to ?? []).map((r) => checkRecipient(r, 'config encrypt_to')),
    ...(job.recipients_file ? parseRecipientsFile(await read(job.recipients_file, 'recipients_file'), printable(job.recipients_file)) : []),
  ];
  if (recipients.length > 0) await confirmRecipients(recipients, 'config encrypt_to/recipients_file');
  return { ...(signer ? { signer } : {}), ...(recipients.length > 0 ? { recipients } : {}) };
}

/** The config's trust: files, read through the Host. */
export async function configTrust(host: Host, paths: readonly string[] | undefined): Promise<KeyObject[]> {
  const keys: KeyObject[] = [];
  for (const p of paths ?? []) {
    const text = await host.readFile(p);
    if (text === undefined) throw new ConfigError(`config trust: ${printable(p)} does not exist`);
    keys.push(parseTrustedKey(text, printable(p)));
  }
  return keys;
}

