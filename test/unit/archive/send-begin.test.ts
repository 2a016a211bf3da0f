// The BEGIN parser on a real stream head recorded in the lab, on streams built record by
// record (either byte order, compound header or not), fed whole or one byte at a time.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_COMPOUND_PAYLOAD, SendBeginError, SendBeginParser, type SendBegin } from '../../../src/archive/send-begin.js';
import { compoundHeader, drrRecord, substreamBegin } from '../../../fakezfs/send-records.js';

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

function parse(bytes: Buffer, step = bytes.length): SendBegin {
  const p = new SendBeginParser();
  for (let i = 0; i < bytes.length && p.begin === null; i += step) p.push(bytes.subarray(i, i + step));
  return p.end();
}

const failure = (bytes: Buffer, step?: number): string => {
  try {
    parse(bytes, step);
  } catch (err) {
    expect(err).toBeInstanceOf(SendBeginError);
    return (err as Error).message;
  }
  throw new Error('parsed');
};

describe('SendBeginParser', () => {
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

  it('ignores what follows the BEGIN and keeps its answer', () => {
    const p = new SendBeginParser();
    expect(p.push(Buffer.concat([substreamBegin(SUB), Buffer.alloc(1000, 1)]))).toEqual(FACTS);
    expect(p.push(Buffer.alloc(10, 9))).toEqual(FACTS);
    expect(p.end()).toEqual(FACTS);
  });
});
