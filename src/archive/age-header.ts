// The header of an age v1 file (recipient stanzas, header MAC) is made and checked by the
// age-encryption package (FiloSottile's typage), not by zbak: zbak only writes the payload
// (age-payload.ts). The file key comes from a Recipient that sees it while the package
// wraps it for the real recipients; on decrypt, Decrypter.decryptHeader returns it.
import type { Recipient } from 'age-encryption';
import { ArchiveFormatError, ZbakError } from '../errors.js';

// Loaded on first use: an unencrypted save or restore does not pay for the package and its
// curves (about 7 MiB of start-up memory, issue 8).
const age = (): Promise<typeof import('age-encryption')> => import('age-encryption');

/** The first line of every age v1 file (its "magic"). */
export const AGE_MAGIC = 'age-encryption.org/v1\n';
/** A header longer than this is refused (a few hundred X25519 recipients fit). */
export const MAX_AGE_HEADER = 256 * 1024;
/** An empty payload: its nonce and one sealed empty chunk. */
const EMPTY_PAYLOAD_SIZE = 16 + 16;

/** An encrypted archive without a matching --identity (exit 14). */
export class IdentityError extends ZbakError {
  override name = 'IdentityError' as const;
  constructor(message: string) {
    super(message, 'identity');
  }
}

/** Whether `bytes` (the start of a file) is an age v1 file. */
export function isAgeFile(start: Uint8Array): boolean {
  return Buffer.from(start.subarray(0, AGE_MAGIC.length)).toString('latin1') === AGE_MAGIC;
}

/** A new age header for `recipients` (age1… strings) and the file key it wraps. */
export async function makeAgeHeader(recipients: readonly string[]): Promise<{ header: Buffer; fileKey: Uint8Array }> {
  if (recipients.length === 0) throw new ZbakError('internal error: encryption without recipients');
  const { Encrypter } = await age();
  const encrypter = new Encrypter();
  for (const r of recipients) encrypter.addRecipient(r);
  let fileKey: Uint8Array | null = null;
  const capture: Recipient = {
    wrapFileKey(key) {
      fileKey = Uint8Array.from(key);
      return []; // no stanza of its own: the header is exactly the real recipients'
    },
  };
  encrypter.addRecipient(capture);
  // The package encrypts an empty file; its header is everything before the empty payload.
  const whole = await encrypter.encrypt(new Uint8Array(0));
  if (fileKey === null) throw new ZbakError('internal error: age did not hand over the file key');
  return { header: Buffer.from(whole.subarray(0, whole.length - EMPTY_PAYLOAD_SIZE)), fileKey };
}

const notRecipient = (r: string, where: string): ZbakError =>
  new ZbakError(`${where}: '${r.slice(0, 80)}' is not an age recipient (age1…, as zbak keygen or age-keygen -y prints)`, 'usage');

/** Refuses what cannot be an age recipient by its form (the package's own check: confirmRecipients). */
export function checkRecipient(r: string, where: string): string {
  if (!/^age1[0-9a-z]+$/.test(r)) throw notRecipient(r, where);
  return r;
}

/** Refuses any recipient the age package cannot encrypt to (before the save changes anything). */
export async function confirmRecipients(recipients: readonly string[], where: string): Promise<void> {
  const { Encrypter } = await age();
  for (const r of recipients) {
    try {
      new Encrypter().addRecipient(r);
    } catch {
      throw notRecipient(r, where);
    }
  }
}

/**
 * Where the header ends in `buf` (the offset after the MAC line "--- …\n"), or -1 when
 * `buf` does not hold all of it yet. Throws on a buffer that is not an age header.
 */
export function ageHeaderEnd(buf: Buffer): number {
  const probe = buf.subarray(0, Math.min(buf.length, AGE_MAGIC.length));
  if (!Buffer.from(AGE_MAGIC, 'latin1').subarray(0, probe.length).equals(probe))
    throw new ArchiveFormatError('not an age-encrypted file (no age-encryption.org/v1 line)');
  let from = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, from);
    if (nl < 0) break;
    if (buf[from] === 0x2d && buf[from + 1] === 0x2d && buf[from + 2] === 0x2d && buf[from + 3] === 0x20) return nl + 1;
    from = nl + 1;
  }
  if (buf.length > MAX_AGE_HEADER) throw new ArchiveFormatError(`age header longer than ${MAX_AGE_HEADER} bytes`);
  return -1;
}

/** The file key of an age header, for one of `identities` (AGE-SECRET-KEY-1… strings). */
export async function unwrapAgeHeader(header: Buffer, identities: readonly string[], label: string): Promise<Uint8Array> {
  if (identities.length === 0) throw new IdentityError(`${label} is encrypted (age); give the key with --identity FILE`);
  const { Decrypter } = await age();
  const d = new Decrypter();
  for (const id of identities) d.addIdentity(id);
  try {
    return await d.decryptHeader(header);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (/no identity matched/.test(why))
      throw new IdentityError(`${label} is encrypted to other keys: none of the --identity keys (${identities.length}) opens it`);
    throw new ArchiveFormatError(`${label}: damaged or invalid age header (${why.slice(0, 120)})`);
  }
}

/** The identities (AGE-SECRET-KEY-1… lines) of an age identity file's text. */
export function parseIdentityFile(text: string, label: string): string[] {
  const ids: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^AGE-SECRET-KEY-1[0-9A-Z]+$/.test(line))
      throw new ZbakError(`identity file ${label}: a line is not an age identity (AGE-SECRET-KEY-1…); make one with zbak keygen`, 'usage');
    ids.push(line);
  }
  if (ids.length === 0) throw new ZbakError(`identity file ${label} holds no age identity (AGE-SECRET-KEY-1…)`, 'usage');
  return ids;
}

/** The recipients of an age recipients file's text (one per line, # comments, blank lines). */
export function parseRecipientsFile(text: string, label: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(checkRecipient(line, `recipients file ${label}`));
  }
  if (out.length === 0) throw new ZbakError(`recipients file ${label} names no recipient`, 'usage');
  return out;
}

/** A new X25519 identity and its recipient. */
export async function newAgeIdentity(): Promise<{ identity: string; recipient: string }> {
  const { generateX25519Identity, identityToRecipient } = await age();
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}
