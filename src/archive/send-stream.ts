// An OpenZFS send stream walked record by record from chunks as they go by (a 312-byte
// buffer, nothing else kept): its first substream BEGIN (what verify compares with the
// header) and its shape, so verify refuses what `zfs receive` would not take whole: a
// stream cut short, one with a part twice (bytes after the final END), an unknown record.
// Layout from OpenZFS include/sys/zfs_ioctl.h (dmu_replay_record_t, DRR_*_PAYLOAD_SIZE) and
// lib/libzfs/libzfs_sendrecv.c (send_prelim_records: the compound header of -p/-R/-I, and the
// final END after the substreams); docs/FORMAT.md "Whole streams".

/** What the first substream says it is; GUIDs as decimal strings, "0" for a full stream. */
export interface SendBegin {
  toguid: string;
  fromguid: string;
  type: 'filesystem' | 'volume';
  /** The sent snapshot's full name, e.g. zones/<uuid>@zbak-…. */
  toname: string;
}

export class SendStreamError extends Error {
  override name = 'SendStreamError' as const;
}

/** sizeof (dmu_replay_record_t). */
export const DRR_RECORD_SIZE = 312;
export const DRR_BEGIN = 0;
export const DRR_OBJECT = 1;
export const DRR_WRITE = 3;
export const DRR_END = 5;
export const DRR_SPILL = 7;
export const DRR_WRITE_EMBEDDED = 8;
/** DRR_NUMTYPES: types from here on are no record zfs receive knows. */
export const DRR_NUMTYPES = 11;
export const DMU_BACKUP_MAGIC = 0x2f5bacbacn;
export const DMU_SUBSTREAM = 1;
export const DMU_COMPOUNDSTREAM = 2;
/** dmu_objset_type_t. */
export const DMU_OST_ZFS = 2;
export const DMU_OST_ZVOL = 3;
/** libzfs refuses a compound header nvlist above libzfs_max_nvlist (4 × 16 MiB by default). */
export const MAX_COMPOUND_PAYLOAD = 64 * 1024 * 1024;
/** SPA_MAXBLOCKSIZE: no block, hence no WRITE, SPILL or OBJECT payload, is larger. */
export const MAX_RECORD_PAYLOAD = 16 * 1024 * 1024;

// Offsets inside a record: drr_type u32, drr_payloadlen u32, then struct drr_begin.
const OFF_PAYLOADLEN = 4;
const OFF_MAGIC = 8;
const OFF_VERSIONINFO = 16;
const OFF_OBJSET_TYPE = 32;
const OFF_TOGUID = 40;
const OFF_FROMGUID = 48;
const OFF_TONAME = 56;
const TONAME_LENGTH = 256;
// Payload sizes of the record types that carry one (DRR_*_PAYLOAD_SIZE in zfs_ioctl.h).
const OFF_OBJECT_BONUSLEN = 28;
const OFF_OBJECT_RAW_BONUSLEN = 36;
const OFF_WRITE_LOGICAL_SIZE = 32;
const OFF_WRITE_COMPRESSIONTYPE = 50;
const OFF_WRITE_COMPRESSED_SIZE = 96;
const OFF_SPILL_LENGTH = 16;
const OFF_SPILL_COMPRESSED_SIZE = 40;
const OFF_EMBEDDED_PSIZE = 52;

const RECORD_NAMES = ['BEGIN', 'OBJECT', 'FREEOBJECTS', 'WRITE', 'FREE', 'END', 'WRITE_BYREF', 'SPILL', 'WRITE_EMBEDDED', 'OBJECT_RANGE', 'REDACT'];

/**
 * Where the walk is: at the first record; after a compound BEGIN (its END is next); between
 * substreams of a compound stream (a BEGIN or the final END is next); inside a substream;
 * after the last END (nothing may follow).
 */
type Phase = 'first' | 'compound-end' | 'between' | 'substream' | 'done';

/** Where a stream stopped that ended before its first substream BEGIN was complete. */
const beforeBegin: Record<Phase, string> = {
  first: 'inside its first BEGIN record',
  'compound-end': 'inside the compound header (its nvlist and END record)',
  between: 'inside the first substream BEGIN record',
  substream: 'inside the first substream BEGIN record',
  done: 'with no substream after its compound header',
};

