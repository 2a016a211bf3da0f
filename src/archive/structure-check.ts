// The cheap pass before a restore changes anything: walk the tar headers by seeking past the
// data, read and check the small JSON entries (header, vmadm.json, image records, trailer),
// check that every part the trailer lists is there, in order, with its size, and nothing
// else, and each stream's first BEGIN record against the header (a few KiB of its head).
// The stream bytes are not hashed here: the restore's one data pass hashes them while feeding
// `zfs receive` (reader.ts readStreams), and the plan commits only after it has matched them
// all. Only the plain ustar form zbak writes passes; anything else (pax records, links,
// truncation, a reordered entry) throws, and the caller runs the full verify to say what
// exactly is wrong.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ArchiveFormatError } from '../errors.js';
import type { CheckedArchive } from './archive-checker.js';
import { HEADER_ENTRY, TRAILER_ENTRY, VMADM_ENTRY, type EntrySum, type Header, type StreamSpec } from './format.js';
import { SendStreamError, SendStreamParser } from './send-stream.js';
import { beginMismatch } from './stream-begin-check.js';
import { MAX_JSON_ENTRY_SIZE, decodeText, maxTrailerSize, parseHeader, parseJsonEntry, parseTrailer } from './json-entry.js';
import { recordRead } from './read-count.js';
import { BLOCK, paddedSize, parseUstarHeader, type UstarHeader } from './tar-header.js';
import { readFully } from './read-fully.js';
import { openArchive } from './tar-scan.js';
import { checkTrailerShape } from './trailer-check.js';
import { parseArchivedImageRecord, parseArchivedVm, type ArchivedImageRecord } from './vmadm-schema.js';
import { FRONT_SIG_ENTRIES, SIGNER_ENTRY, SignatureReader, TRAILER_SIG_ENTRY, maxSigEntrySize } from './signature.js';
import type { KeyObject } from 'node:crypto';

/** After the trailer: the two zero blocks, and at most this much zero padding in all. */
const END_OF_ARCHIVE = 2 * BLOCK;
const MAX_END_PADDING = 1024 * 1024;

function fail(entry: string, message: string): never {
  throw new ArchiveFormatError(`${entry}: ${message}`, entry);
}

class Walker {
  private offset = 0;
  bytesRead = 0;
  private readonly block = Buffer.alloc(BLOCK);
  /** File offset of the header block `block` holds (-1: none), so peek() then next() read it once. */
  private blockAt = -1;

  constructor(private readonly fh: FileHandle, readonly fileSize: number) {}

  /** File offset of the next header (or, right after next(), of the entry's header). */
  get at(): number {
    return this.offset;
  }

  /** Exactly `buf.length` bytes at `position` (read-fully.ts), or the archive is truncated. */
  async readAt(buf: Buffer, position: number): Promise<void> {
    const got = await readFully(this.fh, buf, position);
    this.bytesRead += got;
    if (got !== buf.length) fail(TRAILER_ENTRY, `the archive is truncated at byte ${position + got}`);
  }

  /** The next header, which must be a regular file whose data lies inside the file. */
  async next(expected: string): Promise<UstarHeader> {
    if (this.offset + BLOCK > this.fileSize) fail(expected, 'missing: the archive is truncated');
    const h = parseUstarHeader(await this.headerBlock());
    if (h === undefined || !h.isFile) fail(expected, `expected here, at byte ${this.offset}, as a plain ustar file entry`);
    if (this.offset + BLOCK + paddedSize(h.size) > this.fileSize) fail(h.name, 'the archive is truncated inside this entry');
    return h;
  }

  /** Reads the data of the header just returned by next(). */
  async data(h: UstarHeader, limit: number): Promise<Buffer> {
    if (h.size > limit) fail(h.name, `entry is ${h.size} bytes, more than the ${limit} allowed`);
    const buf = Buffer.alloc(h.size);
    await this.readAt(buf, this.offset + BLOCK);
    this.skip(h);
    return buf;
  }

  /** The next header if it is a plain file entry named `name`, else undefined (nothing consumed). */
  async peek(name: string): Promise<UstarHeader | undefined> {
    if (this.offset + BLOCK > this.fileSize) return undefined;
    const h = parseUstarHeader(await this.headerBlock());
    return h?.name === name ? h : undefined;
  }

