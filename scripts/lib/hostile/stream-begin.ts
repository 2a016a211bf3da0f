// The from/to GUIDs a send stream's first record announces (what `zfs receive` acts
// on: fromguid picks the snapshot it applies to or clones from), read and rewritten in
// place: the first substream BEGIN record (dmu_replay_record_t, 312 bytes; after a compound
// BEGIN + nvlist payload + END with -p/-I; docs/FORMAT.md, include/sys/zfs_ioctl.h). The fake
// zfs writes the same records and its receive takes the first record's GUIDs from them.
const RECORD = 312;
const MAGIC = 0x2f5bacbacn;

export interface BeginGuids {
  toguid: string;
  fromguid: string;
}

/** Where the first substream BEGIN record is, and the stream's byte order; undefined when it is not a send stream. */
function realBeginOffset(b: Buffer): { at: number; le: boolean } | undefined {
  if (b.length < RECORD) return undefined;
  const le = b.readBigUInt64LE(8) === MAGIC;
  if (!le && b.readBigUInt64BE(8) !== MAGIC) return undefined;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const hdrtype = Number((le ? b.readBigUInt64LE(16) : b.readBigUInt64BE(16)) & 3n);
  // Compound: its nvlist payload, then an END record, then the substream BEGIN.
  const at = hdrtype === 2 ? RECORD + u32(4) + RECORD : 0;
  return at + RECORD <= b.length ? { at, le } : undefined;
}

/** The GUIDs the stream's first record announces, or undefined when it is not a send stream. */
export function readBegin(b: Buffer): BeginGuids | undefined {
  const real = realBeginOffset(b);
  if (!real) return undefined;
  const u64 = (o: number): string => String(real.le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  return { toguid: u64(real.at + 40), fromguid: u64(real.at + 48) };
}

/** A copy of `b` whose first record announces `change` instead. */
export function rewriteBegin(b: Buffer, change: Partial<BeginGuids>): Buffer {
  const out = Buffer.from(b);
  const real = realBeginOffset(out);
  if (!real) return out;
  const put = (o: number, v: string): void => void (real.le ? out.writeBigUInt64LE(BigInt(v), o) : out.writeBigUInt64BE(BigInt(v), o));
  if (change.toguid !== undefined) put(real.at + 40, change.toguid);
  if (change.fromguid !== undefined) put(real.at + 48, change.fromguid);
  return out;
}
