// The verify pass as a state machine fed one tar entry at a time: safe names, regular
// files, the exact entry order the header implies, part sizes, checksums against the trailer,
// and each stream's ZFS BEGIN record against its header entry.
import { createHash, type Hash } from 'node:crypto';
import { ArchiveFormatError } from '../errors.js';
import { classifyEntryName, displayName, unsafeNameReason, type EntryKind } from './entry-path.js';
import { HEADER_ENTRY, TRAILER_ENTRY, VMADM_ENTRY, streamPartEntry, type EntrySum, type Header, type StreamSpec, type Trailer } from './format.js';
import { MAX_JSON_ENTRY_SIZE, decodeText, maxTrailerSize, parseHeader, parseJsonEntry, parseTrailer } from './json-entry.js';
import { SendStreamError, SendStreamParser } from './send-stream.js';
import { beginMismatch } from './stream-begin-check.js';
import { partListDigest } from './stream-digest.js';
import { checkTrailer, checkTrailerShape, type SeenStream } from './trailer-check.js';
import { parseArchivedImageRecord, parseArchivedVm, type ArchivedImageRecord, type ArchivedVm } from './vmadm-schema.js';
import type { ScanResult, TarEntry } from './tar-scan.js';
import { SignatureReader, TRAILER_SIG_ENTRY, maxSigEntrySize, type SignatureStatus } from './signature.js';
import type { KeyObject } from 'node:crypto';

/**
 * An archive's JSON entries and layout, checked: by the structure pass before a restore
 * (structure-check.ts: stream bytes not read yet) or by the full verify (VerifiedArchive).
 */
export interface CheckedArchive {
  header: Header;
  trailer: Trailer;
  /** The raw `vmadm get` text, as the archive stores it. */
  vmadmJson: string;
  /** vmadm.json checked against its grammar and the header (what restore uses). */
  vm: ArchivedVm;
  /** Raw imgadm manifest text by image uuid. */
  imageManifests: Map<string, string>;
  /** The imgadm records checked against header.images, by image uuid. */
  imageRecords: Map<string, ArchivedImageRecord>;
  /** Whether it is signed, by which key, and whether that key is trusted (signature.ts). */
  signature: SignatureStatus;
  /** The signature entries as read (name, size, sha256), in archive order, for the data pass. */
  sigSums: EntrySum[];
}

/** The entries before the streams, checked (a restore from a pipe plans with these). */
export type ArchiveFront = Omit<CheckedArchive, 'trailer'>;

/** A CheckedArchive whose every byte was also matched against its checksums (verify). */
export type VerifiedArchive = CheckedArchive;

/** tar writes two zero blocks after the last entry; fewer means the file was cut. */
const END_OF_ARCHIVE_BYTES = 1024;

const TYPE_WORDS: Record<string, string> = {
  link: 'hard link', symlink: 'symlink', directory: 'directory', 'character-device': 'character device',
  'block-device': 'block device', fifo: 'FIFO', 'contiguous-file': 'contiguous file',
};

function fail(entry: string, message: string): never {
  throw new ArchiveFormatError(`${entry}: ${message}`, entry);
}

