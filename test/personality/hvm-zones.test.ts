// kvm and bhyve on the fake zfs: zvol disks outside (kvm) or under (bhyve)
// the zoneroot, image disks cloned from @final, bhyve's quota arithmetic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHost } from './fake-host.js';

const ZVOL = '6d0594cc-6d23-4233-89b4-e91317da0e19';
const K = '34b80433-a885-49dd-b72a-1592cf15dc5c';
const B = 'a317459b-628c-4ae6-8635-65005f57c058';
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

describe('HVM zones on the fake zfs', () => {
  let host: FakeHost;

  beforeAll(async () => {
    host = await FakeHost.create();
    const manifest = { v: 2, uuid: ZVOL, name: 'debian-12', version: '20250115', type: 'zvol', os: 'linux', image_size: 64, files: [{ compression: 'none' }] };
    const r = await host.installImage(manifest, async (ds) => {
      await host.must(['zfs', 'create', '-V', '64m', ds]);
    });
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(async () => host?.cleanup());

  describe('kvm', () => {
    it('creates a plain zoneroot with quota and zvols zones/<uuid>-disk<N> (disk0 a clone of @final)', async () => {
      const payload = {
        uuid: K, brand: 'kvm', ram: 256, alias: 'legacy-app',
        disks: [{ image_uuid: ZVOL, boot: true, model: 'virtio' }, { size: 128, model: 'virtio' }],
        nics: [{ nic_tag: 'external', model: 'virtio', ip: 'dhcp' }],
      };
      const r = await host.run(['vmadm', 'create'], JSON.stringify(payload));
      expect(r.exitCode, r.stderr).toBe(0);
      // Defaults VM.js adds and then drops for kvm (dns_domain) are not the caller's concern.
      expect(r.stderr).toBe(`Successfully created VM ${K}\n`);
      expect(await host.prop(`zones/${K}`, 'origin')).toBe('-');
      expect(await host.prop(`zones/${K}`, 'quota')).toBe(String(10 * GiB));
      expect(await host.prop(`zones/${K}-disk0`, 'origin')).toBe(`zones/${ZVOL}@final`);
      expect(await host.prop(`zones/${K}-disk0`, 'volsize')).toBe(String(64 * MiB));
      expect(Number(await host.prop(`zones/${K}-disk0`, 'refreservation'))).toBeGreaterThanOrEqual(64 * MiB);
      expect(await host.prop(`zones/${K}-disk1`, 'volsize')).toBe(String(128 * MiB));
      expect(await host.exists(`zones/cores/${K}`)).toBe(true);
    });

    it('get shows disks with paths, sizes and block sizes from ZFS', async () => {
      const vm = await host.json(['vmadm', 'get', K]);
      expect(vm).toMatchObject({ brand: 'kvm', hvm: true, ram: 256, vcpus: 1, quota: 10, state: 'running' });
      expect(vm).not.toHaveProperty('image_uuid');
      const disks = vm['disks'] as Array<Record<string, unknown>>;
      expect(disks[0]).toMatchObject({ path: `/dev/zvol/rdsk/zones/${K}-disk0`, boot: true, model: 'virtio', media: 'disk', image_uuid: ZVOL, image_size: 64, size: 64, zfs_filesystem: `zones/${K}-disk0`, zpool: 'zones', block_size: 8192 });
      expect(disks[1]).toMatchObject({ path: `/dev/zvol/rdsk/zones/${K}-disk1`, size: 128 });
    });

    it('refuses snapshots, and feeding get output straight back into create', async () => {
      const snap = await host.run(['vmadm', 'create-snapshot', K, 'x']);
      expect(snap.stderr.trim()).toBe('snapshots for kvm VMs currently unsupported');
      const vm = await host.json(['vmadm', 'get', K]);
      const again = await host.run(['vmadm', 'create'], JSON.stringify({ ...vm, uuid: '44444444-2222-4333-8444-555555555555', nics: [] }));
      expect(again.stderr.trim().split('\n').pop()).toBe('you cannot specify a path for a disk unless you set nocreate=true');
    });

    it('delete removes the zoneroot, the disks and cores, but not the image', async () => {
      const r = await host.run(['vmadm', 'delete', K]);
      expect(r.stderr.trim()).toBe(`Successfully deleted VM ${K}`);
      for (const ds of [`zones/${K}`, `zones/${K}-disk0`, `zones/${K}-disk1`, `zones/cores/${K}`]) expect(await host.exists(ds)).toBe(false);
      expect(await host.exists(`zones/${ZVOL}@final`)).toBe(true);
    });
  });

  describe('bhyve', () => {
    it('creates child zvols and sets refquota/refreservation/quota/reservation as VM.js does', async () => {
      const payload = {
        uuid: B, brand: 'bhyve', ram: 512, flexible_disk_size: 512,
        disks: [{ image_uuid: ZVOL, boot: true, model: 'virtio', size: 256 }, { size: 64, model: 'virtio' }],
        nics: [{ nic_tag: 'external', model: 'virtio', ip: 'dhcp' }],
      };
      const r = await host.run(['vmadm', 'create'], JSON.stringify(payload));
      expect(r.exitCode, r.stderr).toBe(0);
      const root = `zones/${B}`;
      expect(await host.prop(`${root}/disk0`, 'origin')).toBe(`zones/${ZVOL}@final`);
      expect(await host.prop(`${root}/disk0`, 'volsize')).toBe(String(256 * MiB));
      expect(await host.prop(`${root}/disk1`, 'volsize')).toBe(String(64 * MiB));
      expect(await host.prop(root, 'refquota')).toBe(String(GiB));
      expect(await host.prop(root, 'refreservation')).toBe(String(GiB - MiB));
      const refres = Number(await host.prop(`${root}/disk0`, 'refreservation')) + Number(await host.prop(`${root}/disk1`, 'refreservation'));
      const quota = refres + GiB + 512 * MiB - 320 * MiB;
      expect(await host.prop(root, 'quota')).toBe(String(quota));
      expect(await host.prop(root, 'reservation')).toBe(String(quota));
    });

    it('get: quota from refquota, pci slots and disk uuids, bootrom', async () => {
      const vm = await host.json(['vmadm', 'get', B]);
      expect(vm).toMatchObject({ brand: 'bhyve', quota: 1, flexible_disk_size: 512 });
      const disks = vm['disks'] as Array<Record<string, unknown>>;
      expect(disks.map((d) => d['pci_slot'])).toEqual(['0:4:0', '0:4:1']);
      expect(disks[0]).toMatchObject({ path: `/dev/zvol/rdsk/zones/${B}/disk0`, size: 256, uuid: expect.any(String) });
    });

    // rollback-snapshot is not tested here: the fake zfs has no `zfs rollback` (zbak never
    // rolls back); the personality's rollback runs over real ZFS only.
    it('create-snapshot snapshots the root and the disks (-r)', async () => {
      const r = await host.run(['vmadm', 'create-snapshot', B, 'pre-upgrade']);
      expect(r.stderr.trim()).toBe(`Created snapshot pre-upgrade for VM ${B}`);
      for (const ds of [`zones/${B}`, `zones/${B}/disk0`, `zones/${B}/disk1`]) expect(await host.exists(`${ds}@vmsnap-pre-upgrade`)).toBe(true);
      const vm = await host.json(['vmadm', 'get', B]);
      expect((vm['snapshots'] as Array<Record<string, unknown>>).map((s) => s['name'])).toEqual(['pre-upgrade']);
    });

    it('indestructible_zoneroot blocks delete until it is unset', async () => {
      await host.must(['vmadm', 'update', B, 'indestructible_zoneroot=true']);
      expect((await host.json(['vmadm', 'get', B]))['indestructible_zoneroot']).toBe(true);
      const refused = await host.run(['vmadm', 'delete', B]);
      expect(refused).toMatchObject({ exitCode: 1, stderr: `Failed to delete VM ${B}: indestructible_zoneroot is set, cannot delete\n` });
      await host.must(['vmadm', 'update', B, 'indestructible_zoneroot=false']);
      const r = await host.run(['vmadm', 'delete', B]);
      expect(r.stderr.trim()).toBe(`Successfully deleted VM ${B}`);
      expect(await host.exists(`zones/${B}`)).toBe(false);
    });
  });
});
