// Compare the trailer with what the verify pass computed. The trailer is untrusted too:
// it must list exactly the entries and parts that are in the tar, with matching sums.
import { ArchiveFormatError } from '../errors.js';
import { TRAILER_ENTRY, streamPartEntry, type EntrySum, type Header, type Trailer } from './format.js';
import { partListDigest } from './stream-digest.js';

/** A stream as read from the archive: its parts and stream digest (as the format version defines it). */
export interface SeenStream {
  id: string;
  size: number;
  sha256: string;
  parts: EntrySum[];
}

function mismatch(entry: string, what: string, actual: string | number, listed: string | number): never {
  throw new ArchiveFormatError(`${entry}: ${what} mismatch: archive has ${actual}, trailer says ${listed}`, entry);
}

function compareSums(seen: readonly EntrySum[], listed: readonly EntrySum[], what: string): void {
  for (let i = 0; i < Math.max(seen.length, listed.length); i++) {
    const s = seen[i];
    const l = listed[i];
    if (!s) throw new ArchiveFormatError(`${TRAILER_ENTRY}: lists ${what} ${l?.name ?? '?'}, which is not in the archive`, TRAILER_ENTRY);
    if (!l) throw new ArchiveFormatError(`${s.name}: not listed in ${TRAILER_ENTRY}`, s.name);
    if (l.name !== s.name)
      throw new ArchiveFormatError(`${TRAILER_ENTRY}: lists ${l.name} where the archive has ${s.name}`, TRAILER_ENTRY);
    if (l.size !== s.size) mismatch(s.name, 'size', s.size, l.size);
    if (l.sha256 !== s.sha256) mismatch(s.name, 'sha256', s.sha256, l.sha256);
  }
}

/** Throws ArchiveFormatError naming the first entry whose size or sha256 differs. */
export function checkTrailer(trailer: Trailer, jsonSums: readonly EntrySum[], streams: readonly SeenStream[]): void {
  compareSums(jsonSums, trailer.entries, 'entry');
  for (let i = 0; i < Math.max(streams.length, trailer.streams.length); i++) {
    const s = streams[i];
    const l = trailer.streams[i];
    if (!s || !l || s.id !== l.id)
      throw new ArchiveFormatError(
        `${TRAILER_ENTRY}: lists stream ${l?.id ?? '(none)'} where the archive has ${s?.id ?? '(none)'}`,
        TRAILER_ENTRY,
      );
    compareSums(s.parts, l.parts, `part of stream ${s.id}`);
    if (l.size !== s.size) mismatch(`stream ${s.id}`, 'size', s.size, l.size);
    if (l.sha256 !== s.sha256) mismatch(`stream ${s.id}`, 'sha256', s.sha256, l.sha256);
  }
}

/**
 * What the trailer must say of itself, before any stream byte is compared with it: the
 * header's version, one stream per header stream in order, parts named in index order,
 * sizes that add up, and (version 2) each stream digest made from its own part list.
 */
function fail(what: string): never {
  throw new ArchiveFormatError(`${TRAILER_ENTRY}: ${what}`, TRAILER_ENTRY);
}

export function checkTrailerShape(trailer: Trailer, header: Header): void {
  if (trailer.formatVersion !== header.formatVersion)
    fail(`formatVersion ${trailer.formatVersion} differs from the header's ${header.formatVersion}`);
  for (let i = 0; i < Math.max(header.streams.length, trailer.streams.length); i++) {
    const spec = header.streams[i];
    const t = trailer.streams[i];
    if (!spec || !t || spec.id !== t.id) fail(`lists stream ${t?.id ?? '(none)'} where the header has ${spec?.id ?? '(none)'}`);
    let size = 0;
    for (const [j, p] of t.parts.entries()) {
      const name = streamPartEntry(t.id, j);
      if (p.name !== name) fail(`lists part ${p.name} where stream ${t.id} has ${name}`);
      size += p.size;
    }
    if (size !== t.size) mismatch(`stream ${t.id}`, 'size', `${size} in its parts`, t.size);
    if (header.formatVersion >= 2) {
      const digest = partListDigest(t.parts);
      if (digest !== t.sha256) mismatch(`stream ${t.id}`, 'sha256 (of its part list)', digest, t.sha256);
    }
  }
}
