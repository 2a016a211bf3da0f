// Ed25519 signatures of an archive (docs/FORMAT.md "Signatures"), with node:crypto, so that
// `openssl pkeyutl -verify -rawin` checks them by hand. Right after the front entries
// (header, vmadm.json, image records) come sig/signer.pub (the signing key, SPKI PEM),
// sig/front.txt (sha256sum lines of the front entries and of sig/signer.pub) and
// sig/front.sig (over front.txt); after the trailer, sig/trailer.sig (over the trailer's
// bytes, which list every entry's and part's sha256). A reader checks the front signature
// before it plans anything and the trailer signature before it commits.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ArchiveFormatError, ZbakError } from '../errors.js';
import { TRAILER_ENTRY, type EntrySum } from './format.js';

export const SIGNER_ENTRY = 'sig/signer.pub';
export const FRONT_LIST_ENTRY = 'sig/front.txt';
export const FRONT_SIG_ENTRY = 'sig/front.sig';
export const TRAILER_SIG_ENTRY = 'sig/trailer.sig';
/** The front signature entries, in archive order. */
export const FRONT_SIG_ENTRIES = [SIGNER_ENTRY, FRONT_LIST_ENTRY, FRONT_SIG_ENTRY] as const;
const SIGNATURE_SIZE = 64;
const MAX_KEY_PEM = 1024;
/** header + vmadm.json + up to a few hundred image records, ~85 bytes a line. */
const MAX_FRONT_LIST = 64 * 1024;

/** Largest size of each signature entry (readers refuse bigger ones before reading them). */
export function maxSigEntrySize(name: string): number {
  return name === SIGNER_ENTRY ? MAX_KEY_PEM : name === FRONT_LIST_ENTRY ? MAX_FRONT_LIST : SIGNATURE_SIZE;
}

/** Unsigned, or signed by a key given with --trust, refused otherwise (exit 15). */
export class UntrustedError extends ZbakError {
  override name = 'UntrustedError' as const;
  constructor(message: string) {
    super(message, 'untrusted');
  }
}

/** "SHA256:<base64>" of the key's DER SubjectPublicKeyInfo (docs/FORMAT.md shows the openssl line). */
export function keyFingerprint(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

function ed25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new ZbakError(`${what} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not Ed25519 (make one with zbak keygen --sign FILE)`, 'usage');
  return key;
}

/** A signing key file's text (PKCS#8 PEM, as zbak keygen --sign writes). */
export function parseSigningKey(pem: string, label: string): KeyObject {
  try {
    return ed25519(createPrivateKey(pem), `signing key ${label}`);
  } catch (err) {
    if (err instanceof ZbakError) throw err;
    throw new ZbakError(`signing key ${label} is not a PEM private key (make one with zbak keygen --sign FILE)`, 'usage');
  }
}

/** A trusted key file's text (SPKI PEM, the .pub that zbak keygen --sign writes). */
export function parseTrustedKey(pem: string, label: string): KeyObject {
  try {
    return ed25519(createPublicKey(pem), `trusted key ${label}`);
  } catch (err) {
    if (err instanceof ZbakError) throw err;
    throw new ZbakError(`trusted key ${label} is not a PEM public key (the FILE.pub of zbak keygen --sign FILE)`, 'usage');
  }
}

const sumLine = (e: { sha256: string; name: string }): string => `${e.sha256}  ${e.name}\n`;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The writer's side: the front entries' bytes (after the image records) and the trailer's signature. */
export class ArchiveSigner {
  private readonly pub: Buffer;

  constructor(private readonly key: KeyObject) {
    this.pub = Buffer.from(createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string, 'utf8');
  }

  /** The three front signature entries, for the front entries written so far. */
  front(frontSums: readonly EntrySum[]): Array<[string, Buffer]> {
    const list = Buffer.from([...frontSums, { name: SIGNER_ENTRY, sha256: sha256(this.pub) }].map(sumLine).join(''), 'utf8');
    return [
      [SIGNER_ENTRY, this.pub],
      [FRONT_LIST_ENTRY, list],
      [FRONT_SIG_ENTRY, sign(null, list, this.key)],
    ];
  }

  trailer(trailerBytes: Buffer): [string, Buffer] {
    return [TRAILER_SIG_ENTRY, sign(null, trailerBytes, this.key)];
  }
}

/** What a reader found: no signature, or the key that signed and whether it is trusted. */
export type SignatureStatus = { signed: false } | { signed: true; fingerprint: string; trusted: boolean };

/** One line for verify and inspect. */
export function describeSignature(s: SignatureStatus, trustGiven: boolean): string {
  if (!s.signed) return trustGiven ? 'unsigned' : 'unsigned (no signature entries)';
  return s.trusted ? `signed by ${s.fingerprint}, trusted` : `signed by ${s.fingerprint}, not trusted (no --trust)`;
}

function fail(entry: string, message: string): never {
  throw new ArchiveFormatError(`${entry}: ${message}`, entry);
}

/**
 * The reader's side, fed the signature entries and the trailer in archive order. With
 * trusted keys (--trust), an archive must be signed by one of them: `frontDone` (called when
 * the first part arrives) refuses an unsigned one, `onFrontSig` one signed by another key,
 * before anything is planned. Without, a signature present is still checked and reported.
 */