  /** The block at the current offset, read unless `block` already holds it. */
  private async headerBlock(): Promise<Buffer> {
    if (this.blockAt !== this.offset) {
      this.blockAt = -1;
      await this.readAt(this.block, this.offset);
      this.blockAt = this.offset;
    }
    return this.block;
  }

  skip(h: UstarHeader): void {
    this.offset += BLOCK + paddedSize(h.size);
  }

  /** What follows the last entry must be the end-of-archive zero blocks and nothing else. */
  async end(): Promise<void> {
    const rest = this.fileSize - this.offset;
    if (rest < END_OF_ARCHIVE) fail(TRAILER_ENTRY, 'the archive is truncated: the end-of-archive blocks after the trailer are missing');
    if (rest > MAX_END_PADDING) fail(TRAILER_ENTRY, `${rest} bytes follow the trailer`);
    const buf = Buffer.alloc(rest);
    if (this.blockAt === this.offset) {
      this.block.copy(buf);
      await this.readAt(buf.subarray(BLOCK), this.offset + BLOCK);
    } else await this.readAt(buf, this.offset);
    if (buf.some((b) => b !== 0)) fail(TRAILER_ENTRY, 'something other than end-of-archive blocks follows the trailer');
  }
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface SeenPart {
  name: string;
  size: number;
  /** File offset of the part's data. */
  data: number;
}

/** Stream heads are read this much at a time until the first BEGIN record is complete. */
const HEAD_READ = 4096;

/**
 * A stream's first BEGIN record against its header entry (invariant 12), so an archive that
 * would receive a zone as a clone of something else is refused before any change. Its bytes
 * are not hashed here: on a refusal the full verify tells damage from a rewritten record.
 */
async function checkBegin(w: Walker, header: Header, spec: StreamSpec, parts: readonly SeenPart[]): Promise<void> {
  const parser = new SendStreamParser();
  let where = parts[0]!.name;
  try {
    for (const p of parts) {
      where = p.name;
      for (let at = 0; at < p.size; at += HEAD_READ) {
        const buf = Buffer.alloc(Math.min(HEAD_READ, p.size - at));
        await w.readAt(buf, p.data + at);
        const begin = parser.push(buf);
        if (begin === null) continue;
        const message = beginMismatch(spec, begin, header.images.find((i) => i.uuid === spec.imageUuid)?.type);
        if (message !== null) fail(p.name, message);
        return;
      }
    }
    parser.end();
  } catch (err) {
    if (err instanceof SendStreamError) fail(where, err.message);
    throw err;
  }
}

/** The structure pass; throws ArchiveFormatError on anything but a plain, complete zbak archive. */
export async function checkStructure(path: string, trusted: readonly KeyObject[] = []): Promise<CheckedArchive> {
  const fh = await openArchive(path);
  const walker = new Walker(fh, (await fh.stat()).size);
  try {
    return await walk(walker, new SignatureReader(trusted), path);
  } finally {
    recordRead('structure', walker.bytesRead);
    await fh.close().catch(() => undefined);
  }
}

async function jsonEntry(w: Walker, name: string, sums: EntrySum[]): Promise<Buffer> {
  const h = await w.next(name);
  if (h.name !== name) fail(h.name, `out of order (expected ${name} here)`);
  const bytes = await w.data(h, MAX_JSON_ENTRY_SIZE);
  sums.push({ name, size: bytes.length, sha256: sha256(bytes) });
  return bytes;
}

async function walk(w: Walker, sig: SignatureReader, label: string): Promise<CheckedArchive> {
  const jsonSums: EntrySum[] = [];
  const header: Header = parseHeader(await jsonEntry(w, HEADER_ENTRY, jsonSums));
  const vmadmBytes = await jsonEntry(w, VMADM_ENTRY, jsonSums);
  parseJsonEntry(VMADM_ENTRY, vmadmBytes);
  const vmadmJson = decodeText(VMADM_ENTRY, vmadmBytes);
  const imageManifests = new Map<string, string>();
  for (const image of header.images) {
    const bytes = await jsonEntry(w, image.manifestEntry, jsonSums);
    parseJsonEntry(image.manifestEntry, bytes);
    imageManifests.set(image.uuid, decodeText(image.manifestEntry, bytes));
  }
  // The front signature (signature.ts): checked, and with --trust required, before any planning.
  if (await w.peek(SIGNER_ENTRY)) {
    for (const name of FRONT_SIG_ENTRIES) {
      const h = await w.next(name);
      if (h.name !== name) fail(h.name, `out of order (expected ${name} here)`);
      sig.onEntry(name, await w.data(h, maxSigEntrySize(name)), jsonSums);
    }
  }
  sig.frontDone(label);
  // Parts: names and sizes here; the trailer must list exactly these.
  const seen: Array<{ id: string; parts: SeenPart[] }> = [];
  let h = await w.next(TRAILER_ENTRY);
  for (const spec of header.streams) {
    const parts: SeenPart[] = [];
    const prefix = `streams/${spec.id}/`;
    while (h.name.startsWith(prefix)) {
      parts.push({ name: h.name, size: h.size, data: w.at + BLOCK });
      w.skip(h);
      h = await w.next(TRAILER_ENTRY);
    }
    if (parts.length === 0) fail(h.name, `out of order (expected the parts of stream ${spec.id} here)`);
    seen.push({ id: spec.id, parts });
  }
  if (h.name !== TRAILER_ENTRY) fail(h.name, `out of order (expected ${TRAILER_ENTRY} here)`);
  const partCount = seen.reduce((n, s) => n + s.parts.length, 0);
  const trailerBytes = await w.data(h, maxTrailerSize(partCount));
  const trailer = parseTrailer(trailerBytes);
  sig.onTrailer(trailerBytes);
  const trailerSig = await w.peek(TRAILER_SIG_ENTRY);
  if (trailerSig) sig.onEntry(TRAILER_SIG_ENTRY, await w.data(trailerSig, maxSigEntrySize(TRAILER_SIG_ENTRY)), jsonSums);
  await w.end();
  checkTrailerShape(trailer, header);
  checkListed(trailer.entries, jsonSums, true);
  for (const [i, s] of seen.entries()) {
    const listed = trailer.streams[i]!.parts;
    checkListed(listed, s.parts, false);
    for (const [j, p] of s.parts.entries()) {
      const last = j === s.parts.length - 1;
      if (p.size > header.partSize) fail(p.name, `part is ${p.size} bytes, larger than partSize (${header.partSize})`);
      if (!last && p.size !== header.partSize) fail(p.name, `part is ${p.size} bytes but is not the last of stream ${s.id}`);
      if (last && p.size === 0 && j > 0) fail(p.name, 'empty part after a full one');
    }
  }
  for (const [i, spec] of header.streams.entries()) await checkBegin(w, header, spec, seen[i]!.parts);
  const vm = parseArchivedVm(vmadmJson, header);
  const imageRecords = new Map<string, ArchivedImageRecord>();
  for (const image of header.images) {
    imageRecords.set(image.uuid, parseArchivedImageRecord(image.manifestEntry, imageManifests.get(image.uuid)!, image));
  }
  const signature = sig.finish();
  return { header, trailer, vmadmJson, vm, imageManifests, imageRecords, signature, sigSums: sig.sums };
}

/** The archive's entries against the trailer's list: same names in order, same sizes (and sums when known). */
function checkListed(listed: readonly EntrySum[], seen: ReadonlyArray<{ name: string; size: number; sha256?: string }>, withSums: boolean): void {
  for (let i = 0; i < Math.max(listed.length, seen.length); i++) {
    const l = listed[i];
    const s = seen[i];
    if (!s) fail(TRAILER_ENTRY, `lists ${l?.name ?? '?'}, which is not in the archive`);
    if (!l) fail(s.name, `not listed in ${TRAILER_ENTRY}`);
    if (l.name !== s.name) fail(TRAILER_ENTRY, `lists ${l.name} where the archive has ${s.name}`);
    if (l.size !== s.size) fail(s.name, `size mismatch: archive has ${s.size}, trailer says ${l.size}`);
    if (withSums && l.sha256 !== s.sha256) fail(s.name, `sha256 mismatch: archive has ${s.sha256 ?? '?'}, trailer says ${l.sha256}`);
  }
}
