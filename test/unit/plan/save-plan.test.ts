import { describe, expect, it } from 'vitest';
import { planSave, PENDING_GUID } from '../../../src/plan/save-plan.js';
import { buildHeader } from '../../../src/plan/header.js';
import { HeaderSchema } from '../../../src/archive/format.js';
import { NotFoundError } from '../../../src/errors.js';
import { hostAInventory, HOST_A } from '../../support/fixtures.js';

const SNAP = 'zbak-20261122T050000Z';
const J = HOST_A.joyent;

/** Rows for the zbak snapshot of every dataset, as `zfs snapshot` would add them. */
function snapRows(datasets: string[], startTxg = 9000): string {
  return datasets.map((d, i) => `${d}@${SNAP}\tsnapshot\t-\t${7000 + i}\t${startTxg + i}\t0\t0\t-\n`).join('');
}

describe('planSave: joyent zone with delegated dataset on an incremental image', () => {
  const plan = planSave(hostAInventory(J), SNAP);

  it('snapshots zoneroot, data, its child and cores in ONE command', () => {
    expect(plan.snapshotArgv).toEqual([
      'zfs', 'snapshot',
      `zones/${J}@${SNAP}`, `zones/${J}/data@${SNAP}`, `zones/${J}/data/pgdata@${SNAP}`, `zones/cores/${J}@${SNAP}`,
    ]);
  });

  it('carries the image ancestry base first: full base, then -i webapp from base@final', () => {
    expect(plan.images.map((i) => [i.uuid, i.origin, i.finalGuid])).toEqual([
      [HOST_A.baseImage, undefined, '10816446272365521433'],
      [HOST_A.webappImage, HOST_A.baseImage, '5728342014457218861'],
    ]);
    expect(plan.streams[0]!.sendArgv).toEqual(['zfs', 'send', '-L', '-e', '-c', `zones/${HOST_A.baseImage}@final`]);
    expect(plan.streams[1]!.sendArgv).toEqual(['zfs', 'send', '-L', '-e', '-c', '-i', `zones/${HOST_A.baseImage}@final`, `zones/${HOST_A.webappImage}@final`]);
    expect(plan.streams[1]!.from!.guid).toBe('10816446272365521433');
  });

  it('sends the zoneroot -I from its image @final, keeping the clone', () => {
    const root = plan.streams.find((s) => s.role === 'zoneroot')!;
    expect(root.kind).toBe('incremental-from-origin');
    expect(root.sendArgv).toEqual(['zfs', 'send', '-L', '-e', '-c', '-p', '-I', `zones/${HOST_A.webappImage}@final`, `zones/${J}@${SNAP}`]);
    expect(root.origin).toEqual({ dataset: HOST_A.webappImage, snapshot: 'final', guid: '5728342014457218861' });
    expect(root.to.guid).toBe(PENDING_GUID);
  });

  it('sends a plain dataset with its own snapshots as full oldest + -I oldest..new', () => {
    const pg = plan.streams.filter((s) => s.dataset === `${J}/data/pgdata`);
    expect(pg.map((s) => s.kind)).toEqual(['full', 'incremental']);
    expect(pg[0]!.sendArgv).toEqual(['zfs', 'send', '-L', '-e', '-c', '-p', `zones/${J}/data/pgdata@pre-upgrade`]);
    expect(pg[1]!.sendArgv).toEqual(['zfs', 'send', '-L', '-e', '-c', '-p', '-I', '@pre-upgrade', `zones/${J}/data/pgdata@${SNAP}`]);
    expect(pg[1]!.from!.guid).toBe(pg[0]!.to.guid);
  });

  it('orders streams images, zoneroot, children, cores with sequential ids', () => {
    expect(plan.streams.map((s) => `${s.id}:${s.role}:${s.dataset}`)).toEqual([
      `s01:image:${HOST_A.baseImage}`,
      `s02:image:${HOST_A.webappImage}`,
      `s03:zoneroot:${J}`,
      `s04:dataset:${J}/data`,
      `s05:dataset:${J}/data/pgdata`,
      `s06:dataset:${J}/data/pgdata`,
      `s07:cores:cores/${J}`,
    ]);
    expect(plan.notes).toEqual([]);
  });

  it('builds a header that passes the schema once the snapshot exists', () => {
    const inv = hostAInventory(J, snapRows([`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`]));
    const after = planSave(inv, SNAP);
    const header = buildHeader(inv, after, { createdAt: new Date('2026-11-22T05:00:00Z'), toolVersion: '0.1.0', partSize: 1024 });
    expect(HeaderSchema.parse(header).streams.find((s) => s.role === 'zoneroot')!.to.guid).toBe('7000');
    expect(header.zone).toMatchObject({ uuid: J, alias: 'web01', brand: 'joyent', state: 'running', autoboot: true });
  });

  it('refuses to build a header while GUIDs are pending', () => {
    const inv = hostAInventory(J);
    expect(() => buildHeader(inv, planSave(inv, SNAP), { createdAt: new Date(), toolVersion: '0', partSize: 1 })).toThrow(/schema/);
  });
});

