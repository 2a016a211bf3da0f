import { describe, expect, it } from 'vitest';
import { copyReceiveProps, renameUuidInPath } from '../../../src/plan/copy-rewrite.js';
import { zfs } from '../../../src/plan/argv.js';
import type { StreamSpec } from '../../../src/archive/format.js';
import { PlanConflictError } from '../../../src/errors.js';

const OLD = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
const NEW = '0badc0de-0000-4000-8000-000000000001';

const stream = (role: StreamSpec['role'], dataset: string, properties?: Record<string, string>): StreamSpec => ({
  id: 's03', role, dataset, kind: 'full', to: { snapshot: 'zbak-20261122T050000Z', guid: '1' },
  snapshots: [{ name: 'zbak-20261122T050000Z', guid: '1' }], withProperties: true, sendArgv: [],
  ...(properties ? { properties } : {}),
});

describe('renameUuidInPath', () => {
  it('replaces the uuid only as a whole path component', () => {
    expect(renameUuidInPath(`/zones/${OLD}/cores`, OLD, NEW)).toBe(`/zones/${NEW}/cores`);
    expect(renameUuidInPath(`/zones/${OLD}`, OLD, NEW)).toBe(`/zones/${NEW}`);
    expect(renameUuidInPath(`/srv/${OLD}/a/${OLD}`, OLD, NEW)).toBe(`/srv/${NEW}/a/${NEW}`);
    expect(renameUuidInPath(`/zones/${OLD}x/cores`, OLD, NEW)).toBeUndefined();
    expect(renameUuidInPath(`/zones/x${OLD}`, OLD, NEW)).toBeUndefined();
    expect(renameUuidInPath(`/zones/${OLD}-disk0`, OLD, NEW)).toBeUndefined();
    expect(renameUuidInPath('/zones/other/cores', OLD, NEW)).toBeUndefined();
    expect(renameUuidInPath('none', OLD, NEW)).toBeUndefined();
    expect(renameUuidInPath(OLD, OLD, NEW)).toBeUndefined();
  });

  it('leaves anything that is not a plain absolute path alone', () => {
    for (const v of [`zones/${OLD}`, `/zones/${OLD}/../etc`, `/zones//${OLD}`, `/zones/${OLD}/a b`, `/zones/${OLD}/$(x)`, `/zones/${OLD}/\n`]) {
      expect(renameUuidInPath(v, OLD, NEW), v).toBeUndefined();
    }
  });
});

describe('copyReceiveProps', () => {
  it('rewrites every recorded value that names the original uuid, sorted, and says so', () => {
    const r = copyReceiveProps(
      stream('cores', `cores/${OLD}`, { mountpoint: `/zones/${OLD}/cores`, quota: '107374182400', 'com.example:home': `/zones/${OLD}/root/home`, 'com.example:note': OLD }),
      OLD, NEW, 'zones',
    );
    expect(r.props).toEqual({ set: { 'com.example:home': `/zones/${NEW}/root/home`, mountpoint: `/zones/${NEW}/cores` } });
    expect(r.changes).toEqual([`com.example:home /zones/${OLD}/root/home -> /zones/${NEW}/root/home`, `mountpoint /zones/${OLD}/cores -> /zones/${NEW}/cores`]);
  });

  it('cores gets the mountpoint vmadm gives a new zone when the archive records none (older archives)', () => {
    expect(copyReceiveProps(stream('cores', `cores/${OLD}`), OLD, NEW, 'tank').props).toEqual({ set: { mountpoint: `/tank/${NEW}/cores` } });
  });

  it('a zoneroot without a recorded mountpoint inherits one, whatever the stream carries; other datasets keep theirs', () => {
    expect(copyReceiveProps(stream('zoneroot', OLD, { quota: '1' }), OLD, NEW, 'zones').props).toEqual({ exclude: ['mountpoint'] });
    expect(copyReceiveProps(stream('zoneroot', OLD), OLD, NEW, 'zones').props).toEqual({ exclude: ['mountpoint'] });
    expect(copyReceiveProps(stream('dataset', `${OLD}/data`, { zoned: 'on', mountpoint: '/data' }), OLD, NEW, 'zones').props).toEqual({});
    expect(copyReceiveProps(stream('disk', `${OLD}-disk0`, { volsize: '1' }), OLD, NEW, 'zones').props).toEqual({});
  });

  it('refuses the copy when a value names the uuid in a form it does not rewrite', () => {
    expect(() => copyReceiveProps(stream('dataset', `${OLD}/data`, { mountpoint: `/zones/${OLD}/a b` }), OLD, NEW, 'zones')).toThrow(PlanConflictError);
    expect(() => copyReceiveProps(stream('dataset', `${OLD}/data`, { 'x:y': `/zones/${OLD}/../../etc` }), OLD, NEW, 'zones')).toThrow(/cannot be restored as a copy/);
  });
});

describe('zfs.receive with properties', () => {
  it('puts -o before -x before the target', () => {
    expect(zfs.receive('zones/a', true, { set: { mountpoint: '/zones/a/cores' }, exclude: ['mountpoint'] })).toEqual([
      'zfs', 'receive', '-u', '-F', '-o', 'mountpoint=/zones/a/cores', '-x', 'mountpoint', 'zones/a',
    ]);
    expect(zfs.receive('zones/a')).toEqual(['zfs', 'receive', '-u', 'zones/a']);
  });

  it('refuses property names and values outside the grammar', () => {
    expect(() => zfs.receive('zones/a', true, { set: { '-F': 'x' } })).toThrow(/property name/);
    expect(() => zfs.receive('zones/a', true, { exclude: ['a b'] })).toThrow(/property name/);
    expect(() => zfs.receive('zones/a', true, { set: { mountpoint: 'relative' } })).toThrow(/refusing/);
    expect(() => zfs.receive('zones/a', true, { set: { mountpoint: '/zones/../etc' } })).toThrow(/refusing/);
    expect(() => zfs.receive('zones/a', true, { set: { 'x:y': 'a\nb' } })).toThrow(/refusing/);
    expect(zfs.receive('zones/a', true, { set: { mountpoint: 'none' } })).toContain('mountpoint=none');
  });
});
