// Files behind datasets: snapshots freeze them, clones start from them,
// unmount hides them, volumes live under /dev/zvol/rdsk.
import { readFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeHost, makeHost } from './harness.js';

let h: FakeHost;
beforeEach(() => {
  h = makeHost();
  h.zpool('create', 'zones');
});
afterEach(() => h.cleanup());

describe('dataset content', () => {
  it('freezes a snapshot; a clone starts from it; a child mounted inside is not part of it', () => {
    h.ok('create', 'zones/A');
    h.ok('create', 'zones/A/data');
    h.write('zones/A/top', 'v1');
    h.write('zones/A/data/inner', 'child');
    h.ok('snapshot', 'zones/A@s');
    h.write('zones/A/top', 'v2');
    h.ok('clone', 'zones/A@s', 'zones/B');
    expect(h.read('zones/B/top')).toBe('v1');
    expect(h.exists('zones/B/data')).toBe(true);
    expect(h.exists('zones/B/data/inner')).toBe(false);
    expect(h.read('zones/A/top')).toBe('v2');
  });

  it('moves files out of the root while unmounted and back on mount', () => {
    h.ok('create', 'zones/A');
    h.write('zones/A/f', 'kept');
    h.ok('umount', 'zones/A');
    expect(h.exists('zones/A/f')).toBe(false);
    expect(h.ok('get', '-H', '-o', 'value', 'mounted', 'zones/A')).toBe('no\n');
    expect(h.zfs('umount', 'zones/A').stderr).toBe("cannot unmount 'zones/A': not currently mounted\n");
    h.ok('mount', 'zones/A');
    expect(h.read('zones/A/f')).toBe('kept');
    expect(h.zfs('mount', 'zones/A').stderr).toBe("cannot mount 'zones/A': filesystem already mounted\n");
  });

  it('keeps zoned filesystems unmounted in the global zone', () => {
    h.ok('create', '-o', 'zoned=on', 'zones/Z');
    expect(h.zfs('mount', 'zones/Z').stderr).toBe("cannot mount 'zones/Z': dataset is exported to a local zone\n");
  });

  it('moves files when the mountpoint changes and on rename', () => {
    h.ok('create', 'zones/A');
    h.write('zones/A/f', 'x');
    h.ok('set', 'mountpoint=/srv/a', 'zones/A');
    expect(h.read('srv/a/f')).toBe('x');
    expect(h.ok('get', '-H', '-o', 'value,source', 'mountpoint', 'zones/A')).toBe('/srv/a\tlocal\n');
    h.ok('inherit', 'mountpoint', 'zones/A');
    h.ok('rename', 'zones/A', 'zones/B');
    expect(h.read('zones/B/f')).toBe('x');
    expect(h.exists('zones/A')).toBe(false);
  });

  it('removes files on destroy', () => {
    h.ok('create', 'zones/A');
    h.write('zones/A/f', 'x');
    h.ok('snapshot', 'zones/A@s');
    h.ok('destroy', '-r', 'zones/A');
    expect(h.exists('zones/A')).toBe(false);
    expect(h.ok('list', '-H', '-o', 'name', '-t', 'all')).toBe('zones\n');
  });

  it('keeps volume bytes in /dev/zvol/rdsk and sizes them with volsize', () => {
    h.ok('create', '-V', '8M', 'zones/vol');
    const dev = h.path('dev/zvol/rdsk/zones/vol');
    expect(statSync(dev).size).toBe(8 * 1024 * 1024);
    h.ok('snapshot', 'zones/vol@s');
    h.ok('set', 'volsize=16M', 'zones/vol');
    expect(statSync(dev).size).toBe(16 * 1024 * 1024);
    expect(h.zfs('set', 'volsize=1000', 'zones/vol').stderr).toBe(
      "cannot set property for 'zones/vol': volsize must be a multiple of volume block size\n",
    );
    h.ok('clone', 'zones/vol@s', 'zones/vol2');
    expect(statSync(h.path('dev/zvol/rdsk/zones/vol2')).size).toBe(8 * 1024 * 1024);
    expect(readFileSync(h.path('dev/zvol/rdsk/zones/vol2')).every((b) => b === 0)).toBe(true);
  });

  it('promotes a clone: it takes the origin snapshot and the parent becomes its clone', () => {
    h.ok('create', 'zones/A');
    h.ok('snapshot', 'zones/A@s');
    h.ok('clone', 'zones/A@s', 'zones/B');
    expect(h.zfs('promote', 'zones/A').stderr).toBe("cannot promote 'zones/A': not a cloned filesystem\n");
    h.ok('promote', 'zones/B');
    expect(h.ok('list', '-H', '-o', 'name,origin', '-t', 'all', '-r', 'zones')).toBe(
      'zones\t-\nzones/A\tzones/B@s\nzones/B\t-\nzones/B@s\t-\n',
    );
  });
});

describe('zfs create and snapshot refusals', () => {
  it('refuses existing datasets, missing parents and missing pools', () => {
    h.ok('create', 'zones/A');
    expect(h.zfs('create', 'zones/A').stderr).toBe("cannot create 'zones/A': dataset already exists\n");
    expect(h.zfs('create', 'zones/x/y').stderr).toBe("cannot create 'zones/x/y': parent does not exist\n");
    expect(h.zfs('create', 'tank/x').stderr).toBe("cannot create 'tank/x': no such pool 'tank'\n");
    h.ok('create', '-p', 'zones/x/y');
    expect(h.zfs('create', '-o', 'bogus=1', 'zones/q').stderr).toBe("cannot create 'zones/q': invalid property 'bogus'\n");
  });

  it('takes several snapshots atomically: all or none, one txg', () => {
    h.ok('create', 'zones/A');
    h.ok('create', 'zones/B');
    h.ok('snapshot', 'zones/B@s');
    const r = h.zfs('snapshot', 'zones/A@s', 'zones/B@s');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cannot create snapshot 'zones/B@s': dataset already exists\nno snapshots were created\n");
    expect(h.zfs('list', 'zones/A@s').code).toBe(1);
    h.ok('snapshot', '-r', 'zones@t');
    const rows = h.ok('list', '-H', '-o', 'name,createtxg', '-t', 'snapshot', '-r', 'zones').split('\n');
    const txgs = rows.filter((r) => r.includes('@t\t')).map((r) => r.split('\t')[1]);
    expect(txgs).toHaveLength(3);
    expect(new Set(txgs).size).toBe(1);
    expect(h.zfs('snapshot', 'zones/nope@x').code).toBe(2);
  });
});
