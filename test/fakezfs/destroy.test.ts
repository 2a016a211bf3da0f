// zfs destroy refusals (children, dependent clones, holds, busy mounts) and -r/-R/-n.
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeHost, hostPerTest } from './harness.js';

const hosts = hostPerTest();
afterAll(hosts.cleanup);

/** A host of its own per test, so tests run concurrently. */
async function setup(): Promise<FakeHost> {
  const h = await hosts.host();
  await h.ok('create', 'zones/IMG');
  h.write('zones/IMG/f', 'image');
  await h.ok('snapshot', 'zones/IMG@final');
  await h.ok('clone', 'zones/IMG@final', 'zones/Z');
  await h.ok('snapshot', 'zones/Z@s1');
  return h;
}

describe.concurrent('zfs destroy', () => {
  it('refuses a filesystem with snapshots or children without -r', async () => {
    const h = await setup();
    const r = await h.zfs('destroy', 'zones/IMG');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cannot destroy 'zones/IMG': filesystem has children\nuse '-r' to destroy the following datasets:\nzones/IMG@final\n");
  });

  it('refuses -r when a snapshot has clones elsewhere, listing them for -R', async () => {
    const h = await setup();
    const r = await h.zfs('destroy', '-r', 'zones/IMG');
    expect(r.stderr).toBe(
      "cannot destroy 'zones/IMG': filesystem has dependent clones\nuse '-R' to destroy the following datasets:\nzones/Z@s1\nzones/Z\n",
    );
    expect(await h.ok('list', '-H', '-o', 'name', '-t', 'all', '-r', 'zones')).toContain('zones/IMG@final');
  });

  it('refuses a snapshot with dependent clones without -R and destroys them with it', async () => {
    const h = await setup();
    const r = await h.zfs('destroy', 'zones/IMG@final');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "cannot destroy 'zones/IMG@final': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\nzones/Z@s1\nzones/Z\n",
    );
    expect(await h.ok('destroy', '-R', 'zones/IMG@final')).toBe('');
    expect(await h.ok('list', '-H', '-o', 'name', '-t', 'all', '-r', 'zones')).toBe('zones\nzones/IMG\n');
    expect(h.exists('zones/Z')).toBe(false);
  });

  it('refuses a held snapshot as busy until released', async () => {
    const h = await setup();
    await h.ok('hold', 'keep', 'zones/Z@s1');
    expect(await h.ok('holds', '-H', 'zones/Z@s1')).toMatch(/^zones\/Z@s1\tkeep\t\w{3} \w{3} [ 0-9]\d \d\d:\d\d \d{4}\n$/);
    const r = await h.zfs('destroy', 'zones/Z@s1');
    expect(r.stderr).toBe('cannot destroy snapshot zones/Z@s1: dataset is busy\n');
    expect((await h.zfs('release', 'nope', 'zones/Z@s1')).stderr).toBe("cannot release hold from snapshot 'zones/Z@s1': no such tag on this dataset\n");
    await h.ok('release', 'keep', 'zones/Z@s1');
    await h.ok('destroy', 'zones/Z@s1');
  });

  it('prints what -nv would destroy and changes nothing', async () => {
    const h = await setup();
    expect(await h.ok('destroy', '-nv', '-r', 'zones/Z')).toBe('would destroy zones/Z@s1\nwould destroy zones/Z\n');
    expect(h.exists('zones/Z/f')).toBe(true);
    expect((await h.zfs('destroy', 'zones/Z@nope')).stderr).toBe('could not find any snapshots to destroy; check snapshot names.\n');
  });

  it('destroys a clone and its files with -fr, leaving the origin', async () => {
    const h = await setup();
    await h.ok('destroy', '-fr', 'zones/Z');
    expect(h.exists('zones/Z')).toBe(false);
    expect(await h.ok('get', '-H', '-o', 'value', 'clones', 'zones/IMG@final')).toBe('-\n');
  });

  it('will not unmount a filesystem with another mounted inside it', async () => {
    const h = await setup();
    await h.ok('create', '-o', 'mountpoint=none', 'zones/cores');
    await h.ok('create', '-o', 'mountpoint=/zones/Z/cores', 'zones/cores/Z');
    const r = await h.zfs('destroy', '-r', 'zones/Z');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cannot unmount '/zones/Z': pool or dataset is busy\n");
    await h.ok('umount', 'zones/cores/Z');
    await h.ok('destroy', '-r', 'zones/Z');
  });

  it('refuses the pool root without -r', async () => {
    const h = await setup();
    expect((await h.zfs('destroy', 'zones')).stderr).toBe(
      "cannot destroy 'zones': operation does not apply to pools\nuse 'zfs destroy -r zones' to destroy all datasets in the pool\nuse 'zpool destroy zones' to destroy the pool itself\n",
    );
  });
});
