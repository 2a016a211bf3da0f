// The first substream BEGIN record of an OpenZFS send stream, parsed from chunks as they
// go by (a 312-byte buffer, nothing else kept), so verify can compare it with the header.
// Layout from OpenZFS include/sys/zfs_ioctl.h (dmu_replay_record_t, struct drr_begin) and
// lib/libzfs/libzfs_sendrecv.c (send_prelim_records: the compound header of -p/-R/-I).

/** What the first substream says it is; GUIDs as decimal strings, "0" for a full stream. */
export interface SendBegin {
  toguid: string;
  fromguid: string;
  type: 'filesystem' | 'volume';
  /** The sent snapshot's full name, e.g. zones/<uuid>@zbak-…. */
  toname: string;
}

export class SendBeginError extends Error {
  override name = 'SendBeginError' as const;
}

/** sizeof (dmu_replay_record_t). */
export const DRR_RECORD_SIZE = 312;
export const DRR_BEGIN = 0;
export const DRR_END = 5;
export const DMU_BACKUP_MAGIC = 0x2f5bacbacn;
export const DMU_SUBSTREAM = 1;
export const DMU_COMPOUNDSTREAM = 2;
/** dmu_objset_type_t. */
export const DMU_OST_ZFS = 2;
export const DMU_OST_ZVOL = 3;
/** libzfs refuses a compound header nvlist above libzfs_max_nvlist (4 × 16 MiB by default). */
export const MAX_COMPOUND_PAYLOAD = 64 * 1024 * 1024;

// Offsets inside a record: drr_type u32, drr_payloadlen u32, then struct drr_begin.
const OFF_PAYLOADLEN = 4;
const OFF_MAGIC = 8;
const OFF_VERSIONINFO = 16;
const OFF_OBJSET_TYPE = 32;
const OFF_TOGUID = 40;
const OFF_FROMGUID = 48;
const OFF_TONAME = 56;
const TONAME_LENGTH = 256;

type Phase = 'first' | 'compound-end' | 'substream';

/** Bytes a stream needs at least before its BEGIN facts are known, for messages. */
const describePhase: Record<Phase, string> = {
  first: 'its first BEGIN record',
  'compound-end': 'the compound header (its nvlist and END record)',
  substream: 'the first substream BEGIN record',
};

/**
 * Feed a stream's bytes in order with `push`; it returns the BEGIN facts once they are
 * complete (later input is ignored). `end()` at the stream's end throws if they never were.
 * Throws SendBeginError on anything that is not the start of a send stream.
 */
export class SendBeginParser {
  private readonly record = Buffer.alloc(DRR_RECORD_SIZE);
  private filled = 0;
  private skip = 0;
  private phase: Phase = 'first';
  private littleEndian = true;
  private consumed = 0;
  private result: SendBegin | null = null;

  get begin(): SendBegin | null {
    return this.result;
  }

  push(chunk: Buffer): SendBegin | null {
    let at = 0;
    while (this.result === null && at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const n = Math.min(DRR_RECORD_SIZE - this.filled, chunk.length - at);
      chunk.copy(this.record, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === DRR_RECORD_SIZE) {
        this.filled = 0;
        this.onRecord();
      }
    }
    this.consumed += at;
    return this.result;
  }

  /** At the end of the stream: the BEGIN facts, or why there are none. */
  end(): SendBegin {
    if (this.result !== null) return this.result;
    throw new SendBeginError(`stream ends after ${this.consumed} bytes, inside ${describePhase[this.phase]}`);
  }

  private u32(off: number): number {
    return this.littleEndian ? this.record.readUInt32LE(off) : this.record.readUInt32BE(off);
  }

  private u64(off: number): bigint {
    return this.littleEndian ? this.record.readBigUInt64LE(off) : this.record.readBigUInt64BE(off);
  }

  private onRecord(): void {
    if (this.phase === 'compound-end') {
      const type = this.u32(0);
      if (type !== DRR_END) throw new SendBeginError(`record after the compound BEGIN has type ${type}, expected END (${DRR_END})`);
      this.phase = 'substream';
      return;
    }
    if (this.phase === 'first') this.littleEndian = this.record.readBigUInt64LE(OFF_MAGIC) === DMU_BACKUP_MAGIC;
    const where = this.phase === 'first' ? 'first record' : 'record after the compound header';
    const magic = this.u64(OFF_MAGIC);
    if (magic !== DMU_BACKUP_MAGIC) {
      const hex = this.record.subarray(OFF_MAGIC, OFF_MAGIC + 8).toString('hex');
      throw new SendBeginError(`not a ZFS send stream: the ${where} has magic bytes ${hex}, not DMU_BACKUP_MAGIC 0x2f5bacbac`);
    }
    const type = this.u32(0);
    if (type !== DRR_BEGIN) throw new SendBeginError(`the ${where} has type ${type}, expected BEGIN (${DRR_BEGIN})`);
    const hdrtype = Number(this.u64(OFF_VERSIONINFO) & 3n);
    if (this.phase === 'first' && hdrtype === DMU_COMPOUNDSTREAM) {
      const payload = this.u32(OFF_PAYLOADLEN);
      if (payload > MAX_COMPOUND_PAYLOAD)
        throw new SendBeginError(`compound BEGIN record announces a ${payload}-byte nvlist, more than the ${MAX_COMPOUND_PAYLOAD} zfs receive accepts`);
      this.skip = payload;
      this.phase = 'compound-end';
      return;
    }
    if (hdrtype !== DMU_SUBSTREAM) throw new SendBeginError(`the ${where} has stream header type ${hdrtype}, expected a substream (${DMU_SUBSTREAM})`);
    this.result = this.facts();
  }

  private facts(): SendBegin {
    const ost = this.u32(OFF_OBJSET_TYPE);
    if (ost !== DMU_OST_ZFS && ost !== DMU_OST_ZVOL)
      throw new SendBeginError(`BEGIN record has dataset type ${ost}, expected ${DMU_OST_ZFS} (filesystem) or ${DMU_OST_ZVOL} (volume)`);
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
      throw new SendBeginError('BEGIN record toname is not a NUL-terminated snapshot name');
    return bytes.toString('latin1');
  }
}
