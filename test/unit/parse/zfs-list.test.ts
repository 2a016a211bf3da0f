import { describe, expect, it } from 'vitest';
import { parseSnapshotGuids, parseZfsList, ZFS_LIST_COLUMNS_AVAILABLE } from '../../../src/parse/zfs-list.js';
import { parseZfsGet, localProps } from '../../../src/parse/zfs-get.js';
import { ParseError } from '../../../src/errors.js';
import { fixture } from '../../support/fixtures.js';

describe('parseZfsList', () => {
  it('parses every row of host A with types, origins and guids', () => {
    const rows = parseZfsList(fixture('zfs/host-a-list.tsv'));
    expect(rows).toHaveLength(41);
    const zone = rows.find((r) => r.name === 'zones/8aa8dff0-5ee1-4d22-a283-bf79505dfbe3')!;
    expect(zone).toMatchObject({ type: 'filesystem', origin: 'zones/39665d70-e5f6-48b5-9000-9b650ef7cd06@final', used: 2298478592 });
    const final = rows.find((r) => r.name === 'zones/f9f08f51-bd01-4f30-be77-7d8ba526ad2b@final')!;
    expect(final).toMatchObject({ type: 'snapshot', guid: '10816446272365521433', mountpoint: undefined, origin: undefined });
    expect(rows.find((r) => r.name === 'zones/dump')!.type).toBe('volume');
  });

  it('with `available` last (restore): the pool row carries the free bytes, a snapshot none', () => {
    const cols = ZFS_LIST_COLUMNS_AVAILABLE;
    const rows = parseZfsList('zones\tfilesystem\t-\t1\t1\t10\t10\t/zones\t4096\nzones@s\tsnapshot\t-\t2\t2\t0\t10\t-\t-\n', cols);
    expect(rows.map((r) => r.available)).toEqual([4096, undefined]);
    expect(() => parseZfsList('zones\tfilesystem\t-\t1\t1\t10\t10\t/zones\n', cols)).toThrow(/8 fields, expected 9/);
    expect(() => parseZfsList('zones\tfilesystem\t-\t1\t1\t10\t10\t/zones\tlots\n', cols)).toThrow(/available "lots"/);
  });

  it('keeps 64-bit guids exact (as strings)', () => {
    const [row] = parseZfsList('zones/a@s\tsnapshot\t-\t18446744073709551615\t5\t0\t0\t-\n');
    expect(row!.guid).toBe('18446744073709551615');
  });

  it('rejects a short line, naming the line', () => {
    expect(() => parseZfsList('zones\tfilesystem\n')).toThrow(/line 1 has 2 fields/);
    expect(() => parseZfsList('zones\tfilesystem\n')).toThrow(ParseError);
  });

  it('rejects a non-numeric guid and an unknown type', () => {
    expect(() => parseZfsList('zones/a\tfilesystem\t-\tabc\t1\t0\t0\t/a\n')).toThrow(/guid "abc"/);
    expect(() => parseZfsList('zones/a\tpotato\t-\t1\t1\t0\t0\t/a\n')).toThrow(/unknown type "potato"/);
  });
});

describe('parseZfsGet', () => {
  it('groups properties by dataset and keeps sources', () => {
    const props = parseZfsGet(fixture('smartos/host-a/zfs-get.tsv'));
    const data = props.get('zones/8aa8dff0-5ee1-4d22-a283-bf79505dfbe3/data')!;
    expect(data.get('zoned')).toEqual({ value: 'on', source: 'local' });
    expect(data.get('compression')).toEqual({ value: 'lz4', source: 'local' });
    expect(localProps(props.get('zones/8aa8dff0-5ee1-4d22-a283-bf79505dfbe3'))).toEqual({ quota: '21474836480', devices: 'off' });
  });
});

describe('parseSnapshotGuids', () => {
  it('reads snapshot and GUID pairs, and refuses anything else', () => {
    expect(parseSnapshotGuids('zones/a@s1\t123\nzones/a/data@s1\t18446744073709551615\n')).toEqual([
      { name: 'zones/a@s1', guid: '123' },
      { name: 'zones/a/data@s1', guid: '18446744073709551615' },
    ]);
    expect(() => parseSnapshotGuids('zones/a\t123\n')).toThrow(ParseError);
    expect(() => parseSnapshotGuids('zones/a@s1\t12x\n')).toThrow(/line 1/);
    expect(() => parseSnapshotGuids('zones/a@s1\t1\textra\n')).toThrow(ParseError);
  });
});
