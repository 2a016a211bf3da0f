// The real OpenZFS records a fake stream starts with (README.md "Stream format"): the
// compound header `zfs send -p/-I` writes, then the first substream's DRR_BEGIN, so
// readers of real streams (zbak verify) see the same head as from real zfs. Layout of
// dmu_replay_record_t from include/sys/zfs_ioctl.h; written little-endian like x86 hosts.
import { ZfsError } from './errors.js';
import type { FrameReader } from './stream.js';

export const RECORD_SIZE = 312;
const DRR_BEGIN = 0;
const DRR_WRITE = 3;
const DRR_END = 5;
const MAGIC = 0x2f5bacbacn;
const SUBSTREAM = 1;
const COMPOUND = 2;
/** DMU_BACKUP_FEATURE_SA_SPILL, set by real zfs for every ZPL filesystem; in drr_versioninfo bits 2+. */
const FEATURES = 1 << 2;
/**
 * What -e and -c add to the feature flags (DMU_BACKUP_FEATURE_*): EMBED_DATA, COMPRESSED, and
 * LZ4 with either (the sending pool is modelled with lz4_compress active, as SmartOS pools are).
 * -L adds LARGE_BLOCKS only for blocks above 128 KiB, which the fake never has.
 */
export const SEND_FEATURE = { embed: 1 << 16, lz4: 1 << 17, compressed: 1 << 22 } as const;
const FLAG_CLONE = 1 << 0;
/** DRR_FLAG_FREERECORDS | DRR_FLAG_SPILL_BLOCK, set on every substream by zfs 2.x. */
const FLAGS_ALWAYS = (1 << 2) | (1 << 3);
const OST = { filesystem: 2, volume: 3 } as const;
/** libzfs_max_nvlist's default. */
const MAX_PAYLOAD = 64 * 1024 * 1024;

export interface SubstreamBegin {
  toguid: string;
  fromguid: string;
  toname: string;
  type: 'filesystem' | 'volume';
  clone: boolean;
  creation: number;
}

interface RecordFields {
  drrType: number;
  payloadlen?: number;
  versioninfo?: number;
  creation?: number;
  objsetType?: number;
  flags?: number;
  toguid?: string;
  fromguid?: string;
  toname?: string;
}

/** One dmu_replay_record_t; `bigEndian` only for tests of readers. */
export function drrRecord(f: RecordFields, bigEndian = false): Buffer {
  const b = Buffer.alloc(RECORD_SIZE);
  const u32 = (v: number, off: number): number => (bigEndian ? b.writeUInt32BE(v, off) : b.writeUInt32LE(v, off));
  const u64 = (v: bigint, off: number): number => (bigEndian ? b.writeBigUInt64BE(v, off) : b.writeBigUInt64LE(v, off));
  u32(f.drrType, 0);
  u32(f.payloadlen ?? 0, 4);
  // drr_write.drr_logical_size: the payload's length when uncompressed (drr_compressiontype 0).
  if (f.drrType === DRR_WRITE) u64(BigInt(f.payloadlen ?? 0), 32);
  if (f.drrType !== DRR_BEGIN) return b;
  u64(MAGIC, 8);
  u64(BigInt(f.versioninfo ?? 0), 16);
  u64(BigInt(f.creation ?? 0), 24);
  u32(f.objsetType ?? 0, 32);
  u32(f.flags ?? 0, 36);
  u64(BigInt(f.toguid ?? '0'), 40);
  u64(BigInt(f.fromguid ?? '0'), 48);
  b.write(f.toname ?? '', 56, 255, 'latin1');
  return b;
}

/** The substream BEGIN zfs writes for one snapshot. */
export function substreamBegin(s: SubstreamBegin, bigEndian = false, features = 0): Buffer {
  return drrRecord({
    drrType: DRR_BEGIN, versioninfo: SUBSTREAM + (FEATURES | features) * 4, creation: s.creation, objsetType: OST[s.type],
    flags: FLAGS_ALWAYS | (s.clone ? FLAG_CLONE : 0), toguid: s.toguid, fromguid: s.fromguid, toname: s.toname,
  }, bigEndian);
}

/**
 * The compound header (BEGIN with the nvlist as payload, then END) that `zfs send` writes
 * with -p or -I, before the first substream. The real END carries a fletcher-4 of the
 * header; the fake leaves it zero and its receive does not check it.
 */
export function compoundHeader(toname: string, payload: Buffer, bigEndian = false): Buffer {
  const begin = drrRecord({ drrType: DRR_BEGIN, payloadlen: payload.length, versioninfo: COMPOUND, toname }, bigEndian);
  return Buffer.concat([begin, payload, drrRecord({ drrType: DRR_END }, bigEndian)]);
}

/** A DRR_WRITE record whose uncompressed payload of `length` bytes follows it. */
export function writeRecord(length: number, bigEndian = false): Buffer {
  return drrRecord({ drrType: DRR_WRITE, payloadlen: length }, bigEndian);
}

