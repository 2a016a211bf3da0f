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
});
