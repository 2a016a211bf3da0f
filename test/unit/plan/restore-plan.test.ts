import { describe, expect, it } from 'vitest';
import { planRestore, type RestorePlan, type RestoreTarget } from '../../../src/plan/restore-plan.js';
import { stepLine } from '../../../src/run/step-line.js';
import { parseZfsList } from '../../../src/parse/zfs-list.js';
import { parseVmadmGet } from '../../../src/parse/vmadm.js';
import { PlanConflictError } from '../../../src/errors.js';
import { fixture, hostAJoyentArchive, HOST_A } from '../../support/fixtures.js';

const J = HOST_A.joyent;


/** Each step as the line --dry-run prints before its '#'. */
const commands = (plan: RestorePlan): string[] =>
  plan.steps.map((s) => stepLine(s).split('   # ')[0]!);
const W = `zones/zbak-${J}`;
const manifest = (uuid: string, name: string): [string, string] => [uuid, JSON.stringify({ manifest: { uuid, name, version: '1.0.0', type: 'zone-dataset' } })];
const M = new Map([manifest(HOST_A.baseImage, 'base-64-lts'), manifest(HOST_A.webappImage, 'webapp-base')]);

const hostB = (): RestoreTarget => ({ vms: [], rows: parseZfsList(fixture('zfs/host-b-list.tsv')) });

