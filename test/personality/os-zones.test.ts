// vmadm/imgadm/zonecfg/sysinfo on the fake zfs, for joyent and lx zones:
// the datasets and properties FACTS.md §1 describes and SmartOS's messages.
import { readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHost } from './fake-host.js';

const BASE = 'f9f08f51-bd01-4f30-be77-7d8ba526ad2b';
const LXIMG = '1bc22ad4-b071-480a-b94b-ddac9933f22c';
const J = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
const L = '745789f9-338d-4821-89a2-fc80c20289b8';

const manifest = (uuid: string, name: string, type: string, extra: Record<string, unknown> = {}) => ({
  v: 2, uuid, name, version: '1.0.0', type, os: type === 'lx-dataset' ? 'linux' : 'smartos', files: [{ compression: 'none' }], ...extra,
});

describe('OS zones on the fake zfs', () => {
  let host: FakeHost;

  beforeAll(async () => {
    host = await FakeHost.create();
    const r = await host.installImage(manifest(BASE, 'base-64-lts', 'zone-dataset'), async (ds) => {
      await host.must(['zfs', 'create', ds]);
      await host.writeFiles(`/${ds}`, { 'root/etc/motd': 'base\n', 'config/metadata.json': '{"customer_metadata":{"stale":"x"}}' });
    });
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(async () => host?.cleanup());

  describe('imgadm', () => {
    it('install received the stream as <pool>/<uuid> with @final and wrote the database entry', async () => {
      expect(await host.exists(`zones/${BASE}@final`)).toBe(true);
      expect(await host.exists(`zones/${BASE}-partial`)).toBe(false);
      const info = await host.json(['imgadm', 'get', BASE]);
      expect(info).toEqual({ manifest: expect.objectContaining({ uuid: BASE, name: 'base-64-lts', published_at: expect.any(String) }), zpool: 'zones' });
      const db = JSON.parse(await readFile(path.join(host.root, `var/imgadm/images/zones-${BASE}.json`), 'utf8')) as Record<string, unknown>;
      expect(Object.keys(db)).toEqual(['manifest', 'zpool']);
    });

    it('install of an installed image says so and exits 0', async () => {
      const m = path.join(host.dir, `${BASE}.json`);
      const again = await host.run(['imgadm', 'install', '-m', m, '-f', path.join(host.dir, `${BASE}.zfs`)]);
      expect(again.exitCode).toBe(0);
      expect(again.stdout.trim()).toBe(`Image ${BASE} (base-64-lts 1.0.0) is already installed, skipping`);
    });

    it('get of an image that is not installed exits 3 with ImageNotInstalled', async () => {
      const r = await host.run(['imgadm', 'get', '-P', 'zones', LXIMG]);
      expect(r.exitCode).toBe(3);
      expect(r.stderr.trim()).toBe(`imgadm get: error (ImageNotInstalled): image "${LXIMG}" was not found on zpool "zones"`);
    });

    it('installs a gzip-compressed lx image and refuses a file whose sha1 does not match', async () => {
      const bad = await host.installImage(manifest(LXIMG, 'ubuntu-22.04', 'lx-dataset', { files: [{ compression: 'none', sha1: '0'.repeat(40) }] }), async (ds) => {
        await host.must(['zfs', 'create', ds]);
        await host.writeFiles(`/${ds}`, { 'root/etc/os-release': 'ubuntu\n' });
      });
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr).toMatch(/imgadm install: error \(DownloadError\): image file checksum \(sha1\) error/);
      expect(await host.exists(`zones/${LXIMG}`)).toBe(false);
      expect((await host.run(['imgadm', 'get', LXIMG])).exitCode).toBe(3);

      // The same stream, gzip-compressed, installs with files[0].compression=gzip.
      const raw = path.join(host.dir, `${LXIMG}.zfs`);
      await writeFile(`${raw}.gz`, gzipSync(await readFile(raw)));
      await writeFile(path.join(host.dir, 'lx.json'), JSON.stringify(manifest(LXIMG, 'ubuntu-22.04', 'lx-dataset', { files: [{ compression: 'gzip' }] })));
      const gz = await host.run(['imgadm', 'install', '-m', path.join(host.dir, 'lx.json'), '-f', `${raw}.gz`]);
      expect(gz.exitCode, gz.stderr).toBe(0);
      expect(gz.stdout).toContain(`Installed image ${LXIMG} (ubuntu-22.04@1.0.0)`);
      expect(await host.exists(`zones/${LXIMG}@final`)).toBe(true);
    });

    it('list shows installed images', async () => {
      const out = await host.must(['imgadm', 'list', '-H', '-o', 'uuid,name,type']);
      expect(out).toContain(`${BASE}  base-64-lts   zone-dataset`);
      expect(out).toContain(LXIMG);
    });
  });

  describe('vmadm joyent', () => {
    const payload = {
      uuid: J, brand: 'joyent', image_uuid: BASE, alias: 'web01', hostname: 'web01', quota: 20, max_physical_memory: 2048,
      delegate_dataset: true, zfs_data_compression: 'lz4', customer_metadata: { 'user-script': '#!/bin/sh\n' }, tags: { role: 'web' },
      nics: [{ nic_tag: 'external', ip: '203.0.113.21', netmask: '255.255.255.0', gateway: '203.0.113.1' }], zone_state: 'running',
    };

    it('create clones the image, makes cores and the delegated dataset, and boots it', async () => {
      const r = await host.run(['vmadm', 'create'], JSON.stringify(payload));
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain('Warning, invalid create property: [zone_state] removing from payload.');
      expect(r.stderr.trim().split('\n').pop()).toBe(`Successfully created VM ${J}`);
      expect(r.stdout).toBe('');
      expect(await host.prop(`zones/${J}`, 'origin')).toBe(`zones/${BASE}@final`);
      expect(await host.prop(`zones/${J}`, 'quota')).toBe(String(20 * 1024 ** 3));
      expect(await host.prop(`zones/${J}`, 'devices')).toBe('off');
      expect(await host.prop(`zones/cores/${J}`, 'quota')).toBe('107374182400');
      expect(await host.prop(`zones/cores/${J}`, 'mountpoint')).toBe(`/zones/${J}/cores`);
      expect(await host.prop(`zones/${J}/data`, 'zoned')).toBe('on');
      expect(await host.prop(`zones/${J}/data`, 'compression')).toBe('lz4');
      const md = JSON.parse(await readFile(path.join(host.root, `zones/${J}/config/metadata.json`), 'utf8')) as unknown;
      expect(md).toEqual({ customer_metadata: { 'user-script': '#!/bin/sh\n' }, internal_metadata: {} });
    });

    it('get shows config, state, zfs facts and the config files', async () => {
      const vm = await host.json(['vmadm', 'get', J]);
      expect(vm).toMatchObject({
        zonename: J, autoboot: true, brand: 'joyent', image_uuid: BASE, alias: 'web01', uuid: J, zone_state: 'running', state: 'running',
        zonepath: `/zones/${J}`, hvm: false, datasets: [`zones/${J}/data`], quota: 20, zfs_data_compression: 'lz4',
        zfs_filesystem: `zones/${J}`, zpool: 'zones', snapshots: [], tags: { role: 'web' }, customer_metadata: { 'user-script': '#!/bin/sh\n' },
      });
      expect(vm['pid']).toEqual(expect.any(Number));
      expect(vm['server_uuid']).toBe((await host.json(['sysinfo']))['UUID']);
      const nic = (vm['nics'] as Array<Record<string, unknown>>)[0];
      expect(nic).toMatchObject({ interface: 'net0', ips: ['203.0.113.21/24'], gateways: ['203.0.113.1'], primary: true });
    });

    it('refuses a second VM with the same uuid', async () => {
      const r = await host.run(['vmadm', 'create'], JSON.stringify(payload));
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim()).toBe(`VM with UUID ${J} already exists`);
    });

    it('stop, stop again, start', async () => {
      const stop = await host.run(['vmadm', 'stop', J, '-F']);
      expect(stop.stderr.trim()).toBe(`Successfully completed stop for VM ${J}`);
      const vm = await host.json(['vmadm', 'get', J]);
      expect(vm).toMatchObject({ state: 'stopped', zone_state: 'installed', autoboot: false, exit_status: 0 });
      expect(vm).not.toHaveProperty('pid');
      const again = await host.run(['vmadm', 'stop', J]);
      expect(again).toMatchObject({ exitCode: 0, stderr: `VM ${J} is already not 'running' (currently: stopped)\n` });
      const start = await host.run(['vmadm', 'start', J]);
      expect(start.stderr.trim()).toBe(`Successfully started VM ${J}`);
      expect(await host.json(['vmadm', 'get', J])).toMatchObject({ state: 'running', autoboot: true });
    });

    it('zonecfg restores create_timestamp; unknown zones are refused', async () => {
      await host.must(['zonecfg', '-z', J, 'select attr name=create-timestamp; set value=2024-11-04T10:22:31.118Z; end']);
      expect((await host.json(['vmadm', 'get', J]))['create_timestamp']).toBe('2024-11-04T10:22:31.118Z');
      const info = await host.must(['zonecfg', '-z', J, 'info attr name=create-timestamp']);
      expect(info).toContain('value: 2024-11-04T10:22:31.118Z');
      const bad = await host.run(['zonecfg', '-z', L, 'info']);
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr.trim()).toBe(`${L}: No such zone configured`);
    });

    it('update sets autoboot and quota', async () => {
      const r = await host.run(['vmadm', 'update', J, 'autoboot=false', 'quota=30']);
      expect(r.stderr.trim()).toBe(`Successfully updated VM ${J}`);
      expect(await host.json(['vmadm', 'get', J])).toMatchObject({ autoboot: false, quota: 30 });
      expect(await host.prop(`zones/${J}`, 'quota')).toBe(String(30 * 1024 ** 3));
    });

    it('lookup and list find it', async () => {
      expect((await host.must(['vmadm', 'lookup', 'alias=web01'])).trim()).toBe(J);
      const all = JSON.parse(await host.must(['vmadm', 'lookup', '-j'])) as Array<Record<string, unknown>>;
      expect(all.map((v) => v['uuid'])).toContain(J);
      expect(all.find((v) => v['uuid'] === J)).toMatchObject({ type: 'OS', ram: 2048 });
      expect(await host.must(['vmadm', 'list', '-p', '-o', 'uuid,alias'])).toContain(`${J}:web01`);
    });

    it('create-snapshot refuses zones with datasets', async () => {
      const r = await host.run(['vmadm', 'create-snapshot', J, 'one']);
      expect(r).toMatchObject({ exitCode: 1, stderr: 'Cannot currently snapshot zones that have datasets\n' });
    });
  });

  describe('vmadm lx', () => {
    it('creates a stopped lx zone (autoboot false) and refuses one without kernel_version', async () => {
      const missing = await host.run(['vmadm', 'create'], JSON.stringify({ uuid: L, brand: 'lx', image_uuid: LXIMG }));
      expect(missing.stderr.trim()).toBe('Missing required properties: kernel_version');
      expect(await host.exists(`zones/${L}`)).toBe(false);
      const r = await host.run(['vmadm', 'create'], JSON.stringify({ uuid: L, brand: 'lx', image_uuid: LXIMG, kernel_version: '5.10.0', autoboot: false, nics: [{ nic_tag: 'internal', ip: 'dhcp' }] }));
      expect(r.exitCode, r.stderr).toBe(0);
      const vm = await host.json(['vmadm', 'get', L]);
      expect(vm).toMatchObject({ brand: 'lx', kernel_version: '5.10.0', state: 'stopped', quota: 10, autoboot: false });
      expect((vm['nics'] as Array<Record<string, unknown>>)[0]?.['interface']).toBe('eth0');
      expect(await host.prop(`zones/${L}`, 'origin')).toBe(`zones/${LXIMG}@final`);
    });

    it('vmsnap snapshots show up in get', async () => {
      const r = await host.run(['vmadm', 'create-snapshot', L, 'before']);
      expect(r.stderr.trim()).toBe(`Created snapshot before for VM ${L}`);
      expect(await host.exists(`zones/${L}@vmsnap-before`)).toBe(true);
      const snaps = (await host.json(['vmadm', 'get', L]))['snapshots'] as Array<Record<string, unknown>>;
      expect(snaps.map((s) => s['name'])).toEqual(['before']);
      const del = await host.run(['vmadm', 'delete-snapshot', L, 'before']);
      expect(del.stderr.trim()).toBe(`Deleted snapshot before for VM ${L}`);
    });
  });

  describe('refusals and clean-up', () => {
    it('an image that is not installed is refused before anything is created', async () => {
      const u = '11111111-2222-4333-8444-555555555555';
      const r = await host.run(['vmadm', 'create'], JSON.stringify({ uuid: u, image_uuid: '22222222-2222-4333-8444-555555555555' }));
      expect(r).toMatchObject({ exitCode: 1, stderr: 'Invalid value(s) for: image_uuid\n' });
      expect(await host.exists(`zones/${u}`)).toBe(false);
    });

    it('a create that fails part-way removes what it made', async () => {
      const u = '33333333-2222-4333-8444-555555555555';
      await host.must(['zfs', 'create', '-o', 'mountpoint=none', `zones/cores/${u}`]);
      const r = await host.run(['vmadm', 'create'], JSON.stringify({ uuid: u, image_uuid: BASE }));
      expect(r.exitCode).toBe(1);
      expect(await host.exists(`zones/${u}`)).toBe(false);
      expect((await host.run(['vmadm', 'get', u])).exitCode).toBe(1);
      await host.must(['zfs', 'destroy', `zones/cores/${u}`]);
    });

    it('imgadm delete refuses an image a zone is cloned from', async () => {
      const r = await host.run(['imgadm', 'delete', BASE]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`imgadm delete: error (ImageHasDependentClones): image "${BASE}" has dependent clones: zones/${J}`);
    });

    it('delete removes datasets and config; get then says the zone is not configured', async () => {
      for (const u of [J, L]) {
        const r = await host.run(['vmadm', 'delete', u]);
        expect(r.stderr.trim()).toBe(`Successfully deleted VM ${u}`);
        expect(await host.exists(`zones/${u}`)).toBe(false);
        expect(await host.exists(`zones/cores/${u}`)).toBe(false);
        const get = await host.run(['vmadm', 'get', u]);
        expect(get).toMatchObject({ exitCode: 1, stderr: `zoneadm: ${u}: No such zone configured\n` });
      }
      expect(await host.exists(`zones/${BASE}@final`)).toBe(true);
    });

    it('sysinfo keeps a stable generated UUID', async () => {
      const a = await host.json(['sysinfo']);
      const b = await host.json(['sysinfo']);
      expect(a['UUID']).toBe(b['UUID']);
      expect(a).toMatchObject({ 'Live Image': expect.any(String), Zpool: 'zones', 'System Type': 'SunOS' });
    });

    it('sysinfo answers from its cache as SmartOS does; -f remakes and prints it, -u remakes it silently', async () => {
      const made = await host.json(['sysinfo']);
      const cache = path.join(host.root, 'tmp/.sysinfo.json');
      expect(JSON.parse(await readFile(cache, 'utf8'))).toEqual(made);
      // What the cache holds is what plain sysinfo prints, until -f or -u remakes it.
      await writeFile(cache, JSON.stringify({ ...made, Hostname: 'from-the-cache' }));
      expect((await host.json(['sysinfo']))['Hostname']).toBe('from-the-cache');
      expect(await host.json(['sysinfo', '-f'])).toEqual(made);
      expect((await host.json(['sysinfo']))['Hostname']).toBe(made['Hostname']);
      await writeFile(cache, JSON.stringify({ ...made, Hostname: 'from-the-cache' }));
      expect(await host.run(['sysinfo', '-u'])).toMatchObject({ exitCode: 0, stdout: '' });
      expect(await host.json(['sysinfo'])).toEqual(made);
      expect(await host.run(['sysinfo', '-x'])).toMatchObject({ exitCode: 2, stderr: 'Usage: sysinfo [-f|-u]\n' });
    });
  });
});
