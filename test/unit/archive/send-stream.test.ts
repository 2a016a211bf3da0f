// The BEGIN parser on a real stream head recorded in the lab, on streams built record by
// record (either byte order, compound header or not), fed whole or one byte at a time.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_COMPOUND_PAYLOAD, MAX_RECORD_PAYLOAD, SendStreamError, SendStreamParser, type SendBegin } from '../../../src/archive/send-stream.js';
import { compoundHeader, drrRecord, streamTail, substreamBegin, writeRecord } from '../../../fakezfs/send-records.js';

/** The bytes of an `od -A d -t x1` dump ('*' repeats the line before up to the next offset). */
function fromOd(text: string): Buffer {
  const out: number[] = [];
  let previous: number[] = [];
  let repeating = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if (line.trim() === '*') {
      repeating = true;
      continue;
    }
    const [offset, ...hex] = line.trim().split(/\s+/);
    while (repeating && out.length < Number(offset)) out.push(...previous);
    repeating = false;
    previous = hex.map((h) => parseInt(h, 16));
    out.push(...previous);
  }
  return Buffer.from(out.slice(0, 1024));
}

const recorded = fromOd(readFileSync(resolve(import.meta.dirname, '../../../fixtures/lab/stream-head-I-from-origin.hex'), 'utf8'));

const SUB = { toguid: '18446744073709551615', fromguid: '42', toname: 'zones/disk0@zbak-1', type: 'volume' as const, clone: false, creation: 1 };
const FACTS: SendBegin = { toguid: SUB.toguid, fromguid: '42', type: 'volume', toname: SUB.toname };

/** Feeds `bytes` in `step`-byte chunks: up to the BEGIN facts (end()), or all of it (finish()). */
function feed(bytes: Buffer, step: number, whole: boolean): SendBegin {
  const p = new SendStreamParser();
  for (let i = 0; i < bytes.length && (whole || p.begin === null); i += step) p.push(bytes.subarray(i, i + step));
  return whole ? p.finish() : p.end();
}

const parse = (bytes: Buffer, step = bytes.length): SendBegin => feed(bytes, step, false);
const finished = (bytes: Buffer, step = bytes.length): SendBegin => feed(bytes, step, true);

/** The SendStreamError message for `bytes` (walked whole when `whole`). */
function failureOf(bytes: Buffer, step: number | undefined, whole: boolean): string {
  try {
    feed(bytes, step ?? bytes.length, whole);
  } catch (err) {
    expect(err).toBeInstanceOf(SendStreamError);
    return (err as Error).message;
  }
  throw new Error(whole ? 'walked' : 'parsed');
}

const failure = (bytes: Buffer, step?: number): string => failureOf(bytes, step, false);
const walkFailure = (bytes: Buffer, step?: number): string => failureOf(bytes, step, true);

