// zfs destroy refusals (children, dependent clones, holds, busy mounts) and -r/-R/-n.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeHost, makeHost } from './harness.js';

let h: FakeHost;
beforeEach(() => {
  h = makeHost();
  h.zpool('create', 'zones');
  h.ok('create', 'zones/IMG');
  h.write('zones/IMG/f', 'image');
  h.ok('snapshot', 'zones/IMG@final');
  h.ok('clone', 'zones/IMG@final', 'zones/Z');
  h.ok('snapshot', 'zones/Z@s1');
});
afterEach(() => h.cleanup());

describe('zfs destroy', () => {
  it('refuses a filesystem with snapshots or children without -r', () => {
    const r = h.zfs('destroy', 'zones/IMG');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cannot destroy 'zones/IMG': filesystem has children\nuse '-r' to destroy the following datasets:\nzones/IMG@final\n");
  });

  it('refuses -r when a snapshot has clones elsewhere, listing them for -R', () => {
    const r = h.zfs('destroy', '-r', 'zones/IMG');
    expect(r.stderr).toBe(
      "cannot destroy 'zones/IMG': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\nzones/Z@s1\nzones/Z\n",
    );
    expect(h.ok('list', '-H', '-o', 'name', '-t', 'all', '-r', 'zones')).toContain('zones/IMG@final');
  });

  it('refuses a snapshot with dependent clones without -R and destroys them with it', () => {
    const r = h.zfs('destroy', 'zones/IMG@final');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "cannot destroy 'zones/IMG@final': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\nzones/Z@s1\nzones/Z\n",
    );
    expect(h.ok('destroy', '-R', 'zones/IMG@final')).toBe('');
    expect(h.ok('list', '-H', '-o', 'name', '-t', 'all', '-r', 'zones')).toBe('zones\nzones/IMG\n');
    expect(h.exists('zones/Z')).toBe(false);
  });

  it('refuses a held snapshot as busy until released', () => {
    h.ok('hold', 'keep', 'zones/Z@s1');
    expect(h.ok('holds', '-H', 'zones/Z@s1')).toMatch(/^zones\/Z@s1\tkeep\t\w{3} \w{3} [ 0-9]\d \d\d:\d\d \d{4}\n$/);
    const r = h.zfs('destroy', 'zones/Z@s1');
    expect(r.stderr).toBe('cannot destroy snapshot zones/Z@s1: dataset is busy\n');
    expect(h.zfs('release', 'nope', 'zones/Z@s1').stderr).toBe("cannot release hold from snapshot 'zones/Z@s1': no such tag on this dataset\n");
    h.ok('release', 'keep', 'zones/Z@s1');
    h.ok('destroy', 'zones/Z@s1');
  });

  it('prints what -nv would destroy and changes nothing', () => {
    expect(h.ok('destroy', '-nv', '-r', 'zones/Z')).toBe('would destroy zones/Z@s1\nwould destroy zones/Z\n');
    expect(h.exists('zones/Z/f')).toBe(true);
    expect(h.zfs('destroy', 'zones/Z@nope').stderr).toBe('could not find any snapshots to destroy; check snapshot names.\n');
  });

  it('destroys a clone and its files with -fr, leaving the origin', () => {
    h.ok('destroy', '-fr', 'zones/Z');
    expect(h.exists('zones/Z')).toBe(false);
    expect(h.ok('get', '-H', '-o', 'value', 'clones', 'zones/IMG@final')).toBe('-\n');
  });

  it('will not unmount a filesystem with another mounted inside it', () => {
    h.ok('create', '-o', 'mountpoint=none', 'zones/cores');
    h.ok('create', '-o', 'mountpoint=/zones/Z/cores', 'zones/cores/Z');
    const r = h.zfs('destroy', '-r', 'zones/Z');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cannot unmount '/zones/Z': pool or dataset is busy\n");
    h.ok('umount', 'zones/cores/Z');
    h.ok('destroy', '-r', 'zones/Z');
  });

  it('refuses the pool root without -r', () => {
    expect(h.zfs('destroy', 'zones').stderr).toBe(
      "cannot destroy 'zones': operation does not apply to pools\nuse 'zfs destroy -r zones' to destroy all datasets in the pool\nuse 'zpool destroy zones' to destroy the pool itself\n",
    );
  });
});
