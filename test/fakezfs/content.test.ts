// Files behind datasets: snapshots freeze them, clones start from them,
// unmount hides them, volumes live under /dev/zvol/rdsk.
import { readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { hostPerTest } from './harness.js';

const hosts = hostPerTest();
afterAll(hosts.cleanup);

describe.concurrent('dataset content', () => {
  it('freezes a snapshot; a clone starts from it; a child mounted inside is not part of it', async () => {
    const h = await hosts.host();
    await h.ok('create', 'zones/A');
    await h.ok('create', 'zones/A/data');
    h.write('zones/A/top', 'v1');
    h.write('zones/A/data/inner', 'child');
    await h.ok('snapshot', 'zones/A@s');
    h.write('zones/A/top', 'v2');
    await h.ok('clone', 'zones/A@s', 'zones/B');
    expect(h.read('zones/B/top')).toBe('v1');
    expect(h.exists('zones/B/data')).toBe(true);
    expect(h.exists('zones/B/data/inner')).toBe(false);
    expect(h.read('zones/A/top')).toBe('v2');
  });

  it('moves files out of the root while unmounted and back on mount', async () => {
    const h = await hosts.host();
    await h.ok('create', 'zones/A');
    h.write('zones/A/f', 'kept');
    await h.ok('umount', 'zones/A');
    expect(h.exists('zones/A/f')).toBe(false);
    expect(await h.ok('get', '-H', '-o', 'value', 'mounted', 'zones/A')).toBe('no\n');
    expect((await h.zfs('umount', 'zones/A')).stderr).toBe("cannot unmount 'zones/A': not currently mounted\n");
    await h.ok('mount', 'zones/A');
    expect(h.read('zones/A/f')).toBe('kept');
    expect((await h.zfs('mount', 'zones/A')).stderr).toBe("cannot mount 'zones/A': filesystem already mounted\n");
  });

  it('keeps zoned filesystems unmounted in the global zone', async () => {
    const h = await hosts.host();
    await h.ok('create', '-o', 'zoned=on', 'zones/Z');
    expect((await h.zfs('mount', 'zones/Z')).stderr).toBe("cannot mount 'zones/Z': dataset is exported to a local zone\n");
  });

  it('moves files when the mountpoint changes and on rename', async () => {
    const h = await hosts.host();
    await h.ok('create', 'zones/A');
    h.write('zones/A/f', 'x');
    await h.ok('set', 'mountpoint=/srv/a', 'zones/A');
    expect(h.read('srv/a/f')).toBe('x');
    expect(await h.ok('get', '-H', '-o', 'value,source', 'mountpoint', 'zones/A')).toBe('/srv/a\tlocal\n');
    await h.ok('inherit', 'mountpoint', 'zones/A');
    await h.ok('rename', 'zones/A', 'zones/B');
    expect(h.read('zones/B/f')).toBe('x');
    expect(h.exists('zones/A')).toBe(false);
  });

  it('removes files on destroy', async () => {
    const h = await hosts.host();
    await h.ok('create', 'zones/A');
    h.write('zones/A/f', 'x');
    await h.ok('snapshot', 'zones/A@s');
    await h.ok('destroy', '-r', 'zones/A');
    expect(h.exists('zones/A')).toBe(false);
    expect(await h.ok('list', '-H', '-o', 'name', '-t', 'all')).toBe('zones\n');
  });

  it('keeps volume bytes in /dev/zvol/rdsk and sizes them with volsize', async () => {
    const h = await hosts.host();
    await h.ok('create', '-V', '8M', 'zones/vol');
    const dev = h.path('dev/zvol/rdsk/zones/vol');
    expect(statSync(dev).size).toBe(8 * 1024 * 1024);
    await h.ok('snapshot', 'zones/vol@s');
    await h.ok('set', 'volsize=16M', 'zones/vol');
    expect(statSync(dev).size).toBe(16 * 1024 * 1024);
    expect((await h.zfs('set', 'volsize=1000', 'zones/vol')).stderr).toBe(
      "cannot set property for 'zones/vol': volsize must be a multiple of volume block size\n",
    );
    await h.ok('clone', 'zones/vol@s', 'zones/vol2');
    expect(statSync(h.path('dev/zvol/rdsk/zones/vol2')).size).toBe(8 * 1024 * 1024);
    expect(readFileSync(h.path('dev/zvol/rdsk/zones/vol2')).every((b) => b === 0)).toBe(true);
  });

  it('promotes a clone: it takes the origin snapshot and the parent becomes its clone', async () => {
    const h = await hosts.host();
    await h.ok('create', 'zones/A');
    await h.ok('snapshot', 'zones/A@s');
    await h.ok('clone', 'zones/A@s', 'zones/B');
    expect((await h.zfs('promote', 'zones/A')).stderr).toBe("cannot promote 'zones/A': not a cloned filesystem\n");
    await h.ok('promote', 'zones/B');
    expect(await h.ok('list', '-H', '-o', 'name,origin', '-t', 'all', '-r', 'zones')).toBe(
      'zones\t-\nzones/A\tzones/B@s\nzones/B\t-\nzones/B@s\t-\n',
    );
  });
});

describe.concurrent('zfs create and snapshot refusals', () => {
  it('refuses existing datasets, missing parents and missing pools', async () => {
    const h = await hosts.host();
    await h.ok('create', 'zones/A');
    expect((await h.zfs('create', 'zones/A')).stderr).toBe("cannot create 'zones/A': dataset already exists\n");
    expect((await h.zfs('create', 'zones/x/y')).stderr).toBe("cannot create 'zones/x/y': parent does not exist\n");
    expect((await h.zfs('create', 'tank/x')).stderr).toBe("cannot create 'tank/x': no such pool 'tank'\n");
    await h.ok('create', '-p', 'zones/x/y');
    expect((await h.zfs('create', '-o', 'bogus=1', 'zones/q')).stderr).toBe("cannot create 'zones/q': invalid property 'bogus'\n");
  });

  it('takes several snapshots atomically: all or none, one txg', async () => {
    const h = await hosts.host();
    await h.ok('create', 'zones/A');
    await h.ok('create', 'zones/B');
    await h.ok('snapshot', 'zones/B@s');
    const r = await h.zfs('snapshot', 'zones/A@s', 'zones/B@s');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cannot create snapshot 'zones/B@s': dataset already exists\nno snapshots were created\n");
    expect((await h.zfs('list', 'zones/A@s')).code).toBe(1);
    await h.ok('snapshot', '-r', 'zones@t');
    const rows = (await h.ok('list', '-H', '-o', 'name,createtxg', '-t', 'snapshot', '-r', 'zones')).split('\n');
    const txgs = rows.filter((r) => r.includes('@t\t')).map((r) => r.split('\t')[1]);
    expect(txgs).toHaveLength(3);
    expect(new Set(txgs).size).toBe(1);
    expect((await h.zfs('snapshot', 'zones/nope@x')).code).toBe(2);
  });
});
