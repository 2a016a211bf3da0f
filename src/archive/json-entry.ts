// Decoding of the JSON entries. Everything here is untrusted input: bounded size,
// strict UTF-8, version checked before the schema so a newer archive gets a clear error.
import type { ZodIssue } from 'zod';
import { ArchiveFormatError } from '../errors.js';
import {
  FORMAT_NAME,
  SUPPORTED_FORMAT_VERSIONS,
  HEADER_ENTRY,
  HeaderSchema,
  TRAILER_ENTRY,
  TrailerSchema,
  type Header,
  type Trailer,
} from './format.js';
import { checkHeader } from './header-check.js';

/** Largest header, vmadm.json or image manifest accepted (real ones are a few KiB). */
export const MAX_JSON_ENTRY_SIZE = 8 * 1024 * 1024;

/** The trailer grows with the number of parts (about 130 bytes each). */
export const maxTrailerSize = (partCount: number): number => MAX_JSON_ENTRY_SIZE + 256 * partCount;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 text of an entry. */
export function decodeText(name: string, bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ArchiveFormatError(`${name}: not valid UTF-8`, name);
  }
}

/** Parse an entry as JSON; the error names the entry. */
export function parseJsonEntry(name: string, bytes: Buffer): unknown {
  const text = decodeText(name, bytes);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ArchiveFormatError(`${name}: not valid JSON: ${(err as Error).message}`, name);
  }
}

/** One line summary of zod issues: "streams.0.to.guid: Invalid; format: ...". */
export function formatIssues(issues: readonly ZodIssue[]): string {
  const shown = issues.slice(0, 4).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  if (issues.length > shown.length) shown.push(`and ${issues.length - shown.length} more`);
  return shown.join('; ');
}

// The format name and major version are read before the schema: a version 2 header
// may look nothing like version 1, and "unsupported version" is the useful message.
function checkFormatAndVersion(name: string, raw: unknown): void {
  const obj = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  if (!obj) throw new ArchiveFormatError(`${name}: not a JSON object`, name);
  if (obj.format !== FORMAT_NAME)
    throw new ArchiveFormatError(`${name}: not a zbak archive (format is ${JSON.stringify(obj.format) ?? 'missing'})`, name);
  const version = obj.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version))
    throw new ArchiveFormatError(`${name}: formatVersion is missing or not an integer`, name);
  if (!SUPPORTED_FORMAT_VERSIONS.includes(version))
    throw new ArchiveFormatError(
      `archive format version ${version} is not supported by this zbak (supports ${SUPPORTED_FORMAT_VERSIONS.join(' and ')})`,
      name,
    );
}

/** Decode and fully check zbak.json: version, schema, then the GUID chain. */
export function parseHeader(bytes: Buffer): Header {
  const raw = parseJsonEntry(HEADER_ENTRY, bytes);
  checkFormatAndVersion(HEADER_ENTRY, raw);
  const parsed = HeaderSchema.safeParse(raw);
  if (!parsed.success)
    throw new ArchiveFormatError(`${HEADER_ENTRY}: invalid header: ${formatIssues(parsed.error.issues)}`, HEADER_ENTRY);
  checkHeader(parsed.data);
  return parsed.data;
}

/** Decode zbak-trailer.json (its content is compared with the archive by the caller). */
export function parseTrailer(bytes: Buffer): Trailer {
  const raw = parseJsonEntry(TRAILER_ENTRY, bytes);
  checkFormatAndVersion(TRAILER_ENTRY, raw);
  const parsed = TrailerSchema.safeParse(raw);
  if (!parsed.success)
    throw new ArchiveFormatError(`${TRAILER_ENTRY}: invalid trailer: ${formatIssues(parsed.error.issues)}`, TRAILER_ENTRY);
  return parsed.data;
}