describe('planRestore', () => {
  const { header, vm } = hostAJoyentArchive();

  it('host B: skips the base image it has (same GUID), installs the incremental child', () => {
    const plan = planRestore(header, vm, hostB(), {}, M);
    expect(plan.images.map((i) => [i.image.uuid, i.action])).toEqual([
      [HOST_A.baseImage, 'present'],
      [HOST_A.webappImage, 'install'],
    ]);
  });

  it('a restore without --force: vmadm create, the fresh datasets destroyed, every stream received unmounted in order, then mounted', () => {
    const plan = planRestore(header, vm, hostB(), {}, M);
    const c = commands(plan);
    expect(c.filter((l) => l.startsWith('zfs receive'))).toEqual([
      `zfs receive -u zones/${HOST_A.webappImage}-partial < stream s02`,
      `zfs receive -u -F zones/${J} < stream s03`,
      `zfs receive -u -F zones/${J}/data < stream s04`,
      `zfs receive -u -F zones/${J}/data/pgdata < stream s05`,
      `zfs receive -u -F zones/${J}/data/pgdata < stream s06`,
      `zfs receive -u -F zones/cores/${J} < stream s07`,
    ]);
    const created = c.indexOf('vmadm create < payload');
    expect(c.slice(created)).toEqual([
      'vmadm create < payload',
      `vmadm stop ${J} -F`,
      `zfs umount zones/cores/${J}`,
      `zfs destroy -r zones/${J}`,
      `zfs destroy -r zones/cores/${J}`,
      `zfs receive -u -F zones/${J} < stream s03`,
      `zfs receive -u -F zones/${J}/data < stream s04`,
      `zfs receive -u -F zones/${J}/data/pgdata < stream s05`,
      `zfs receive -u -F zones/${J}/data/pgdata < stream s06`,
      `zfs receive -u -F zones/cores/${J} < stream s07`,
      'read to the end of the archive',
      `zfs mount zones/${J}`,
      `zfs mount zones/${J}/data`,
      `zfs mount zones/${J}/data/pgdata`,
      `zfs mount zones/cores/${J}`,
      `zonecfg -z ${J} 'select attr name=create-timestamp; set value=2024-11-04T10:22:31.118Z; end'`,
      `vmadm start ${J}`,
      'commit',
    ]);
    // Nothing of the host's is destroyed: the fresh datasets are the ones vmadm create just made.
    expect(c.some((l) => l.includes('zbak-'))).toBe(false);
    const create = plan.steps.find((s) => s.kind === 'create-zone')!;
    expect(create.op === 'run' && JSON.parse(create.input!)).toMatchObject({ uuid: J, autoboot: false, delegate_dataset: true, zpool: 'zones' });
    expect(create.undo!.map((u) => stepLine(u).split('   # ')[0])).toEqual([`vmadm delete ${J}`]);
  });

  it('vmadm update autoboot only where start/stop leave it other than saved (start sets it, stop clears it)', () => {
    const autoboot = (h: typeof header, start: boolean): string[] =>
      commands(planRestore(h, vm, hostB(), { start }, M)).filter((l) => l.includes('autoboot='));
    expect(autoboot(header, true)).toEqual([]);
    expect(autoboot(header, false)).toEqual([`vmadm update ${J} autoboot=true`]);
    const off = { ...header, zone: { ...header.zone, autoboot: false } };
    expect(autoboot(off, false)).toEqual([]);
    expect(autoboot(off, true)).toEqual([`vmadm update ${J} autoboot=false`]);
  });

  it('--pool restores into another pool; the archive never chooses it', () => {
    const plan = planRestore({ ...header, source: { ...header.source, pool: 'zones/evil' } }, vm, { vms: [], rows: [] }, { pool: 'data' }, new Map([
      [HOST_A.baseImage, JSON.stringify({ manifest: { uuid: HOST_A.baseImage, name: 'b', version: '1', type: 'zone-dataset' } })],
      [HOST_A.webappImage, JSON.stringify({ manifest: { uuid: HOST_A.webappImage, name: 'w', version: '1', type: 'zone-dataset' } })],
    ]));
    expect(commands(plan).filter((l) => l.includes('zones'))).toEqual([]);
    expect(() => planRestore(header, vm, hostB(), { pool: 'zones/x' }, M)).toThrow(/--pool 'zones\/x' is not a pool name/);
  });

  it('--no-start overrides the saved running state', () => {
    expect(planRestore(header, vm, hostB(), { start: false }, M).start).toBe(false);
  });

  it('refuses when the base image is installed with another @final GUID', () => {
    const t = hostB();
    t.rows = t.rows.map((r) => (r.name === `zones/${HOST_A.baseImage}@final` ? { ...r, guid: '42' } : r));
    expect(() => planRestore(header, vm, t, {}, M)).toThrow(PlanConflictError);
    expect(() => planRestore(header, vm, t, {}, M)).toThrow(/@final GUID 42 but the archive's is 10816446272365521433/);
  });

  it('refuses a zone that exists, unless --force, which names what it replaces', () => {
    const a: RestoreTarget = { vms: [parseVmadmGet(fixture(`smartos/host-a/vmadm/${J}.json`))], rows: parseZfsList(fixture('zfs/host-a-list.tsv')) };
    expect(() => planRestore(header, vm, a, {}, M)).toThrow(/zone 8aa8dff0-5ee1-4d22-a283-bf79505dfbe3 \(web01\) already exists.*--force/);
    const plan = planRestore(header, vm, a, { force: true }, M);
    expect(plan.replaces!.datasets).toEqual([`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`]);
    expect(plan.images.every((i) => i.action === 'present')).toBe(true);
    // The old zone is put aside only after every stream was received and checked, and comes back on undo.
    const c = commands(plan);
    const aside = c.indexOf(`zfs rename zones/${J} ${W}/old/${J}`);
    expect(aside).toBeGreaterThan(-1);
    expect(c.indexOf(`vmadm delete ${J}`)).toBeGreaterThan(aside);
    expect(c.indexOf(`vmadm delete ${J}`)).toBeLessThan(c.indexOf('vmadm create < payload'));
    const del = plan.steps.find((s) => s.kind === 'delete-old')!;
    expect(del.undo!.map((u) => stepLine(u).split('   # ')[0])).toEqual([
      'vmadm create < payload',
      `vmadm stop ${J} -F`,
      `zfs umount zones/cores/${J}`,
      `zfs destroy -r zones/${J}`,
      `zfs destroy -r zones/cores/${J}`,
    ]);
    const rename = plan.steps.find((s) => s.kind === 'set-aside' && s.op === 'run' && s.argv[1] === 'rename' && s.argv[2] === `zones/${J}`)!;
    expect(rename.undo!.map((u) => stepLine(u).split('   # ')[0])).toEqual([
      `zfs rename ${W}/old/${J} zones/${J}`,
      `zfs mount zones/${J}`,
      `zfs mount zones/${J}/data`,
      `zfs mount zones/${J}/data/pgdata`,
    ]);
    // Nothing of the old zone is destroyed before the commit.
    const commit = c.indexOf('commit');
    expect(c.slice(0, commit).filter((l) => l.startsWith('zfs destroy') && l.includes(`${W}/old`))).toEqual([]);
  });

  it('refuses to overwrite a stray dataset of the same uuid', () => {
    const t = hostB();
    t.rows.push({ name: `zones/${J}`, type: 'filesystem', guid: '1', createtxg: 1, used: 0, referenced: 0 });
    expect(() => planRestore(header, vm, t, {}, M)).toThrow(/dataset zones\/8aa8dff0-5ee1-4d22-a283-bf79505dfbe3 exists but no zone/);
  });

  it('refuses a leftover -partial image import', () => {
    const t = hostB();
    t.rows.push({ name: `zones/${HOST_A.webappImage}-partial`, type: 'filesystem', guid: '1', createtxg: 1, used: 0, referenced: 0 });
    expect(() => planRestore(header, vm, t, {}, M)).toThrow(/-partial exists/);
  });

  it('--new-uuid: a copy beside the original, every dataset under the new uuid, fresh MACs, DHCP', () => {
    const NEW = '0badc0de-0000-4000-8000-000000000001';
    const a: RestoreTarget = { vms: [parseVmadmGet(fixture(`smartos/host-a/vmadm/${J}.json`))], rows: parseZfsList(fixture('zfs/host-a-list.tsv')) };
    const plan = planRestore(header, vm, a, { newUuid: NEW }, M);
    const c = commands(plan);
    expect(c.filter((l) => l.startsWith('zfs receive')).map((l) => l.split(' ').at(-4))).toEqual([
      `zones/${NEW}`, `zones/${NEW}/data`, `zones/${NEW}/data/pgdata`, `zones/${NEW}/data/pgdata`, `zones/cores/${NEW}`,
    ]);
    expect(c.filter((l) => l.includes(J))).toEqual([]);
    const payload = JSON.parse((plan.steps.find((s) => s.kind === 'create-zone') as { input: string }).input) as Record<string, unknown>;
    expect(payload).toMatchObject({ uuid: NEW, alias: 'web01-copy' });
    for (const nic of payload.nics as Record<string, unknown>[]) {
      expect(nic).not.toHaveProperty('mac');
      expect(nic).not.toHaveProperty('ip');
      expect(nic.ips).toEqual(['dhcp']);
    }
    expect(c.some((l) => l.startsWith('zonecfg'))).toBe(false);
  });

  it('--new-uuid: every recorded property naming the original uuid is received with the copy\'s (-o), shown in the plan', () => {
    const NEW = '0badc0de-0000-4000-8000-000000000003';
    const withProps = {
      ...header,
      streams: header.streams.map((s) =>
        s.role === 'cores'
          ? { ...s, properties: { mountpoint: `/zones/${J}/cores`, quota: '107374182400' } }
          : s.dataset === `${J}/data`
            ? { ...s, properties: { zoned: 'on', mountpoint: `/zones/${J}/data`, 'com.example:x': `/zones/${J}x` } }
            : s.role === 'image' ? s : { ...s, properties: {} },
      ),
    };
    const plan = planRestore(withProps, vm, hostB(), { newUuid: NEW }, M);
    expect(commands(plan).filter((l) => l.startsWith('zfs receive -u -F'))).toEqual([
      `zfs receive -u -F -x mountpoint zones/${NEW} < stream s03`,
      `zfs receive -u -F -o mountpoint=/zones/${NEW}/data zones/${NEW}/data < stream s04`,
      `zfs receive -u -F zones/${NEW}/data/pgdata < stream s05`,
      `zfs receive -u -F zones/${NEW}/data/pgdata < stream s06`,
      `zfs receive -u -F -o mountpoint=/zones/${NEW}/cores zones/cores/${NEW} < stream s07`,
    ]);
    const cores = plan.steps.find((s) => s.op === 'receive' && s.streamId === 's07')!;
    expect(cores.what).toContain(`copy: mountpoint /zones/${J}/cores -> /zones/${NEW}/cores`);
    // The same archive restored under its own uuid receives exactly what it carries.
    expect(commands(planRestore(withProps, vm, hostB(), {}, M)).filter((l) => l.startsWith('zfs receive') && / -[ox] /.test(l))).toEqual([]);
  });

  it('--new-uuid: a nocreate disk path and a hostname that is the uuid follow the new uuid', () => {
    const NEW = '0badc0de-0000-4000-8000-000000000004';
    const K = HOST_A.kvm;
    const kvm = { ...vm, uuid: K, brand: 'kvm', hostname: K, image_uuid: undefined, datasets: undefined,
      disks: [{ path: `/dev/zvol/rdsk/zones/${K}-disk0`, nocreate: true, size: 10240 }, { path: `/dev/zvol/rdsk/zones/${K}-disk1`, size: 10 }] };
    const kheader = { ...header, images: [], zone: { ...header.zone, uuid: K, brand: 'kvm' as const },
      streams: [{ ...header.streams.find((s) => s.role === 'cores')!, dataset: `cores/${K}` }, { ...header.streams.find((s) => s.role === 'zoneroot')!, kind: 'full' as const, from: undefined, origin: undefined, dataset: K }] };
    const plan = planRestore(kheader, kvm, { vms: [], rows: [] }, { newUuid: NEW }, M);
    const payload = JSON.parse((plan.steps.find((s) => s.kind === 'create-zone') as { input: string }).input) as { hostname: string; disks: Array<Record<string, unknown>> };
    expect(payload.hostname).toBe(NEW);
    expect(payload.disks[0]!.path).toBe(`/dev/zvol/rdsk/zones/${NEW}-disk0`);
    expect(payload.disks[1]).not.toHaveProperty('path');
    expect(plan.payloadChanges).toContain(`copy: disks.0.path -> /dev/zvol/rdsk/zones/${NEW}-disk0`);
    expect(JSON.stringify(payload)).not.toContain(K);
  });

  it('--new-uuid --keep-ips --alias: keeps the addresses, takes the alias', () => {
    const NEW = '0badc0de-0000-4000-8000-000000000002';
    const plan = planRestore(header, vm, hostB(), { newUuid: NEW, keepIps: true, alias: 'web01-test' }, new Map([[HOST_A.webappImage, '{"manifest":{"uuid":"x","name":"w","version":"1","type":"zone-dataset"}}']]));
    const create = plan.steps.find((s) => s.kind === 'create-zone') as { input: string };
    const nics = (JSON.parse(create.input) as { nics: Record<string, unknown>[] }).nics;
    expect(nics[0]).toMatchObject({ ip: '203.0.113.21', ips: ['203.0.113.21/24'] });
    expect(nics[0]).not.toHaveProperty('mac');
    expect(plan.alias).toBe('web01-test');
  });

  it('refuses before any change when vmadm create needs an image that is neither here nor in the archive', () => {
    const noImages = { ...header, images: [], streams: header.streams.filter((s) => s.role !== 'image') };
    const t: RestoreTarget = { vms: [], rows: [] };
    expect(() => planRestore(noImages, vm, t, {}, M)).toThrow(/image 39665d70-e5f6-48b5-9000-9b650ef7cd06, which vmadm create needs.*imgadm import/);
  });
});

