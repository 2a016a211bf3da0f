// Which zone an archive belongs to and when it was written, without reading its streams:
// `save --keep-archives` asks this of every file in the target directory each night, and a
// full verify of each would read every archive on the (often USB) disk. The header entry is
// read from the start and the trailer from the end; the trailer's sha256 of the header must
// match. The trailer is written only by finish(), after every stream, so a match means the
// header is the one of a complete archive (streams are not re-hashed: that is `zbak verify`).
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ArchiveFormatError, ZbakError } from '../errors.js';
import { HEADER_ENTRY, TRAILER_ENTRY, type Header } from './format.js';
import { MAX_JSON_ENTRY_SIZE, parseHeader, parseTrailer } from './json-entry.js';
import { openArchive } from './tar-scan.js';
import { BLOCK, paddedSize, parseUstarHeader } from './tar-header.js';
import { readFully } from './read-fully.js';
import { TRAILER_SIG_ENTRY } from './signature.js';
import { isAgeFile } from './age-header.js';
import { isZstdFrame } from './layers.js';

const END_OF_ARCHIVE = 2 * BLOCK;
/** The trailer grows with the part count (~130 bytes a part); this covers millions of parts. */
const MAX_TAIL = 256 * 1024 * 1024;

export type ArchiveIdentity =
  | { kind: 'archive'; header: Header }
  /** Not a zbak archive at all (does not start with a zbak.json tar entry). */
  | { kind: 'other' }
  /** An age-encrypted file (age-header.ts): its header cannot be read without a key. */
  | { kind: 'encrypted' }
  /** A zstd-compressed archive (layers.ts): its header and trailer are not at fixed places to seek to. */
  | { kind: 'compressed' }
  /** Starts like a zbak archive but cannot be confirmed as a complete one. */
  | { kind: 'unreadable'; reason: string };

/** `length` bytes at `position`, fewer only at the end of the file. */
async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  return buf.subarray(0, await readFully(fh, buf, position));
}

/** Finds the trailer entry just before the end-of-archive zeros, reading backwards from the end. */
async function readTrailerBytes(fh: FileHandle, fileSize: number): Promise<Buffer> {
  for (let tail = Math.min(fileSize, 1024 * 1024); ; tail = Math.min(fileSize, tail * 4)) {
    const start = fileSize - tail;
    const buf = await readAt(fh, start, tail);
    // Candidate header blocks sit at multiples of 512 in the file, newest last.
    for (let off = Math.floor((fileSize - END_OF_ARCHIVE - BLOCK) / BLOCK) * BLOCK; off >= start; off -= BLOCK) {
      const h = parseUstarHeader(buf.subarray(off - start, off - start + BLOCK));
      if (!h || h.name !== TRAILER_ENTRY || !h.isFile) continue;
      const dataEnd = off + BLOCK + h.size;
      let after = paddedSize(dataEnd);
      // A signed archive's trailer is followed by its signature (signature.ts), then the end.
      const sig = after + BLOCK <= fileSize ? parseUstarHeader(buf.subarray(after - start, after - start + BLOCK)) : undefined;
      if (sig?.name === TRAILER_SIG_ENTRY && sig.isFile && sig.size <= 64) after += BLOCK + paddedSize(sig.size);
      if (after + END_OF_ARCHIVE > fileSize) continue;
      if (buf.subarray(after - start).some((b) => b !== 0)) continue; // something follows the trailer
      return buf.subarray(off + BLOCK - start, dataEnd - start);
    }
    if (tail >= fileSize || tail >= MAX_TAIL) throw new ArchiveFormatError(`${TRAILER_ENTRY}: not found at the end of the archive (incomplete?)`, TRAILER_ENTRY);
  }
}

/** Reads `path`'s verified header, or says why it is not (a complete) zbak archive. */
export async function readArchiveIdentity(path: string): Promise<ArchiveIdentity> {
  let fh: FileHandle;
  try {
    fh = await openArchive(path);
  } catch (e) {
    return { kind: 'unreadable', reason: (e as Error).message };
  }
  try {
    const size = (await fh.stat()).size;
    const start = await readAt(fh, 0, BLOCK);
    if (isAgeFile(start)) return { kind: 'encrypted' };
    if (isZstdFrame(start)) return { kind: 'compressed' };
    const first = parseUstarHeader(start);
    if (!first || first.name !== HEADER_ENTRY || !first.isFile || first.size > MAX_JSON_ENTRY_SIZE) return { kind: 'other' };
    const headerBytes = await readAt(fh, BLOCK, first.size);
    if (headerBytes.length !== first.size) return { kind: 'unreadable', reason: 'truncated in zbak.json' };
    const header = parseHeader(headerBytes);
    const trailer = parseTrailer(await readTrailerBytes(fh, size));
    const listed = trailer.entries[0];
    const sha256 = createHash('sha256').update(headerBytes).digest('hex');
    if (listed?.name !== HEADER_ENTRY || listed.size !== headerBytes.length || listed.sha256 !== sha256)
      return { kind: 'unreadable', reason: `${TRAILER_ENTRY} does not match ${HEADER_ENTRY}` };
    return { kind: 'archive', header };
  } catch (e) {
    if (e instanceof ZbakError) return { kind: 'unreadable', reason: e.message };
    throw e;
  } finally {
    await fh.close().catch(() => undefined);
  }
}