export class SignatureReader {
  private signer: KeyObject | null = null;
  private signerBytes: Buffer | null = null;
  private frontList: Buffer | null = null;
  private frontSigned = false;
  private trailerBytes: Buffer | null = null;
  private trailerSigned = false;
  /** name, size, sha256 of each signature entry read, for a later pass to match. */
  readonly sums: EntrySum[] = [];

  constructor(private readonly trusted: readonly KeyObject[] = []) {}

  /** The next signature entry in archive order; `frontSums` are the front entries read so far. */
  onEntry(name: string, bytes: Buffer, frontSums: readonly EntrySum[]): void {
    if (bytes.length > maxSigEntrySize(name)) fail(name, `entry is ${bytes.length} bytes, more than the ${maxSigEntrySize(name)} allowed`);
    const expected = this.expectedNext();
    if (name !== expected) fail(name, `out of order (expected ${expected ?? 'no signature entry'} here)`);
    this.sums.push({ name, size: bytes.length, sha256: sha256(bytes) });
    if (name === SIGNER_ENTRY) return this.onSigner(bytes);
    if (name === FRONT_LIST_ENTRY) return this.onFrontList(bytes, frontSums);
    if (name === FRONT_SIG_ENTRY) return this.onFrontSig(bytes);
    return this.onTrailerSig(bytes);
  }

  /** Which signature entry may come next (the trailer's only after the trailer). */
  expectedNext(): string | null {
    if (this.signerBytes === null) return this.trailerBytes === null ? SIGNER_ENTRY : null;
    if (this.frontList === null) return FRONT_LIST_ENTRY;
    if (!this.frontSigned) return FRONT_SIG_ENTRY;
    if (this.trailerBytes !== null && !this.trailerSigned) return TRAILER_SIG_ENTRY;
    return null;
  }

  private onSigner(bytes: Buffer): void {
    try {
      this.signer = createPublicKey(bytes.toString('utf8'));
    } catch {
      fail(SIGNER_ENTRY, 'not a PEM public key');
    }
    if (this.signer.asymmetricKeyType !== 'ed25519') fail(SIGNER_ENTRY, 'not an Ed25519 key');
    this.signerBytes = bytes;
  }

  private onFrontList(bytes: Buffer, frontSums: readonly EntrySum[]): void {
    const want = [...frontSums, { name: SIGNER_ENTRY, size: 0, sha256: sha256(this.signerBytes!) }].map(sumLine).join('');
    if (!bytes.equals(Buffer.from(want, 'utf8'))) {
      const got = bytes.toString('latin1').split('\n');
      const bad = want.split('\n').find((line, i) => line !== got[i]) ?? '';
      fail(FRONT_LIST_ENTRY, `does not list the front entries as they are (${bad.slice(66) || 'its length differs'}): changed or damaged`);
    }
    this.frontList = bytes;
  }

  private onFrontSig(bytes: Buffer): void {
    const signer = this.signer!;
    if (!verify(null, this.frontList!, signer, bytes))
      throw new UntrustedError(`${FRONT_SIG_ENTRY}: the signature over ${FRONT_LIST_ENTRY} does not match (${keyFingerprint(signer)}): the archive was changed`);
    this.frontSigned = true;
    this.checkTrusted();
  }

  /** The stream parts (or the trailer) begin: with --trust, the front must have been signed. */
  frontDone(label: string): void {
    if (this.trusted.length > 0 && !this.frontSigned) {
      if (this.signerBytes !== null) fail(FRONT_SIG_ENTRY, 'missing: the signature entries are incomplete');
      throw new UntrustedError(`${label} is not signed; --trust accepts only archives signed by a trusted key`);
    }
  }

  onTrailer(bytes: Buffer): void {
    this.trailerBytes = bytes;
  }

  private onTrailerSig(bytes: Buffer): void {
    if (!verify(null, this.trailerBytes!, this.signer!, bytes))
      throw new UntrustedError(`${TRAILER_SIG_ENTRY}: the signature over ${TRAILER_ENTRY} does not match (${keyFingerprint(this.signer!)}): the archive was changed`);
    this.trailerSigned = true;
  }

  /** After the last entry: a signed front needs its trailer signature (stripping it is tampering). */
  finish(): SignatureStatus {
    if (this.signerBytes !== null && !this.frontSigned) fail(FRONT_SIG_ENTRY, 'missing: the signature entries are incomplete');
    if (this.frontSigned && !this.trailerSigned)
      throw new UntrustedError(`${TRAILER_SIG_ENTRY}: missing after a signed front: the archive was cut or its signature removed`);
    return this.status();
  }

  status(): SignatureStatus {
    if (!this.frontSigned) return { signed: false };
    const signer = this.signer!;
    return { signed: true, fingerprint: keyFingerprint(signer), trusted: this.trusted.some((k) => k.equals(signer)) };
  }

  private checkTrusted(): void {
    if (this.trusted.length === 0) return;
    const signer = this.signer!;
    if (!this.trusted.some((k) => k.equals(signer)))
      throw new UntrustedError(`the archive is signed by ${keyFingerprint(signer)}, which is not a --trust key (${this.trusted.map(keyFingerprint).join(', ')})`);
  }
}
