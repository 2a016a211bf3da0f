import { describe, expect, it } from 'vitest';
import { buildCreatePayload } from '../../../src/plan/create-payload.js';
import { fixture, HOST_A } from '../../support/fixtures.js';

const vmJson = (uuid: string): Record<string, unknown> => JSON.parse(fixture(`smartos/host-a/vmadm/${uuid}.json`));

describe('buildCreatePayload', () => {
  it('joyent: drops read-only fields, turns datasets into delegate_dataset, fixes uuid and autoboot', () => {
    const { payload, changes } = buildCreatePayload(vmJson(HOST_A.joyent), { uuid: HOST_A.joyent, autoboot: false });
    for (const k of ['zone_state', 'zoneid', 'pid', 'zonepath', 'snapshots', 'zfs_filesystem', 'datasets', 'create_timestamp', 'server_uuid', 'state', 'last_modified', 'v']) {
      expect(payload).not.toHaveProperty(k);
    }
    expect(payload).toMatchObject({ uuid: HOST_A.joyent, autoboot: false, delegate_dataset: true, brand: 'joyent', image_uuid: HOST_A.webappImage, quota: 20 });
    expect(payload.customer_metadata).toEqual(vmJson(HOST_A.joyent).customer_metadata);
    expect(changes).toContain('datasets -> delegate_dataset: true');
  });

  it('kvm: removes disk paths and image-disk sizes vmadm create rejects', () => {
    const { payload } = buildCreatePayload(vmJson(HOST_A.kvm), { uuid: HOST_A.kvm, autoboot: false });
    const disks = payload.disks as Record<string, unknown>[];
    expect(disks[0]).not.toHaveProperty('path');
    expect(disks[0]).not.toHaveProperty('block_size');
    expect(disks[0]).not.toHaveProperty('zfs_filesystem');
    expect(disks[0]!.image_uuid).toBeDefined();
    expect(disks[1]).toHaveProperty('size');
    expect(disks[1]).not.toHaveProperty('path');
  });

  it('kvm and bhyve: disks lose the saved zpool, so they go where the zone goes (the restore picks the pool, never the archive)', () => {
    for (const uuid of [HOST_A.kvm, HOST_A.bhyve]) {
      expect((vmJson(uuid).disks as Record<string, unknown>[])[0]).toHaveProperty('zpool', 'zones');
      const { payload, changes } = buildCreatePayload(vmJson(uuid), { uuid, autoboot: false });
      for (const d of payload.disks as Record<string, unknown>[]) expect(d).not.toHaveProperty('zpool');
      expect(changes).toContain('drop disks.0.zpool (the restore chooses the pool)');
    }
  });

  it('does not modify its input', () => {
    const vm = vmJson(HOST_A.joyent);
    const copy = structuredClone(vm);
    buildCreatePayload(vm, { uuid: HOST_A.joyent, autoboot: false });
    expect(vm).toEqual(copy);
  });

  describe('global-zone reach (docs/SMARTOS.md)', () => {
    const reaching = (): Record<string, unknown> => {
      const vm = vmJson(HOST_A.joyent);
      vm.filesystems = [{ type: 'lofs', source: '/', target: '/host', options: ['rw'] }];
      vm.fs_allowed = 'ufs,pcfs';
      vm.limit_priv = 'default,dtrace_kernel,-net_access';
      (vm.nics as Array<Record<string, unknown>>)[1]!.allow_ip_spoofing = true;
      return vm;
    };

    it('withholds filesystems, fs_allowed, added privileges and spoofing flags by default, naming each', () => {
      const { payload, withheld, allowed } = buildCreatePayload(reaching(), { uuid: HOST_A.joyent, autoboot: false });
      for (const k of ['filesystems', 'fs_allowed', 'limit_priv']) expect(payload).not.toHaveProperty(k);
      expect((payload.nics as Array<Record<string, unknown>>)[1]).not.toHaveProperty('allow_ip_spoofing');
      expect((payload.nics as Array<Record<string, unknown>>)[1]).toHaveProperty('ip', '10.41.2.21');
      expect(withheld).toEqual([
        'filesystems (mounts of global-zone paths (lofs) into the zone)',
        'fs_allowed (lets the zone mount more filesystem types itself)',
        'limit_priv (adds privileges beyond the zone default: dtrace_kernel)',
        'nics.1.allow_ip_spoofing (may send as any IP address)',
      ]);
      expect(allowed).toEqual([]);
    });

    it('keeps them with allowGlobalReach, listed as restored on request', () => {
      const vm = reaching();
      const { payload, withheld, allowed } = buildCreatePayload(vm, { uuid: HOST_A.joyent, autoboot: false, allowGlobalReach: true });
      expect(payload.filesystems).toEqual(vm.filesystems);
      expect(payload.fs_allowed).toBe('ufs,pcfs');
      expect(payload.limit_priv).toBe('default,dtrace_kernel,-net_access');
      expect((payload.nics as Array<Record<string, unknown>>)[1]!.allow_ip_spoofing).toBe(true);
      expect(withheld).toEqual([]);
      expect(allowed).toHaveLength(4);
    });

    it('keeps a limit_priv that only takes privileges away, and false flags; nothing is withheld from the fixtures', () => {
      for (const uuid of [HOST_A.joyent, HOST_A.lx, HOST_A.kvm, HOST_A.bhyve]) {
        const vm = vmJson(uuid);
        const { payload, withheld } = buildCreatePayload(vm, { uuid, autoboot: false });
        expect(withheld).toEqual([]);
        expect(payload.limit_priv).toBe(vm.limit_priv);
      }
      const vm = vmJson(HOST_A.joyent);
      (vm.nics as Array<Record<string, unknown>>)[0]!.allow_mac_spoofing = false;
      expect(buildCreatePayload(vm, { uuid: HOST_A.joyent, autoboot: false }).withheld).toEqual([]);
    });
  });
});
