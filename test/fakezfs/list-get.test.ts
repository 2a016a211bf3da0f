// zfs list / zfs get output: formats, ordering, sources, mountpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHost, makeHost } from './harness.js';

let h: FakeHost;
beforeAll(async () => {
  h = makeHost();
  await h.okPool('create', 'zones');
  await h.ok('create', '-o', 'quota=10G', '-o', 'com.example:owner=ops', 'zones/A');
  await h.ok('create', 'zones/A/b');
  await h.ok('create', '-o', 'zoned=on', 'zones/A/data');
  await h.ok('create', '-o', 'mountpoint=none', 'zones/cores');
  await h.ok('create', '-o', 'mountpoint=/zones/A/cores', 'zones/cores/A');
  await h.ok('create', '-o', 'mountpoint=legacy', 'zones/config');
  h.write('zones/A/one.txt', 'x'.repeat(1000));
  await h.ok('snapshot', 'zones/A@z-first');
  await h.ok('snapshot', 'zones/A@a-second');
  await h.ok('create', '-V', '16M', 'zones/vol');
});
afterAll(() => h.cleanup());

describe.concurrent('zfs list', () => {
  it('prints the default columns with a header, numbers right-aligned', async () => {
    const out = await h.ok('list', 'zones/A/b');
    const [head, row] = out.split('\n');
    expect(head).toMatch(/^NAME\s+USED\s+AVAIL\s+REFER\s+MOUNTPOINT$/);
    expect(row).toMatch(/^zones\/A\/b\s+24K\s+10\.0G\s+24K\s+\/zones\/A\/b$/);
  });

  it('orders a dataset, its snapshots by createtxg, then its children', async () => {
    const out = await h.ok('list', '-H', '-o', 'name', '-t', 'all', '-r', 'zones/A');
    expect(out.split('\n').filter(Boolean)).toEqual([
      'zones/A',
      'zones/A@z-first',
      'zones/A@a-second',
      'zones/A/b',
      'zones/A/data',
    ]);
  });

  it('lists only snapshots of a named dataset with -t snapshot, and honours -d and -s/-S', async () => {
    expect(await h.ok('list', '-H', '-o', 'name', '-t', 'snapshot', 'zones/A')).toBe('zones/A@z-first\nzones/A@a-second\n');
    expect(await h.ok('list', '-H', '-o', 'name', '-d', '1', 'zones/A')).toBe('zones/A\nzones/A/b\nzones/A/data\n');
    expect(await h.ok('list', '-H', '-o', 'name', '-t', 'snapshot', '-S', 'createtxg', '-r', 'zones/A')).toBe(
      'zones/A@a-second\nzones/A@z-first\n',
    );
  });

  it('prints "-" for missing values and raw numbers with -p', async () => {
    const out = await h.ok('list', '-H', '-p', '-t', 'all', '-o', 'name,origin,mountpoint,volsize,quota', 'zones/vol', 'zones/A@z-first', 'zones/A');
    expect(out).toBe(
      ['zones/A\t-\t/zones/A\t-\t10737418240', 'zones/A@z-first\t-\t-\t-\t-', 'zones/vol\t-\t-\t16777216\t-', ''].join('\n'),
    );
  });

  it('refuses unknown datasets but lists the rest, exit 1', async () => {
    const r = await h.zfs('list', '-H', '-o', 'name', 'zones/nope', 'zones/A/b');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('zones/A/b\n');
    expect(r.stderr).toBe("cannot open 'zones/nope': dataset does not exist\n");
  });

  it('rejects bad options with usage and exit 2', async () => {
    const r = await h.zfs('list', '-Q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^invalid option 'Q'\nusage:\n/);
  });
});

describe.concurrent('zfs get', () => {
  it('reports sources: local, default, inherited, none', async () => {
    const out = await h.ok('get', '-H', '-p', '-o', 'name,property,value,source', 'quota,mountpoint,com.example:owner,guid', 'zones/A', 'zones/A/b');
    const rows = out.split('\n').filter(Boolean).map((l) => l.split('\t'));
    expect(rows[0]).toEqual(['zones/A', 'quota', '10737418240', 'local']);
    expect(rows[1]).toEqual(['zones/A', 'mountpoint', '/zones/A', 'default']);
    expect(rows[2]).toEqual(['zones/A', 'com.example:owner', 'ops', 'local']);
    expect(rows[3]?.[3]).toBe('-');
    expect(rows[3]?.[2]).toMatch(/^[0-9]+$/);
    expect(rows[5]).toEqual(['zones/A/b', 'mountpoint', '/zones/A/b', 'default']);
    expect(rows[6]).toEqual(['zones/A/b', 'com.example:owner', 'ops', 'inherited from zones/A']);
  });

  it('formats sizes like libzfs without -p', async () => {
    expect(await h.ok('get', '-H', '-o', 'value', 'quota,refquota,volsize,recordsize', 'zones/A')).toBe('10G\nnone\n-\n128K\n');
  });

  it('prints a header and padded columns without -H', async () => {
    const out = await h.ok('get', 'type', 'zones/A');
    expect(out).toBe('NAME     PROPERTY  VALUE       SOURCE\nzones/A  type      filesystem  -\n');
  });

  it('inherits mountpoints and knows none, legacy and zoned', async () => {
    const get = (ds: string) => h.ok('get', '-H', '-o', 'value', 'mountpoint,mounted', ds);
    expect(await get('zones/cores')).toBe('none\nno\n');
    expect(await get('zones/config')).toBe('legacy\nno\n');
    expect(await get('zones/A/data')).toBe('/zones/A/data\nno\n');
    expect(await get('zones/cores/A')).toBe('/zones/A/cores\nyes\n');
    expect(h.exists('zones/A/cores')).toBe(true);
    expect(h.exists('zones/A/data')).toBe(false);
  });

  it('lists "all" properties valid for the type, omitting an absent origin', async () => {
    const props = (await h.ok('get', '-H', '-o', 'property', 'all', 'zones/A@z-first')).split('\n').filter(Boolean);
    expect(props.slice(0, 4)).toEqual(['type', 'creation', 'used', 'referenced']);
    expect(props).toContain('guid');
    expect(props).not.toContain('mountpoint');
    expect(props).not.toContain('clones');
    expect(await h.ok('get', '-H', '-o', 'property', 'all', 'zones/A')).not.toContain('origin');
  });

  it('refuses an unknown property with usage', async () => {
    const r = await h.zfs('get', 'bogus', 'zones/A');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^bad property list: invalid property 'bogus'\n/);
  });
});