describe('planSave: other shapes', () => {
  it('lx zone: clone of the lx image, user snapshot carried in the -I stream', () => {
    const plan = planSave(hostAInventory(HOST_A.lx), SNAP);
    const root = plan.streams.find((s) => s.role === 'zoneroot')!;
    expect(root.snapshots.map((s) => s.name)).toEqual(['manual-2025-02-01', SNAP]);
    expect(plan.images.map((i) => i.uuid)).toEqual([HOST_A.lxImage]);
  });

  it('a zoneroot that is not a clone gets a full stream, said plainly', () => {
    const inv = hostAInventory(J);
    inv.rows = inv.rows.map((r) => (r.name === `zones/${J}` ? { ...r, origin: undefined } : r));
    const plan = planSave(inv, SNAP);
    expect(plan.streams.find((s) => s.role === 'zoneroot')!.kind).toBe('full');
    expect(plan.images).toEqual([]);
    expect(plan.notes).toEqual([`zones/${J} is not a clone of an image: saved as a full stream`]);
  });

  it('an image missing from imgadm is reported with its uuid', () => {
    const inv = hostAInventory(J);
    inv.images = inv.images.filter((i) => i.uuid !== HOST_A.baseImage);
    expect(() => planSave(inv, SNAP)).toThrow(NotFoundError);
    expect(() => planSave(inv, SNAP)).toThrow(new RegExp(HOST_A.baseImage));
  });

  it('kvm: disks outside the zoneroot are part of the zone', () => {
    const plan = planSave(hostAInventory(HOST_A.kvm), SNAP);
    expect(plan.datasets.map((d) => `${d.role}:${d.name}`)).toEqual([
      `zoneroot:zones/${HOST_A.kvm}`,
      `disk:zones/${HOST_A.kvm}-disk0`,
      `disk:zones/${HOST_A.kvm}-disk1`,
      `cores:zones/cores/${HOST_A.kvm}`,
    ]);
  });

  it('refuses a brand whose layout zbak does not know, before anything is snapshotted', () => {
    const inv = hostAInventory(J);
    inv.vm = { ...inv.vm, brand: 'sngl' };
    expect(() => planSave(inv, SNAP)).toThrow(/brand 'sngl', which zbak cannot save yet \(supported: joyent, joyent-minimal, lx, kvm, bhyve\)/);
  });
});