/**
 * The length (header included) of the next of the WRITE records that fill `left` bytes, each at
 * most `block`: whole blocks, then the rest in two records so none is shorter than its header
 * (for made-up streams of an exact size; `left` must be at least RECORD_SIZE).
 */
export function nextWriteLength(left: number, block: number): number {
  return left > 2 * block ? block : left > block ? Math.ceil(left / 2) : left;
}

/** A DRR_END record (its fletcher-4 left zero, as the fake receive does not check it). */
export function endRecord(bigEndian = false): Buffer {
  return drrRecord({ drrType: DRR_END }, bigEndian);
}

/** What closes a stream: its last substream's END, then a compound stream's final END. */
export function streamTail(compound: boolean, bigEndian = false): Buffer {
  return compound ? Buffer.concat([endRecord(bigEndian), endRecord(bigEndian)]) : endRecord(bigEndian);
}

const invalid = (why: string): never => {
  throw new ZfsError(`cannot receive: invalid stream (${why})\n`);
};

async function record(r: FrameReader): Promise<Buffer> {
  const b = await r.exact(RECORD_SIZE);
  if (!b) throw new ZfsError('cannot receive: failed to read from stream\n');
  return b;
}

/** A BEGIN record of this (little-endian) fake; byteswapped streams are not simulated. */
const isBegin = (b: Buffer): boolean => b.readUInt32LE(0) === DRR_BEGIN && b.readBigUInt64LE(8) === MAGIC;

/** Reads the nvlist a BEGIN record announces (and drops it); false at end of input. */
async function skipNvlist(r: FrameReader, begin: Buffer): Promise<boolean> {
  const len = begin.readUInt32LE(4);
  if (len > MAX_PAYLOAD) invalid('nvlist too large');
  return len === 0 || (await r.exact(len)) !== undefined;
}

/** Reads the real head (compound header if any, then the substream BEGIN), as zfs_receive_impl() does. */
export async function readSubstreamBegin(r: FrameReader): Promise<SubstreamBegin & { compound: boolean }> {
  let b = await record(r);
  let compound = false;
  if (!isBegin(b)) invalid('bad magic number');
  if (Number(b.readBigUInt64LE(16) & 3n) === COMPOUND) {
    compound = true;
    if (!(await skipNvlist(r, b))) throw new ZfsError('cannot receive: failed to read from stream\n');
    if ((await record(r)).readUInt32LE(0) !== DRR_END) throw new ZfsError('cannot receive: invalid backup stream\n');
    b = await record(r);
  }
  if (!isBegin(b) || Number(b.readBigUInt64LE(16) & 3n) !== SUBSTREAM) invalid('bad magic number');
  const ost = b.readUInt32LE(32);
  if (ost !== OST.filesystem && ost !== OST.volume) invalid('bad dataset type');
  const name = b.subarray(56, RECORD_SIZE);
  const nul = name.indexOf(0);
  if (nul < 0 || !name.subarray(0, nul).includes(0x40)) invalid('bad snapshot name');
  return {
    toguid: b.readBigUInt64LE(40).toString(),
    fromguid: b.readBigUInt64LE(48).toString(),
    toname: name.subarray(0, nul).toString('latin1'),
    type: ost === OST.volume ? 'volume' : 'filesystem',
    clone: (b.readUInt32LE(36) & FLAG_CLONE) !== 0,
    creation: Number(b.readBigUInt64LE(24)),
    compound,
  };
}

/** SPA_MAXBLOCKSIZE: real zfs receive refuses a WRITE payload above it. */
const MAX_WRITE_PAYLOAD = 16 * 1024 * 1024;

/**
 * The records after a stream's first BEGIN, read as zfs receive reads them: WRITE records
 * (whose payloads carry the fake's frames) up to the substream's END, then the BEGIN of the
 * next substream or, in a compound stream, the final END. The fake writes no other records.
 */
export class RecordWalk {
  constructor(private readonly compound: boolean) {}

  /** The next WRITE record's payload length; undefined at end of input. */
  async nextWrite(r: FrameReader): Promise<number | undefined> {
    const b = await r.exact(RECORD_SIZE);
    if (!b) return undefined;
    if (b.readUInt32LE(0) !== DRR_WRITE) invalid('unexpected record');
    const len = b.readBigUInt64LE(32);
    if (len > BigInt(MAX_WRITE_PAYLOAD)) invalid('record too large');
    return Number(len);
  }

  /**
   * After a substream's last WRITE: its END, then whether another substream follows
   * ('more', its BEGIN read) or the stream is over ('done'); undefined at end of input.
   */
  async endSubstream(r: FrameReader): Promise<'more' | 'done' | undefined> {
    const end = await r.exact(RECORD_SIZE);
    if (!end) return undefined;
    if (end.readUInt32LE(0) !== DRR_END) invalid('unexpected record');
    if (!this.compound) return 'done';
    const next = await r.exact(RECORD_SIZE);
    if (!next) return undefined;
    if (next.readUInt32LE(0) === DRR_END) return 'done';
    if (!isBegin(next)) invalid('unexpected record');
    return (await skipNvlist(r, next)) ? 'more' : undefined;
  }
}
