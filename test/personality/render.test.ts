// `vmadm get` rendering checked against the SmartOS fixtures: stored config +
// zfs facts + config files + host facts must give back the fixture exactly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_ORDER, renderVm } from '../../personality/vmadm/render.js';
import type { StoredVm } from '../../personality/vmadm/store.js';
import type { ZfsRow } from '../../personality/vmadm/zfs-index.js';
import { parseZfsIndex, ZFS_COLUMNS } from '../../personality/vmadm/zfs-index.js';

const fixture = (uuid: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/smartos/host-a/vmadm/${uuid}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const RUNTIME_KEYS = ['uuid', 'zone_state', 'zonepath', 'hvm', 'zoneid', 'zonedid', 'last_modified', 'exit_status', 'exit_timestamp', 'server_uuid', 'platform_buildstamp', 'state', 'boot_timestamp', 'pid', 'customer_metadata', 'internal_metadata', 'routes', 'tags', 'quota', 'free_space', 'zfs_data_compression', 'zfs_data_recsize', 'zfs_root_recsize', 'zfs_filesystem', 'zpool', 'snapshots'];
const DISK_DERIVED = ['size', 'zfs_filesystem', 'zpool', 'compression', 'refreservation', 'block_size'];

/** Splits a fixture back into what the personality stores and what it computes. */
function storedFrom(fx: Record<string, unknown>): StoredVm {
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fx)) if (!RUNTIME_KEYS.includes(k)) config[k] = v;
  if (Array.isArray(config['disks'])) {
    config['disks'] = (config['disks'] as Array<Record<string, unknown>>).map((d) => Object.fromEntries(Object.entries(d).filter(([k]) => !DISK_DERIVED.includes(k))));
  }
  const running = fx['zone_state'] === 'running';
  return {
    uuid: String(fx['uuid']),
    brand: fx['brand'] as StoredVm['brand'],
    zonepath: String(fx['zonepath']),
    config,
    runtime: running
      ? { zone_state: 'running', zonedid: Number(fx['zonedid']), zoneid: Number(fx['zoneid']), pid: Number(fx['pid']), boot_timestamp: String(fx['boot_timestamp']) }
      : { zone_state: 'installed', zonedid: Number(fx['zonedid']), exit_status: Number(fx['exit_status']), exit_timestamp: String(fx['exit_timestamp']) },
  };
}

function render(fx: Record<string, unknown>, rows: ZfsRow[]): Record<string, unknown> {
  return renderVm({
    vm: storedFrom(fx),
    zfs: new Map(rows.map((r) => [r.name, r])),
    files: {
      customer_metadata: fx['customer_metadata'] as Record<string, string>,
      internal_metadata: fx['internal_metadata'] as Record<string, string>,
      routes: fx['routes'] as Record<string, string>,
      tags: fx['tags'] as Record<string, string>,
    },
    host: { server_uuid: String(fx['server_uuid']), platform_buildstamp: String(fx['platform_buildstamp']) },
    lastModified: new Date(String(fx['last_modified'])),
  });
}

const fsRow = (name: string, extra: Partial<ZfsRow> = {}): ZfsRow => ({ name, type: 'filesystem', mountpoint: `/${name}`, recordsize: 131072, compression: 'off', ...extra });