async function readSmall(e: TarEntry, name: string, limit: number): Promise<Buffer> {
  if (e.size > limit) fail(name, `entry is ${e.size} bytes, more than the ${limit} allowed`);
  const chunks: Buffer[] = [];
  for await (const c of e.data) chunks.push(Buffer.from(c)); // a chunk may be a view of a reused read buffer
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * The stream being read: its sums so far, the walk of its records (null once it failed) and
 * whether its BEGIN was compared with the header yet. Only a version 1 archive needs `whole`,
 * a second hash of every byte; version 2's stream digest is made from the part sums.
 */
type CurrentStream = SeenStream & { whole: Hash | null; spec: StreamSpec; walk: SendStreamParser | null; compared: boolean };

export class ArchiveChecker {
  private header: Header | null = null;
  private vmadmJson: string | null = null;
  private readonly imageManifests = new Map<string, string>();
  private trailer: Trailer | null = null;
  private readonly names = new Set<string>();
  private readonly jsonSums: EntrySum[] = [];
  private pendingJson: string[] = [];
  private readonly streams: SeenStream[] = [];
  private current: CurrentStream | null = null;
  /** The first stream whose BEGIN record or walk is bad; reported once the checksums are known good. */
  private streamProblem: { entry: string; message: string } | null = null;
  private partCount = 0;
  private last: string | null = null;
  private readonly sig: SignatureReader;

  /** `trusted`: the --trust keys; the archive must then be signed by one of them. */
  constructor(trusted: readonly KeyObject[] = [], private readonly label = 'the archive') {
    this.sig = new SignatureReader(trusted);
  }

  async onEntry(e: TarEntry): Promise<void> {
    // Type first: "streams/ is a directory" says more than "trailing slash".
    if (e.type !== 'file') {
      const link = e.linkname !== null ? ` to "${displayName(e.linkname)}"` : '';
      const what = TYPE_WORDS[e.type ?? ''] ?? `entry of type ${displayName(e.type ?? 'unknown')}`;
      fail(displayName(e.name), `is a ${what}${link}; only regular files are allowed`);
    }
    const reason = unsafeNameReason(e.name);
    if (reason !== null) fail(displayName(e.name), `unsafe entry name: ${reason}`);
    const name = e.name;
    if (this.names.has(name)) fail(name, 'duplicate entry');
    this.names.add(name);
    if (this.trailer !== null && name !== TRAILER_SIG_ENTRY) fail(name, `entry after ${TRAILER_ENTRY}`);
    const kind = classifyEntryName(name);
    if (kind === null) fail(name, 'unexpected entry name (not part of the .zbak format)');
    if (this.header === null && kind.kind !== 'header') fail(name, `archive does not start with ${HEADER_ENTRY}`);
    this.last = name;
    await this.dispatch(e, name, kind);
  }

  private async dispatch(e: TarEntry, name: string, kind: EntryKind): Promise<void> {
    switch (kind.kind) {
      case 'header': {
        const bytes = await readSmall(e, name, MAX_JSON_ENTRY_SIZE);
        this.header = parseHeader(bytes);
        this.pendingJson = [VMADM_ENTRY, ...this.header.images.map((i) => i.manifestEntry)];
        this.jsonSums.push({ name, size: bytes.length, sha256: sha256(bytes) });
        return;
      }
      case 'vmadm':
      case 'image':
        return this.onJson(e, name, kind);
      case 'part':
        return this.onPart(e, name, kind.streamId, kind.index);
      case 'trailer':
        return this.onTrailer(e, name);
      case 'sig':
        return this.onSig(e, name);
    }
  }

  private async onSig(e: TarEntry, name: string): Promise<void> {
    if (this.pendingJson.length > 0) fail(name, `out of order (expected ${this.pendingJson[0]} here)`);
    if (this.streams.length > 0 || this.current !== null) {
      if (this.trailer === null) fail(name, 'out of order (signature entries come before the stream parts, or after the trailer)');
    }
    this.sig.onEntry(name, await readSmall(e, name, maxSigEntrySize(name)), this.jsonSums);
  }

  private async onJson(e: TarEntry, name: string, kind: EntryKind): Promise<void> {
    const expected = this.pendingJson[0];
    if (name !== expected) {
      if (kind.kind === 'image' && !this.pendingJson.includes(name)) fail(name, `image manifest not listed in ${HEADER_ENTRY}`);
      fail(name, `out of order (expected ${expected ?? 'stream parts'} here)`);
    }
    this.pendingJson.shift();
    const bytes = await readSmall(e, name, MAX_JSON_ENTRY_SIZE);
    parseJsonEntry(name, bytes);
    const text = decodeText(name, bytes);
    if (kind.kind === 'image') this.imageManifests.set(kind.imageUuid, text);
    else this.vmadmJson = text;
    this.jsonSums.push({ name, size: bytes.length, sha256: sha256(bytes) });
  }

  private async onPart(e: TarEntry, name: string, streamId: string, index: number): Promise<void> {
    const header = this.header as Header;
    if (this.pendingJson.length > 0) fail(name, `out of order (expected ${this.pendingJson[0]} first)`);
    if (this.current === null && this.streams.length === 0) this.sig.frontDone(this.label);
    const cur = this.current;
    if (cur !== null && cur.id === streamId) {
      if (index !== cur.parts.length) fail(name, `out of order (expected ${streamPartEntry(streamId, cur.parts.length)})`);
      const prev = cur.parts[cur.parts.length - 1] as EntrySum;
      if (prev.size !== header.partSize)
        fail(prev.name, `part is ${prev.size} bytes but is not the last of stream ${streamId}; every other part must be exactly partSize (${header.partSize})`);
    } else {
      const spec = header.streams[this.streams.length + (cur === null ? 0 : 1)];
      if (!header.streams.some((s) => s.id === streamId)) fail(name, `stream ${streamId} is not listed in ${HEADER_ENTRY}`);
      if (spec?.id !== streamId) fail(name, `out of order (expected ${spec ? streamPartEntry(spec.id, 0) : TRAILER_ENTRY})`);
      if (index !== 0) fail(name, `out of order (expected ${streamPartEntry(streamId, 0)})`);
      this.closeStream();
      const whole = header.formatVersion === 1 ? createHash('sha256') : null;
      this.current = { id: streamId, size: 0, sha256: '', parts: [], whole, spec, walk: new SendStreamParser(), compared: false };
    }
    if (e.size > header.partSize) fail(name, `part is ${e.size} bytes, larger than partSize (${header.partSize})`);
    const stream = this.current as CurrentStream;
    const partHash = createHash('sha256');
    let size = 0;
    for await (const c of e.data) {
      partHash.update(c);
      stream.whole?.update(c);
      size += c.length;
      if (stream.walk !== null) this.feedWalk(stream, name, c);
    }
    stream.parts.push({ name, size, sha256: partHash.digest('hex') });
    stream.size += size;
    this.partCount++;
  }

  /** Walk the stream's records as they go by; compare its BEGIN once that is complete. */
  private feedWalk(stream: CurrentStream, part: string, chunk: Buffer, atEnd = false): void {
    const walk = stream.walk as SendStreamParser;
    try {
      const begin = atEnd ? walk.finish() : walk.push(chunk);
      if (begin === null || stream.compared) return;
      stream.compared = true;
      const image = this.header?.images.find((i) => i.uuid === stream.spec.imageUuid);
      const message = beginMismatch(stream.spec, begin, image?.type);
      if (message !== null) this.streamProblem ??= { entry: part, message };
    } catch (err) {
      if (!(err instanceof SendStreamError)) throw err;
      stream.walk = null;
      this.streamProblem ??= { entry: part, message: err.message };
    }
  }

  /** The last part of a stream may be short but only an only part may be empty. */
  private closeStream(): void {
    const cur = this.current;
    if (cur === null) return;
    const last = cur.parts[cur.parts.length - 1] as EntrySum;
    if (last.size === 0 && cur.parts.length > 1) fail(last.name, 'empty part after a full one');
    if (cur.walk !== null) this.feedWalk(cur, last.name, Buffer.alloc(0), true);
    const { whole, spec: _spec, walk: _walk, compared: _compared, ...seen } = cur;
    this.streams.push({ ...seen, sha256: whole !== null ? whole.digest('hex') : partListDigest(cur.parts) });
    this.current = null;
  }

  private async onTrailer(e: TarEntry, name: string): Promise<void> {
    const header = this.header as Header;
    if (this.pendingJson.length > 0) fail(name, `out of order (${this.pendingJson[0]} is missing)`);
    this.closeStream();
    const missing = header.streams[this.streams.length];
    if (missing) fail(name, `out of order (stream ${missing.id} has no parts before the trailer)`);
    this.sig.frontDone(this.label);
    const bytes = await readSmall(e, name, maxTrailerSize(this.partCount));
    const trailer = parseTrailer(bytes);
    this.sig.onTrailer(bytes);
    checkTrailer(trailer, this.jsonSums, this.streams);
    checkTrailerShape(trailer, header);
    // Damage shows as a checksum mismatch above; a BEGIN record that disagrees, or records
    // that do not walk, with intact checksums were written that way (a rewritten archive,
    // or a writer that put a part twice).
    if (this.streamProblem !== null) fail(this.streamProblem.entry, this.streamProblem.message);
    this.trailer = trailer;
  }

  /**
   * Once the header, vmadm.json and every image manifest were read: those entries, checked
   * against their grammar and the header exactly as finish() checks them; null before.
   * (Their checksums are matched against the trailer only when it arrives.)
   */
  front(): ArchiveFront | null {
    if (this.header === null || this.pendingJson.length > 0 || this.vmadmJson === null) return null;
    // Asked when the first part arrives: the front signature entries are read by then, and
    // with --trust an unsigned archive is refused here, before anything is planned.
    this.sig.frontDone(this.label);
    return this.checkedFront(this.header);
  }

  private checkedFront(header: Header): ArchiveFront {
    const vm = parseArchivedVm(this.vmadmJson as string, header);
    const imageRecords = new Map<string, ArchivedImageRecord>();
    for (const image of header.images) {
      const text = this.imageManifests.get(image.uuid) as string;
      imageRecords.set(image.uuid, parseArchivedImageRecord(image.manifestEntry, text, image));
    }
    return { header, vmadmJson: this.vmadmJson as string, vm, imageManifests: this.imageManifests, imageRecords, signature: this.sig.status(), sigSums: this.sig.sums };
  }

  /** After the last entry: the trailer and the end-of-archive blocks must be there. */
  finish(scan: ScanResult): VerifiedArchive {
    if (this.header === null) fail(HEADER_ENTRY, 'missing: the archive has no entries (empty, or truncated at the start)');
    if (this.trailer === null)
      fail(TRAILER_ENTRY, `missing: the archive is incomplete (truncated after ${this.last ?? 'the start'})`);
    if (scan.bytesAfterLastEntry < END_OF_ARCHIVE_BYTES)
      fail(TRAILER_ENTRY, 'the archive is truncated: the end-of-archive blocks after the trailer are missing');
    const signature = this.sig.finish();
    // After the checksums, so damage is reported as damage; what is left is content
    // that was written (or rewritten with fresh checksums) to be wrong.
    return { ...this.checkedFront(this.header as Header), trailer: this.trailer as Trailer, signature, sigSums: this.sig.sums };
  }
}