describe('SendStreamParser', () => {
  it('parses the lab stream of zfs send -I origin (compound header, then the clone substream)', () => {
    // fixtures/lab/zstream-dump-I-from-origin.txt: the first substream's toguid and fromguid.
    expect(parse(recorded)).toEqual({
      toguid: BigInt('0xcf66b39f2479eb8b').toString(),
      fromguid: BigInt('0x931ca965b021b787').toString(),
      type: 'filesystem',
      toname: 'zones/ZONE@s1',
    });
  });

  it('gives the same answer fed one byte at a time', () => {
    expect(parse(recorded, 1)).toEqual(parse(recorded));
    const withPayload = Buffer.concat([compoundHeader('zones/x@b', Buffer.alloc(1000, 7)), substreamBegin(SUB)]);
    expect(parse(withPayload, 1)).toEqual(FACTS);
  });

  it('reads big-endian streams (the magic says the byte order)', () => {
    expect(parse(substreamBegin(SUB, true))).toEqual(FACTS);
    expect(parse(Buffer.concat([compoundHeader('zones/x@b', Buffer.alloc(33), true), substreamBegin(SUB, true)]), 7)).toEqual(FACTS);
  });

  it('skips the compound header nvlist and END to reach the substream', () => {
    const head = Buffer.concat([compoundHeader('zones/x@b', Buffer.alloc(5000, 0xff)), substreamBegin(SUB), Buffer.alloc(100)]);
    expect(parse(head, 4096)).toEqual(FACTS);
  });

  it('refuses an oversized compound nvlist without reading it', () => {
    const head = drrRecord({ drrType: 0, versioninfo: 2, payloadlen: MAX_COMPOUND_PAYLOAD + 1, toname: 'a@b' });
    expect(failure(head)).toBe(`compound BEGIN record announces a ${MAX_COMPOUND_PAYLOAD + 1}-byte nvlist, more than the ${MAX_COMPOUND_PAYLOAD} zfs receive accepts`);
  });

  it('refuses garbage with a message naming the magic', () => {
    expect(failure(Buffer.alloc(400, 'garbage!'))).toBe(
      'not a ZFS send stream: the first record has magic bytes 6761726261676521, not DMU_BACKUP_MAGIC 0x2f5bacbac',
    );
    const fake = Buffer.concat([Buffer.from('FAKEZFS1'), Buffer.alloc(400)]);
    expect(failure(fake)).toMatch(/^not a ZFS send stream: the first record has magic bytes 0{16}/);
  });

  it('refuses records that are not where a BEGIN or END must be', () => {
    const sub = substreamBegin(SUB);
    const asEnd = Buffer.from(sub);
    asEnd.writeUInt32LE(5, 0);
    expect(failure(asEnd)).toBe('the first record has type 5, expected BEGIN (0)');
    const noEnd = Buffer.concat([compoundHeader('a@b', Buffer.alloc(0)).subarray(0, 312), sub, sub]);
    expect(failure(noEnd)).toBe('record after the compound BEGIN has type 0, expected END (5)');
    const twoCompounds = Buffer.concat([compoundHeader('a@b', Buffer.alloc(0)), compoundHeader('a@b', Buffer.alloc(0))]);
    expect(failure(twoCompounds)).toBe('the record after the compound header has stream header type 2, expected a substream (1)');
  });

  it('refuses an unknown dataset type and a toname that is not a snapshot name', () => {
    const meta = drrRecord({ drrType: 0, versioninfo: 1, objsetType: 1, toname: 'a@b' });
    expect(failure(meta)).toBe('BEGIN record has dataset type 1, expected 2 (filesystem) or 3 (volume)');
    expect(failure(substreamBegin({ ...SUB, toname: 'zones/no-at' }))).toBe('BEGIN record toname is not a NUL-terminated snapshot name');
    expect(failure(substreamBegin({ ...SUB, toname: 'zones/a@b\n' }))).toBe('BEGIN record toname is not a NUL-terminated snapshot name');
  });

  it('says where a short stream ends', () => {
    expect(failure(Buffer.alloc(0))).toBe('stream ends after 0 bytes, inside its first BEGIN record');
    expect(failure(recorded.subarray(0, 311), 1)).toBe('stream ends after 311 bytes, inside its first BEGIN record');
    expect(failure(recorded.subarray(0, 400))).toBe('stream ends after 400 bytes, inside the compound header (its nvlist and END record)');
    expect(failure(recorded.subarray(0, 935), 100)).toBe('stream ends after 935 bytes, inside the first substream BEGIN record');
  });

  it('gives the BEGIN facts as soon as they are complete and walks on', () => {
    const p = new SendStreamParser();
    expect(p.push(substreamBegin(SUB))).toEqual(FACTS);
    expect(p.push(Buffer.concat([writeRecord(10), Buffer.alloc(5, 9)]))).toEqual(FACTS);
    expect(p.end()).toEqual(FACTS);
    expect(() => p.finish()).toThrow('stream ends after 629 bytes, inside the payload of the record at byte 312: it is cut short');
  });
});

/** One record of `type` with `fields` ([offset, bytes, value]) set, little-endian. */
function rec(type: number, fields: Array<[number, 4 | 8, number]> = []): Buffer {
  const b = Buffer.alloc(312);
  b.writeUInt32LE(type, 0);
  for (const [off, size, v] of fields) size === 4 ? b.writeUInt32LE(v, off) : b.writeBigUInt64LE(BigInt(v), off);
  return b;
}

const OBJECT = 1;
const FREEOBJECTS = 2;
const WRITE = 3;
const FREE = 4;
const END = 5;
const SPILL = 7;
const EMBEDDED = 8;

/** A plain (non-compound) stream: BEGIN, records, END. */
const plain = (...records: Buffer[]): Buffer => Buffer.concat([substreamBegin(SUB), ...records, rec(END)]);

/** A compound stream (-p/-I): header, a substream per list, the final END. */
const compound = (...subs: Buffer[][]): Buffer =>
  Buffer.concat([compoundHeader('zones/x@b', Buffer.alloc(40, 1)), ...subs.map((r) => Buffer.concat([substreamBegin(SUB), ...r, rec(END)])), rec(END)]);


/** Whole streams of real OpenZFS 2.1.11 (fixtures/lab/streams/make-streams.sh). */
const labStreams = ['full-p-Lec', 'inc-p-I-Lec', 'vol-p-Lec', 'full-plain'].map((name) => ({
  name,
  bytes: readFileSync(resolve(import.meta.dirname, `../../../fixtures/lab/streams/${name}.zfs`)),
}));

