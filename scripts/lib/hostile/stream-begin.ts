// The from/to GUIDs a send stream's first record announces (what `zfs receive` acts
// on: fromguid picks the snapshot it applies to or clones from), read and rewritten in
// place. Two layouts: the real OpenZFS head (dmu_replay_record_t, 312 bytes; a
// compound BEGIN + nvlist payload + END first with -p/-I, then the substream BEGIN;
// docs/FORMAT.md, include/sys/zfs_ioctl.h), which the fake zfs writes once that
// change lands, followed by or instead of the fake's own "FAKEZFS1" frames whose
// first 'B' frame is JSON (fakezfs/README.md). Both are rewritten together so the
// fake receive, whichever it reads, sees the same GUIDs.
import { createHash } from 'node:crypto';

const RECORD = 312;
const MAGIC = 0x2f5bacbacn;
const FAKE_MAGIC = Buffer.from('FAKEZFS1');

export interface BeginGuids {
  toguid: string;
  fromguid: string;
}

/** Offset of the first substream BEGIN record of a real-format head, or -1. */
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

/** Where the fake frames start: at 0, or after the real head's records. */
function fakeStart(b: Buffer): number {
  const i = b.indexOf(FAKE_MAGIC);
  return i;
}

interface Frame {
  type: string;
  at: number;
  payload: Buffer;
}

function frames(b: Buffer, from: number): Frame[] {
  const out: Frame[] = [];
  let off = from + FAKE_MAGIC.length;
  while (off + 5 <= b.length) {
    const len = b.readUInt32BE(off + 1);
    out.push({ type: String.fromCharCode(b[off]!), at: off, payload: b.subarray(off + 5, off + 5 + len) });
    off += 5 + len;
  }
  return out;
}

const frameBytes = (type: string, payload: Buffer): Buffer => {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

/** The GUIDs the stream's first record announces, or undefined when neither layout is found. */
export function readBegin(b: Buffer): BeginGuids | undefined {
  const real = realBeginOffset(b);
  if (real) {
    const u64 = (o: number): string => String(real.le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    return { toguid: u64(real.at + 40), fromguid: u64(real.at + 48) };
  }
  const start = fakeStart(b);
  if (start < 0) return undefined;
  const first = frames(b, start)[0];
  if (first?.type !== 'B') return undefined;
  const j = JSON.parse(first.payload.toString('utf8')) as BeginGuids;
  return { toguid: String(j.toguid), fromguid: String(j.fromguid) };
}

/** A copy of `b` whose first record announces `change` instead (the fake record's checksum recomputed). */
export function rewriteBegin(b: Buffer, change: Partial<BeginGuids>): Buffer {
  let out = Buffer.from(b);
  const real = realBeginOffset(out);
  if (real) {
    const put = (o: number, v: string): void => void (real.le ? out.writeBigUInt64LE(BigInt(v), o) : out.writeBigUInt64BE(BigInt(v), o));
    if (change.toguid !== undefined) put(real.at + 40, change.toguid);
    if (change.fromguid !== undefined) put(real.at + 48, change.fromguid);
  }
  const start = fakeStart(out);
  if (start < 0) return out;
  const fs = frames(out, start);
  const endAt = fs.findIndex((f) => f.type === 'E');
  if (fs[0]?.type !== 'B' || endAt < 0) return out;
  const begin = { ...(JSON.parse(fs[0].payload.toString('utf8')) as Record<string, unknown>), ...change };
  const record = [frameBytes('B', Buffer.from(JSON.stringify(begin))), ...fs.slice(1, endAt).map((f) => frameBytes(f.type, f.payload))];
  const digest = createHash('sha256');
  for (const r of record) digest.update(r);
  const endFrame = fs[endAt]!;
  const after = endFrame.at + 5 + endFrame.payload.length;
  out = Buffer.concat([out.subarray(0, fs[0].at), ...record, frameBytes('E', digest.digest()), out.subarray(after)]);
  return out;
}