/**
 * Feed a stream's bytes in order with `push`; it returns the first substream's BEGIN facts
 * once they are complete (null before), and walks on. `end()` gives those facts or throws
 * when the stream ended first; `finish()`, at the end of all the stream's bytes, throws if
 * the stream ended inside a record or before its final END. Throws SendStreamError on
 * anything that is not a send stream, and at the first byte after the final END.
 */
export class SendStreamParser {
  private readonly record = Buffer.alloc(DRR_RECORD_SIZE);
  private filled = 0;
  private skip = 0;
  private phase: Phase = 'first';
  private compound = false;
  private littleEndian = true;
  private consumed = 0;
  /** Offset of the record being read, and of the stream's last END. */
  private recordAt = 0;
  private endAt = 0;
  private result: SendBegin | null = null;

  get begin(): SendBegin | null {
    return this.result;
  }

  push(chunk: Buffer): SendBegin | null {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      // zfs receive stops at the last END: what follows would fail the restore (EPIPE).
      if (this.phase === 'done') throw new SendStreamError(`stream goes on after its final END record (at byte ${this.endAt}); zfs receive stops there`);
      const n = Math.min(DRR_RECORD_SIZE - this.filled, chunk.length - at);
      chunk.copy(this.record, this.filled, at, at + n);
      if (this.filled === 0) this.recordAt = this.consumed + at;
      this.filled += n;
      at += n;
      if (this.filled === DRR_RECORD_SIZE) {
        this.filled = 0;
        this.onRecord();
      }
    }
    this.consumed += chunk.length;
    return this.result;
  }

  /** At the end of the stream: the BEGIN facts, or why there are none. */
  end(): SendBegin {
    if (this.result !== null) return this.result;
    throw new SendStreamError(`stream ends after ${this.consumed} bytes, ${beforeBegin[this.phase]}`);
  }

  /** At the end of the stream: it ended where the records say it does, or why not. */
  finish(): SendBegin {
    const begin = this.end();
    if (this.skip > 0 || this.filled > 0) {
      const inside = this.skip > 0 ? `the payload of the record at byte ${this.recordAt}` : `the record at byte ${this.recordAt}`;
      throw new SendStreamError(`stream ends after ${this.consumed} bytes, inside ${inside}: it is cut short`);
    }
    if (this.phase !== 'done') {
      // Between records after the first BEGIN: inside a substream, or between a compound stream's substreams.
      const missing = this.phase === 'between' ? 'the final END record of a compound stream' : 'the END record of its last substream';
      throw new SendStreamError(`stream ends after ${this.consumed} bytes, before ${missing}: it is cut short`);
    }
    return begin;
  }

  private u32(off: number): number {
    return this.littleEndian ? this.record.readUInt32LE(off) : this.record.readUInt32BE(off);
  }

  private u64(off: number): bigint {
    return this.littleEndian ? this.record.readBigUInt64LE(off) : this.record.readBigUInt64BE(off);
  }

  private fail(message: string): never {
    throw new SendStreamError(`record at byte ${this.recordAt}: ${message}`);
  }

  private onRecord(): void {
    if (this.phase === 'first') this.littleEndian = this.record.readBigUInt64LE(OFF_MAGIC) === DMU_BACKUP_MAGIC;
    const type = this.u32(0);
    switch (this.phase) {
      case 'first':
        return this.onBegin(type);
      case 'between':
        return type === DRR_END ? this.onEnd() : this.onBegin(type);
      case 'compound-end':
        if (type !== DRR_END) throw new SendStreamError(`record after the compound BEGIN has type ${type}, expected END (${DRR_END})`);
        this.phase = 'between';
        return;
      default:
        return this.onSubstreamRecord(type);
    }
  }

  private onBegin(type: number): void {
    const where = this.phase === 'first' ? 'first record' : 'record after the compound header';
    const magic = this.u64(OFF_MAGIC);
    if (magic !== DMU_BACKUP_MAGIC) {
      const hex = this.record.subarray(OFF_MAGIC, OFF_MAGIC + 8).toString('hex');
      throw new SendStreamError(`not a ZFS send stream: the ${where} has magic bytes ${hex}, not DMU_BACKUP_MAGIC 0x2f5bacbac`);
    }
    if (type !== DRR_BEGIN) throw new SendStreamError(`the ${where} has type ${type}, expected BEGIN (${DRR_BEGIN})`);
    const hdrtype = Number(this.u64(OFF_VERSIONINFO) & 3n);
    const payload = this.u32(OFF_PAYLOADLEN);
    if (payload > MAX_COMPOUND_PAYLOAD)
      throw new SendStreamError(`${hdrtype === DMU_COMPOUNDSTREAM ? 'compound ' : ''}BEGIN record announces a ${payload}-byte nvlist, more than the ${MAX_COMPOUND_PAYLOAD} zfs receive accepts`);
    this.skip = payload;
    if (this.phase === 'first' && hdrtype === DMU_COMPOUNDSTREAM) {
      this.compound = true;
      this.phase = 'compound-end';
      return;
    }
    if (hdrtype !== DMU_SUBSTREAM) throw new SendStreamError(`the ${where} has stream header type ${hdrtype}, expected a substream (${DMU_SUBSTREAM})`);
    const facts = this.facts();
    this.result ??= facts;
    this.phase = 'substream';
  }

  private onEnd(): void {
    this.endAt = this.recordAt;
    // A compound stream's substreams are followed by a final END of its own.
    this.phase = this.compound && this.phase === 'substream' ? 'between' : 'done';
  }

  private onSubstreamRecord(type: number): void {
    if (type === DRR_END) return this.onEnd();
    if (type === DRR_BEGIN) this.fail('BEGIN inside a substream, before its END record');
    if (type >= DRR_NUMTYPES) this.fail(`type ${type} is not a ZFS send record type (0 to ${DRR_NUMTYPES - 1})`);
    const payload = this.payloadSize(type);
    if (payload > BigInt(MAX_RECORD_PAYLOAD))
      this.fail(`${RECORD_NAMES[type]} record announces a ${payload}-byte payload, more than the ${MAX_RECORD_PAYLOAD} of the largest ZFS block`);
    this.skip = Number(payload);
  }

  /** DRR_OBJECT_PAYLOAD_SIZE, DRR_WRITE_PAYLOAD_SIZE, DRR_SPILL_PAYLOAD_SIZE; embedded: psize to 8. */
  private payloadSize(type: number): bigint {
    switch (type) {
      case DRR_OBJECT: {
        const raw = this.u32(OFF_OBJECT_RAW_BONUSLEN);
        return BigInt(raw !== 0 ? raw : roundUp8(this.u32(OFF_OBJECT_BONUSLEN)));
      }
      case DRR_WRITE:
        return this.record[OFF_WRITE_COMPRESSIONTYPE] !== 0 ? this.u64(OFF_WRITE_COMPRESSED_SIZE) : this.u64(OFF_WRITE_LOGICAL_SIZE);
      case DRR_SPILL: {
        const compressed = this.u64(OFF_SPILL_COMPRESSED_SIZE);
        return compressed !== 0n ? compressed : this.u64(OFF_SPILL_LENGTH);
      }
      case DRR_WRITE_EMBEDDED:
        return BigInt(roundUp8(this.u32(OFF_EMBEDDED_PSIZE)));
      default:
        return 0n;
    }
  }

  private facts(): SendBegin {
    const ost = this.u32(OFF_OBJSET_TYPE);
    if (ost !== DMU_OST_ZFS && ost !== DMU_OST_ZVOL)
      throw new SendStreamError(`BEGIN record has dataset type ${ost}, expected ${DMU_OST_ZFS} (filesystem) or ${DMU_OST_ZVOL} (volume)`);
    return {
      toguid: this.u64(OFF_TOGUID).toString(),
      fromguid: this.u64(OFF_FROMGUID).toString(),
      type: ost === DMU_OST_ZVOL ? 'volume' : 'filesystem',
      toname: this.toname(),
    };
  }

  /** drr_toname: NUL-terminated, printable ASCII (a dataset name), with an '@'. */
  private toname(): string {
    const field = this.record.subarray(OFF_TONAME, OFF_TONAME + TONAME_LENGTH);
    const nul = field.indexOf(0);
    const bytes = field.subarray(0, nul < 0 ? TONAME_LENGTH : nul);
    if (nul < 0 || bytes.some((b) => b < 0x20 || b > 0x7e) || !bytes.includes(0x40))
      throw new SendStreamError('BEGIN record toname is not a NUL-terminated snapshot name');
    return bytes.toString('latin1');
  }
}

const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;