describe('SendStreamParser on real streams', () => {
  it('walks zfs send -L -e -c -p (full, -I, a volume) and a plain send to their final END', () => {
    const names = labStreams.map(({ name, bytes }) => [name, finished(bytes, 4096).toname, finished(bytes, 1).type]);
    expect(names).toEqual([
      ['full-p-Lec', 'zones/t@a', 'filesystem'],
      ['inc-p-I-Lec', 'zones/t@b', 'filesystem'],
      ['vol-p-Lec', 'zones/v@a', 'volume'],
      ['full-plain', 'zones/t@a', 'filesystem'],
    ]);
  });

  it('refuses each real stream cut short, with a byte more, or with a 4 KiB slice repeated, unless the walk falls back in step', () => {
    const walked: string[] = [];
    for (const { name, bytes } of labStreams) {
      for (let cut = 1; cut < bytes.length; cut += 997) expect(() => finished(bytes.subarray(0, cut), 1000)).toThrow(SendStreamError);
      expect(() => finished(Buffer.concat([bytes, Buffer.alloc(1)]))).toThrow(SendStreamError);
      for (let at = 0; at + 4096 <= bytes.length; at += 1531) {
        const twice = Buffer.concat([bytes.subarray(0, at + 4096), bytes.subarray(at)]);
        try {
          finished(twice, 65536);
          walked.push(`${name}@${at}`);
        } catch (err) {
          expect(err).toBeInstanceOf(SendStreamError);
        }
      }
    }
    // Of 123 repeats, two walk: the payload cut at the splice ends, in the repeat, exactly where
    // a record starts, so the records go on in step. zfs receive refuses those by the fletcher-4
    // checksum of the stream in each record, which the walk does not compute (FORMAT.md).
    expect(walked).toEqual(['full-p-Lec@18372', 'full-plain@18372']);
  });
});

describe('SendStreamParser walking the whole stream', () => {
  const everyKind = [
    rec(OBJECT, [[28, 4, 13]]), Buffer.alloc(16, 1), // bonuslen 13, padded to 16
    rec(OBJECT, [[28, 4, 13], [36, 4, 20]]), Buffer.alloc(20, 2), // raw_bonuslen wins
    rec(FREEOBJECTS), rec(FREE),
    writeRecord(100), Buffer.alloc(100, 3),
    rec(WRITE, [[32, 8, 131072], [96, 8, 7]]).fill(4, 50, 51), Buffer.alloc(7, 4), // compressed: compressed_size
    rec(SPILL, [[16, 8, 512]]), Buffer.alloc(512, 5),
    rec(SPILL, [[16, 8, 512], [40, 8, 33]]), Buffer.alloc(33, 6),
    rec(EMBEDDED, [[52, 4, 41]]), Buffer.alloc(48, 7), // psize 41, padded to 48
  ];

  it('walks every record kind to the END, fed whole or a byte at a time, either byte order', () => {
    expect(finished(plain(...everyKind))).toEqual(FACTS);
    expect(finished(plain(...everyKind), 1)).toEqual(FACTS);
    expect(finished(compound(everyKind, [writeRecord(3), Buffer.alloc(3)], []), 7)).toEqual(FACTS);
    const be = Buffer.concat([substreamBegin(SUB, true), writeRecord(9, true), Buffer.alloc(9), streamTail(false, true)]);
    expect(finished(be, 5)).toEqual(FACTS);
  });

  it('refuses bytes after the final END: a part written twice, or anything appended', () => {
    const whole = compound([writeRecord(100), Buffer.alloc(100)]);
    expect(walkFailure(Buffer.concat([whole, whole.subarray(whole.length - 400)]))).toBe(
      `stream goes on after its final END record (at byte ${whole.length - 312}); zfs receive stops there`,
    );
    expect(walkFailure(Buffer.concat([plain(), Buffer.alloc(1)]))).toMatch(/^stream goes on after its final END record/);
  });

  it('refuses a slice of the stream repeated in the middle, as a part written twice would be', () => {
    const whole = plain(...Array.from({ length: 8 }, (_, i) => [writeRecord(1000 + i), Buffer.alloc(1000 + i, i)]).flat());
    for (const [at, len] of [[700, 1024], [312, 4096], [2000, 100]] as const) {
      const twice = Buffer.concat([whole.subarray(0, at + len), whole.subarray(at, at + len), whole.subarray(at + len)]);
      expect(() => finished(twice, 256)).toThrow(SendStreamError);
    }
  });

  it('says where a stream is cut short', () => {
    const whole = compound([writeRecord(100), Buffer.alloc(100)], [writeRecord(5), Buffer.alloc(5)]);
    const beginAt = 312 + 40 + 312;
    expect(walkFailure(whole.subarray(0, beginAt + 312 + 50))).toBe(
      `stream ends after ${beginAt + 362} bytes, inside the record at byte ${beginAt + 312}: it is cut short`,
    );
    expect(walkFailure(whole.subarray(0, beginAt + 624 + 50))).toBe(
      `stream ends after ${beginAt + 674} bytes, inside the payload of the record at byte ${beginAt + 312}: it is cut short`,
    );
    expect(walkFailure(whole.subarray(0, beginAt + 724))).toBe(`stream ends after ${beginAt + 724} bytes, before the END record of its last substream: it is cut short`);
    expect(walkFailure(whole.subarray(0, whole.length - 312))).toBe(
      `stream ends after ${whole.length - 312} bytes, before the final END record of a compound stream: it is cut short`,
    );
    expect(walkFailure(compoundHeader('zones/x@b', Buffer.alloc(0)).subarray(0, 624).fill(0, 312, 316).fill(5, 312, 313))).toBe(
      'stream ends after 624 bytes, inside the first substream BEGIN record',
    );
  });

  it('refuses records zfs receive would not take', () => {
    expect(walkFailure(plain(rec(11)))).toBe('record at byte 312: type 11 is not a ZFS send record type (0 to 10)');
    expect(walkFailure(plain(substreamBegin(SUB)))).toBe('record at byte 312: BEGIN inside a substream, before its END record');
    expect(walkFailure(plain(rec(WRITE, [[32, 8, 16 * 1024 * 1024 + 1]])))).toBe(
      `record at byte 312: WRITE record announces a ${16 * 1024 * 1024 + 1}-byte payload, more than the ${MAX_RECORD_PAYLOAD} of the largest ZFS block`,
    );
    expect(walkFailure(plain(rec(SPILL, [[16, 8, 2 ** 60]])))).toMatch(/^record at byte 312: SPILL record announces a 1152921504606846976-byte payload/);
    const badMagic = Buffer.from(substreamBegin(SUB)).fill(0, 8, 16);
    expect(walkFailure(Buffer.concat([compoundHeader('zones/x@b', Buffer.alloc(0)), substreamBegin(SUB), rec(END), badMagic]))).toMatch(
      /^not a ZFS send stream: the record after the compound header has magic bytes 0{16}/,
    );
  });
});