describe('planSave: a nightly save after an earlier one', () => {
  const OLD = 'zbak-20261121T050000Z';
  const older = (ds: string[]): string => ds.map((d, i) => `${d}@${OLD}\tsnapshot\t-\t${6000 + i}\t${8000 + i}\t0\t0\t-\n`).join('');
  const zone = [`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`];

  it('with --keep 1: one full stream of the new snapshot where only the pruned one came before; one destroy -r per top', () => {
    const plan = planSave(hostAInventory(J, older(zone)), SNAP, { path: '-', keep: 1 });
    const cores = plan.streams.filter((s) => s.role === 'cores');
    expect(cores.map((s) => [s.kind, s.snapshots.map((x) => x.name)])).toEqual([['full', [SNAP]]]);
    expect(cores[0]!.sendArgv).toEqual(['zfs', 'send', '-L', '-e', '-c', '-p', `zones/cores/${J}@${SNAP}`]);
    // pgdata's user snapshot is older than the pruned one: it stays the full stream's base, -I carries the rest.
    expect(plan.streams.filter((s) => s.dataset === `${J}/data/pgdata`).map((s) => s.snapshots.map((x) => x.name))).toEqual([
      ['pre-upgrade'], [OLD, SNAP],
    ]);
    expect(plan.steps.filter((s) => s.kind === 'prune').map((s) => ('argv' in s ? s.argv.join(' ') : ''))).toEqual([
      `zfs destroy -r zones/${J}@${OLD}`,
      `zfs destroy zones/cores/${J}@${OLD}`,
    ]);
  });

  it('with --keep 2: the older zbak snapshot is kept, so carried', () => {
    const plan = planSave(hostAInventory(J, older(zone)), SNAP, { path: '-', keep: 2 });
    expect(plan.streams.filter((s) => s.role === 'cores').map((s) => s.snapshots.map((x) => x.name))).toEqual([[OLD], [SNAP]]);
    expect(plan.steps.filter((s) => s.kind === 'prune')).toEqual([]);
  });
});

describe('planSave: an incremental archive (chain base)', () => {
  const OLD = 'zbak-20261121T050000Z';
  const zone = [`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`];
  const older = zone.map((d, i) => `${d}@${OLD}\tsnapshot\t-\t${6000 + i}\t${8000 + i}\t0\t0\t-\n`).join('');
  const from = Object.fromEntries(zone.map((d, i) => [d, { snapshot: OLD, guid: String(6000 + i) }]));
  const base = { archive: 'web01-old.zbak', createdAt: '2026-11-21T05:00:00.000Z', snapshotName: OLD, from, links: 1 };

  it('carries no images, and sends every dataset -I from the base snapshot with the same flags as every send', () => {
    const plan = planSave(hostAInventory(J, older), SNAP, { path: '-', keep: 1 }, base);
    expect(plan.images).toEqual([]);
    expect(plan.streams.map((s) => s.sendArgv)).toEqual(
      zone.map((d) => ['zfs', 'send', '-L', '-e', '-c', '-p', '-I', `@${OLD}`, `${d}@${SNAP}`]),
    );
  });
});

describe('planSave: the properties set on each zone dataset go into the header', () => {
  it('records them per zone stream (both streams of a dataset), never on image streams; values the header cannot hold are left out', () => {
    const inv = hostAInventory(J, snapRows([`zones/${J}`, `zones/${J}/data`, `zones/${J}/data/pgdata`, `zones/cores/${J}`]));
    inv.props = {
      [`zones/${J}`]: { quota: '10737418240', devices: 'off' },
      [`zones/${J}/data`]: { zoned: 'on', 'com.example:bad': 'tab\there' },
      [`zones/${J}/data/pgdata`]: {},
      [`zones/cores/${J}`]: { mountpoint: `/zones/${J}/cores`, quota: '107374182400' },
    };
    const plan = planSave(inv, SNAP);
    const byDataset = plan.streams.map((s) => [s.dataset, s.properties]);
    expect(byDataset).toEqual([
      [`${HOST_A.baseImage}`, undefined],
      [`${HOST_A.webappImage}`, undefined],
      [J, { quota: '10737418240', devices: 'off' }],
      [`${J}/data`, { zoned: 'on' }],
      [`${J}/data/pgdata`, {}],
      [`${J}/data/pgdata`, {}],
      [`cores/${J}`, { mountpoint: `/zones/${J}/cores`, quota: '107374182400' }],
    ]);
    const header = buildHeader(inv, plan, { createdAt: new Date(), toolVersion: '0.1.0', partSize: 1024 });
    expect(HeaderSchema.safeParse(header).success).toBe(true);
  });
});