describe('vmadm get rendering', () => {
  it('joyent zone with a delegated dataset (running) matches the fixture byte for byte', () => {
    const uuid = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
    const fx = fixture(uuid);
    const out = render(fx, [
      fsRow(`zones/${uuid}`, { quota: 20 * GiB, origin: 'zones/39665d70-e5f6-48b5-9000-9b650ef7cd06@final' }),
      fsRow(`zones/${uuid}/data`, { compression: 'lz4', quota: 0 }),
      { name: `zones/${uuid}/data/pgdata@pre-upgrade`, type: 'snapshot', written: 58720256, creation: 1 },
      { name: `zones/${uuid}@zbak-1`, type: 'snapshot', written: 1, creation: 2 },
    ]);
    expect(JSON.stringify(out, null, 2)).toBe(JSON.stringify(fx, null, 2));
  });

  it('stopped lx zone shows exit_status/exit_timestamp and no pid/zoneid', () => {
    const uuid = '745789f9-338d-4821-89a2-fc80c20289b8';
    const fx = fixture(uuid);
    const out = render(fx, [fsRow(`zones/${uuid}`, { quota: 25 * GiB }), fsRow(`zones/${uuid}/data`)]);
    expect(JSON.stringify(out, null, 2)).toBe(JSON.stringify(fx, null, 2));
    expect(out).not.toHaveProperty('pid');
    expect(out).not.toHaveProperty('zfs_data_compression');
  });

  it('kvm disks get size, refreservation (MiB, rounded up) and block_size from their zvols', () => {
    const uuid = '34b80433-a885-49dd-b72a-1592cf15dc5c';
    const fx = fixture(uuid);
    const vol = (n: number, volsize: number, refres: number): ZfsRow => ({ name: `zones/${uuid}-disk${n}`, type: 'volume', volsize, volblocksize: 8192, refreservation: refres, compression: 'off' });
    const out = render(fx, [fsRow(`zones/${uuid}`, { quota: 10 * GiB }), vol(0, 10 * GiB, 11075584000), vol(1, 20 * GiB, 22151168000)]);
    expect(JSON.stringify(out, null, 2)).toBe(JSON.stringify(fx, null, 2));
  });

  it('bhyve: quota from refquota, free_space, vmsnap snapshots with fractional MiB size', () => {
    const uuid = 'a317459b-628c-4ae6-8635-65005f57c058';
    const fx = fixture(uuid);
    const vol = (n: number, volsize: number, refres: number, snaps: number): ZfsRow => ({ name: `zones/${uuid}/disk${n}`, type: 'volume', volsize, volblocksize: 8192, refreservation: refres, compression: 'off', usedbysnapshots: snaps });
    const out = render(fx, [
      fsRow(`zones/${uuid}`, { quota: 45037912064, refquota: GiB }),
      { name: `zones/${uuid}@vmsnap-pre-upgrade`, type: 'snapshot', written: 24576, creation: Date.parse('2025-03-03T08:00:00Z') / 1000 },
      vol(0, 20 * GiB, 22151168000, 165 * MiB),
      vol(1, 10 * GiB, 11075584000, 4 * MiB),
    ]);
    expect(JSON.stringify(out, null, 2)).toBe(JSON.stringify(fx, null, 2));
  });

  it('lists vmsnap snapshots newest first and ignores other snapshots', () => {
    const uuid = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
    const fx = fixture(uuid);
    const out = render(fx, [
      fsRow(`zones/${uuid}`, { quota: 0 }),
      { name: `zones/${uuid}@vmsnap-a`, type: 'snapshot', written: MiB, creation: 100 },
      { name: `zones/${uuid}@vmsnap-b`, type: 'snapshot', written: 2 * MiB, creation: 200 },
      { name: `zones/${uuid}@manual`, type: 'snapshot', written: 0, creation: 300 },
    ]);
    expect(out['snapshots']).toEqual([
      { name: 'b', size: 2, created_at: '1970-01-01T00:03:20.000Z' },
      { name: 'a', size: 1, created_at: '1970-01-01T00:01:40.000Z' },
    ]);
    expect(out['quota']).toBe(0);
  });

  it('marks indestructible_zoneroot only when @indestructible has a hold', () => {
    const uuid = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
    const fx = fixture(uuid);
    const held = render(fx, [fsRow(`zones/${uuid}`), { name: `zones/${uuid}@indestructible`, type: 'snapshot', userrefs: 1 }]);
    const bare = render(fx, [fsRow(`zones/${uuid}`), { name: `zones/${uuid}@indestructible`, type: 'snapshot', userrefs: 0 }]);
    expect(held['indestructible_zoneroot']).toBe(true);
    expect(bare).not.toHaveProperty('indestructible_zoneroot');
  });

  it('config fields come out in zone XML order whatever order they were stored in', () => {
    const fx = fixture('8aa8dff0-5ee1-4d22-a283-bf79505dfbe3');
    const vm = storedFrom(fx);
    vm.config = Object.fromEntries(Object.entries(vm.config).reverse());
    const out = renderVm({ vm, zfs: new Map(), files: { customer_metadata: {}, internal_metadata: {}, routes: {}, tags: {} }, host: { server_uuid: 's', platform_buildstamp: 'p' } });
    const keys = Object.keys(out).filter((k) => CONFIG_ORDER.includes(k));
    expect(keys).toEqual(CONFIG_ORDER.filter((k) => k in vm.config));
  });
});

describe('zfs index parsing', () => {
  it('parses -H -p rows, turning "-" into missing and numbers into numbers', () => {
    const line = ['zones/a', 'volume', '-', '-', '-', '-', '-', 'off', '1073741824', '8192', '1100000000', '4096', '1700000000', '-'].join('\t');
    expect(ZFS_COLUMNS).toHaveLength(14);
    const row = parseZfsIndex(line + '\n').get('zones/a');
    expect(row).toEqual({ name: 'zones/a', type: 'volume', compression: 'off', volsize: 1073741824, volblocksize: 8192, refreservation: 1100000000, written: 4096, creation: 1700000000 });
  });
});
