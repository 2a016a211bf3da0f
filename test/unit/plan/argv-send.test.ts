// Every zfs send argv comes from zfs.send: -L -e -c always, in one place.
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
