// Every zfs send argv comes from zfs.send: -L -e -c always, in one place; and the batched
// destroy and scoped list builders, which must never let a name become an option or a list.
import { describe, expect, it } from 'vitest';
import { zfs } from '../../../src/plan/argv.js';

const Z = 'zones/8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';

describe('zfs.send', () => {
  it('a full stream: large, embedded and compressed blocks as stored', () => {
    expect(zfs.send({ snapshot: 'zones/img@final' })).toEqual(['zfs', 'send', '-L', '-e', '-c', 'zones/img@final']);
  });

  it('with properties and an incremental source: the flags come before -p and the source', () => {
    expect(zfs.send({ snapshot: `${Z}@zbak-2`, props: true, from: { kind: '-I', snapshot: 'zones/img@final' } })).toEqual([
      'zfs', 'send', '-L', '-e', '-c', '-p', '-I', 'zones/img@final', `${Z}@zbak-2`,
    ]);
    expect(zfs.send({ snapshot: `${Z}@zbak-2`, props: true, from: { kind: '-I', snapshot: '@zbak-1' } })).toEqual([
      'zfs', 'send', '-L', '-e', '-c', '-p', '-I', '@zbak-1', `${Z}@zbak-2`,
    ]);
    expect(zfs.send({ snapshot: 'zones/b@final', from: { kind: '-i', snapshot: 'zones/a@final' } })).toEqual([
      'zfs', 'send', '-L', '-e', '-c', '-i', 'zones/a@final', 'zones/b@final',
    ]);
  });

  it('refuses a name that is not a snapshot or could be read as an option', () => {
    expect(() => zfs.send({ snapshot: Z })).toThrow(/refusing/);
    expect(() => zfs.send({ snapshot: '-R@x' })).toThrow(/refusing/);
    expect(() => zfs.send({ snapshot: `${Z}@a`, from: { kind: '-I', snapshot: '@a b' } })).toThrow(/refusing/);
    expect(() => zfs.send({ snapshot: `${Z}@a`, from: { kind: '-i', snapshot: 'x' } })).toThrow(/refusing/);
  });
});

describe('zfs.destroySnapshots and zfs.listTrees', () => {
  it('several snapshots of one dataset in one argument, -r only when asked', () => {
    expect(zfs.destroySnapshots(Z, ['zbak-20261120T010000Z', 'zbak-20261121T010000Z'], false)).toEqual([
      'zfs', 'destroy', `${Z}@zbak-20261120T010000Z,zbak-20261121T010000Z`,
    ]);
    expect(zfs.destroySnapshots(Z, ['zbak-20261120T010000Z'], true)).toEqual(['zfs', 'destroy', '-r', `${Z}@zbak-20261120T010000Z`]);
  });

  it('refuses an empty list and a name that zfs destroy would read as a list or a range', () => {
    expect(() => zfs.destroySnapshots(Z, [], false)).toThrow(/refusing/);
    expect(() => zfs.destroySnapshots(Z, ['a,b'], false)).toThrow(/refusing/);
    expect(() => zfs.destroySnapshots(Z, ['a%b'], false)).toThrow(/refusing/);
    expect(() => zfs.destroySnapshots('-r', ['a'], false)).toThrow(/refusing/);
  });

  it('lists only the named trees, each checked', () => {
    expect(zfs.listTrees([Z, 'zones/cores/x'])).toEqual([
      'zfs', 'list', '-H', '-p', '-t', 'all', '-o', 'name,type,origin,guid,createtxg,used,referenced,mountpoint', '-r', Z, 'zones/cores/x',
    ]);
    expect(() => zfs.listTrees(['-o'])).toThrow(/refusing/);
  });
});
