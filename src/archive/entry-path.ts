// Tar entry names are untrusted input: check them before anything else looks at them,
// then classify them into the handful of names a .zbak may contain.
import { HEADER_ENTRY, TRAILER_ENTRY, VMADM_ENTRY } from './format.js';
import { FRONT_SIG_ENTRIES, TRAILER_SIG_ENTRY } from './signature.js';

export type EntryKind =
  | { kind: 'header' }
  | { kind: 'vmadm' }
  | { kind: 'image'; imageUuid: string }
  | { kind: 'part'; streamId: string; index: number }
  | { kind: 'trailer' }
  /** sig/signer.pub, sig/front.txt, sig/front.sig, sig/trailer.sig (signature.ts) */
  | { kind: 'sig' };

const MAX_NAME_LENGTH = 255;
const IMAGE_RE = /^images\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;
const PART_RE = /^streams\/(s[0-9]{2,4})\/([0-9]{6})$/;

/** Printable form of an untrusted name for error messages (no control characters). */
export function displayName(rawName: string): string {
  const escaped = JSON.stringify(rawName.length > 120 ? `${rawName.slice(0, 120)}…` : rawName);
  return escaped.slice(1, -1);
}

/**
 * Why a raw entry name is unsafe to extract, or null when it is a plain relative path.
 * Checked independently of the expected names so the message says what is hostile.
 */
export function unsafeNameReason(rawName: string): string | null {
  if (rawName.length === 0) return 'empty name';
  if (rawName.length > MAX_NAME_LENGTH) return `name longer than ${MAX_NAME_LENGTH} characters`;
  if (rawName.includes('\0')) return 'NUL byte in name';
  if (rawName.includes('\\')) return 'backslash in name';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(rawName)) return 'control character in name';
  if (rawName.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(rawName)) return 'drive-letter path';
  const segments = rawName.split('/');
  if (segments.includes('..')) return "'..' path component";
  if (segments.includes('.')) return "'.' path component";
  if (segments.includes('')) return 'empty path component (leading, trailing or double slash)';
  return null;
}

/** Classify a name that passed `unsafeNameReason`; null means it is not a .zbak entry name. */
export function classifyEntryName(name: string): EntryKind | null {
  if (name === HEADER_ENTRY) return { kind: 'header' };
  if (name === VMADM_ENTRY) return { kind: 'vmadm' };
  if (name === TRAILER_ENTRY) return { kind: 'trailer' };
  if ((FRONT_SIG_ENTRIES as readonly string[]).includes(name) || name === TRAILER_SIG_ENTRY) return { kind: 'sig' };
  const image = IMAGE_RE.exec(name);
  if (image?.[1]) return { kind: 'image', imageUuid: image[1] };
  const part = PART_RE.exec(name);
  if (part?.[1] && part[2]) return { kind: 'part', streamId: part[1], index: Number(part[2]) };
  return null;
}