/** One record zfs send may write inside a substream, with the payload its fields announce. */
const anyRecord: fc.Arbitrary<Buffer> = fc.oneof(
  fc.nat(300).map((n) => Buffer.concat([writeRecord(n), Buffer.alloc(n, 3)])),
  fc.tuple(fc.integer({ min: 1, max: 131072 }), fc.nat(300)).map(([logical, n]) =>
    Buffer.concat([rec(WRITE, [[32, 8, logical], [96, 8, n]]).fill(2, 50, 51), Buffer.alloc(n, 4)])),
  fc.tuple(fc.nat(100), fc.boolean()).map(([bonus, raw]) =>
    Buffer.concat([rec(OBJECT, [[28, 4, bonus], [36, 4, raw ? bonus + 1 : 0]]), Buffer.alloc(raw ? bonus + 1 : Math.ceil(bonus / 8) * 8, 1)])),
  fc.nat(112).map((p) => Buffer.concat([rec(EMBEDDED, [[52, 4, p]]), Buffer.alloc(Math.ceil(p / 8) * 8, 7)])),
  fc.tuple(fc.nat(600), fc.nat(200)).map(([len, c]) => Buffer.concat([rec(SPILL, [[16, 8, len], [40, 8, c]]), Buffer.alloc(c || len, 5)])),
  fc.constantFrom(rec(FREE), rec(FREEOBJECTS), rec(6), rec(9), rec(10)),
);

/** A whole stream: one plain substream, or a compound header with up to three. */
const anyStream: fc.Arbitrary<Buffer> = fc.oneof(
  fc.array(anyRecord, { maxLength: 12 }).map((records) => plain(...records)),
  fc.array(fc.array(anyRecord, { maxLength: 8 }), { minLength: 0, maxLength: 3 }).map((subs) => compound(...subs)),
);

describe('SendStreamParser on streams of any records (property)', () => {
  it('walks a whole stream in any chunking, and refuses it cut anywhere or with anything after it', () => {
    fc.assert(
      fc.property(anyStream, fc.integer({ min: 1, max: 700 }), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 400 }), (stream, step, at, extra) => {
        const compoundWithoutSubstream = stream.readUInt32LE(312 + 40) === END && stream.length === 312 * 3 + 40;
        if (compoundWithoutSubstream) {
          expect(walkFailure(stream, step)).toBe(`stream ends after ${stream.length} bytes, with no substream after its compound header`);
          return;
        }
        expect(finished(stream, step)).toEqual(FACTS);
        const cut = at % stream.length;
        expect(() => finished(stream.subarray(0, cut), step)).toThrow(SendStreamError);
        expect(walkFailure(Buffer.concat([stream, extra]), step)).toMatch(/^stream goes on after its final END record/);
      }),
      { numRuns: 300, seed: 20261204 },
    );
  });
});
