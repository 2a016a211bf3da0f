import { describe, expect, it } from 'vitest';
import { planRestore, type RestoreTarget } from '../../../src/plan/restore-plan.js';
import { parseZfsList } from '../../../src/parse/zfs-list.js';
import { parseVmadmGet } from '../../../src/parse/vmadm.js';
import { PlanConflictError } from '../../../src/errors.js';
import { fixture, hostAJoyentArchive, HOST_A } from '../../support/fixtures.js';

const J = HOST_A.joyent;


const hostB = (): RestoreTarget => ({ vms: [], rows: parseZfsList(fixture('zfs/host-b-list.tsv')) });

describe('planRestore', () => {
  const { header, vm } = hostAJoyentArchive();

  it('host B: skips the base image it has (same GUID), installs the incremental child', () => {
    const plan = planRestore(header, vm, hostB(), {});
    expect(plan.images.map((i) => [i.image.uuid, i.action])).toEqual([
      [HOST_A.baseImage, 'present'],
      [HOST_A.webappImage, 'install'],
    ]);
  });

  it('replaces the fresh zoneroot and cores, then receives every zone stream with -F in order', () => {
    const plan = planRestore(header, vm, hostB(), {});
    expect(plan.replaceAfterCreate).toEqual([`zones/${J}`, `zones/cores/${J}`]);
    expect(plan.receives.map((r) => r.argv.join(' '))).toEqual([
      `zfs receive -F zones/${J}`,
      `zfs receive -F zones/${J}/data`,
      `zfs receive -F zones/${J}/data/pgdata`,
      `zfs receive -F zones/${J}/data/pgdata`,
      `zfs receive -F zones/cores/${J}`,
    ]);
    expect(plan.createPayload).toMatchObject({ uuid: J, autoboot: false, delegate_dataset: true });
    expect(plan).toMatchObject({ autoboot: true, start: true, createTimestamp: '2024-11-04T10:22:31.118Z' });
  });

  it('--no-start overrides the saved running state', () => {
    expect(planRestore(header, vm, hostB(), { start: false }).start).toBe(false);
  });

  it('refuses when the base image is installed with another @final GUID', () => {
    const t = hostB();
    t.rows = t.rows.map((r) => (r.name === `zones/${HOST_A.baseImage}@final` ? { ...r, guid: '42' } : r));
    expect(() => planRestore(header, vm, t, {})).toThrow(PlanConflictError);
    expect(() => planRestore(header, vm, t, {})).toThrow(/@final GUID 42 but the archive's is 10816446272365521433/);
  });

  it('refuses a zone that exists, unless --force, which names what it replaces', () => {
    const a: RestoreTarget = { vms: [parseVmadmGet(fixture(`smartos/host-a/vmadm/${J}.json`))], rows: parseZfsList(fixture('zfs/host-a-list.tsv')) };
    expect(() => planRestore(header, vm, a, {})).toThrow(/zone 8aa8dff0-5ee1-4d22-a283-bf79505dfbe3 \(web01\) already exists.*--force/);
    const plan = planRestore(header, vm, a, { force: true });
    expect(plan.replaces!.datasets).toEqual([`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`]);
    expect(plan.images.every((i) => i.action === 'present')).toBe(true);
  });

  it('refuses to overwrite a stray dataset of the same uuid', () => {
    const t = hostB();
    t.rows.push({ name: `zones/${J}`, type: 'filesystem', guid: '1', createtxg: 1, used: 0, referenced: 0 });
    expect(() => planRestore(header, vm, t, {})).toThrow(/dataset zones\/8aa8dff0-5ee1-4d22-a283-bf79505dfbe3 exists but no zone/);
  });

  it('refuses a leftover -partial image import', () => {
    const t = hostB();
    t.rows.push({ name: `zones/${HOST_A.webappImage}-partial`, type: 'filesystem', guid: '1', createtxg: 1, used: 0, referenced: 0 });
    expect(() => planRestore(header, vm, t, {})).toThrow(/-partial exists/);
  });

  it('--new-uuid: a copy beside the original, every dataset under the new uuid, fresh MACs, DHCP', () => {
    const NEW = '0badc0de-0000-4000-8000-000000000001';
    const a: RestoreTarget = { vms: [parseVmadmGet(fixture(`smartos/host-a/vmadm/${J}.json`))], rows: parseZfsList(fixture('zfs/host-a-list.tsv')) };
    const plan = planRestore(header, vm, a, { newUuid: NEW });
    expect(plan.receives.map((r) => r.argv[3])).toEqual([
      `zones/${NEW}`, `zones/${NEW}/data`, `zones/${NEW}/data/pgdata`, `zones/${NEW}/data/pgdata`, `zones/cores/${NEW}`,
    ]);
    expect(plan.replaceAfterCreate).toEqual([`zones/${NEW}`, `zones/cores/${NEW}`]);
    expect(plan.createPayload).toMatchObject({ uuid: NEW, alias: 'web01-copy' });
    const nics = plan.createPayload.nics as Record<string, unknown>[];
    for (const nic of nics) {
      expect(nic).not.toHaveProperty('mac');
      expect(nic).not.toHaveProperty('ip');
      expect(nic.ips).toEqual(['dhcp']);
    }
    expect(plan.createTimestamp).toBeUndefined();
  });

  it('--new-uuid --keep-ips --alias: keeps the addresses, takes the alias', () => {
    const NEW = '0badc0de-0000-4000-8000-000000000002';
    const plan = planRestore(header, vm, hostB(), { newUuid: NEW, keepIps: true, alias: 'web01-test' });
    const nics = plan.createPayload.nics as Record<string, unknown>[];
    expect(nics[0]).toMatchObject({ ip: '203.0.113.21', ips: ['203.0.113.21/24'] });
    expect(nics[0]).not.toHaveProperty('mac');
    expect(plan.alias).toBe('web01-test');
  });

  it('refuses before any change when vmadm create needs an image that is neither here nor in the archive', () => {
    const noImages = { ...header, images: [], streams: header.streams.filter((s) => s.role !== 'image') };
    const t: RestoreTarget = { vms: [], rows: [] };
    expect(() => planRestore(noImages, vm, t, {})).toThrow(/image 39665d70-e5f6-48b5-9000-9b650ef7cd06, which vmadm create needs.*imgadm import/);
  });
});

