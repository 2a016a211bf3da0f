// A copy (`restore --new-uuid`) is fully independent of its original, for every zone kind the
// fake host supports: restored beside the running original, every dataset of the copy holds
// the original's files, snapshots (GUIDs) and every property set on it (local or received),
// with the original's uuid written as the copy's; nothing of the copy lives at the original's
// paths. Deleting the copy leaves the original intact and mounted; a new copy survives the
// original's deletion the same way. Content is read only where each zone's own datasets are
// expected to be mounted (/zones/<uuid>…, /zones/<uuid>/cores), never where a mountpoint says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { BASE_IMAGE, WEBAPP_IMAGE, createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';

const LX_IMAGE = '1bc22ad4-b071-480a-b94b-ddac9933f22c';
const ZVOL_IMAGE = '6d0594cc-6d23-4233-89b4-e91317da0e19';

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-copy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function newHost(): Promise<FakeSmartOS> {
  const h = new FakeSmartOS(join(dir, `h-${n++}`), 'copy-host');
  await h.init(`${String(n).padStart(8, '0')}-0000-4000-8000-00000000c0c0`);
  return h;
}

/** Whether `ds` is a dataset of zone `u`: below the zoneroot, a kvm disk, cores. */
function ofZone(ds: string, u: string): boolean {
  return ds === `zones/${u}` || ds.startsWith(`zones/${u}/`) || /^-disk[0-9]+$/.test(ds.slice(`zones/${u}`.length)) && ds.startsWith(`zones/${u}-`) || ds === `zones/cores/${u}`;
}

async function zoneDatasets(h: FakeSmartOS, u: string): Promise<string[]> {
  const all = (await h.must(['zfs', 'list', '-H', '-o', 'name', '-t', 'filesystem,volume', '-r', 'zones'])).split('\n').filter(Boolean);
  return all.filter((d) => ofZone(d, u));
}

/** Where a dataset of zone `u` belongs in the global zone (SmartOS layout), for a filesystem. */
function expectedPath(ds: string, u: string): string {
  return ds === `zones/cores/${u}` ? `/zones/${u}/cores` : `/${ds}`;
}

/**
 * Per dataset, with `u` written as U: type, content, snapshots + GUIDs, every property set on
 * it (source local or received; `zfs send -p` carries both), from one `zfs get` and one `zfs list`.
 */
async function facts(h: FakeSmartOS, u: string): Promise<Record<string, unknown>> {
  const U = (s: string): string => s.split(u).join('U');
  const rows = (await h.must(['zfs', 'get', '-H', '-p', '-o', 'name,property,value,source', '-t', 'filesystem,volume', 'all']))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t') as [string, string, string, string])
    .filter(([name]) => ofZone(name, u));
  const snaps = (await h.must(['zfs', 'list', '-H', '-p', '-t', 'snapshot', '-o', 'name,guid', '-s', 'createtxg', '-r', 'zones']))
    .split('\n')
    .filter(Boolean);
  const out: Record<string, unknown> = {};
  for (const ds of [...new Set(rows.map(([name]) => name))].sort()) {
    const p = (k: string): string | undefined => rows.find(([name, prop]) => name === ds && prop === k)?.[2];
    const type = p('type')!;
    const props = rows.filter(([name, , , source]) => name === ds && (source === 'local' || source === 'received')).map(([, k, v]) => U(`${k}=${v}`)).sort();
    let content: string;
    if (type === 'volume') content = await h.volumeHash(ds);
    else if (p('mounted') !== 'yes') content = '(not mounted)';
    else if (p('mountpoint') !== expectedPath(ds, u)) content = `(mounted elsewhere: ${p('mountpoint')})`;
    else content = await h.treeHash(expectedPath(ds, u), ['cores', 'data', 'disk0', 'disk1']);
    const snapshots = snaps.filter((l) => l.startsWith(`${ds}@`)).map(U);
    out[U(ds)] = { type, content, snapshots, props };
  }
  return out;
}

async function saveOf(h: FakeSmartOS, u: string): Promise<string> {
  const archives = join(dir, `archives-${n++}`);
  await mkdir(archives);
  // --keep 2: a zbak snapshot the zone already has (one restored from another host's save) stays
  // on the original too, so the copy and the original carry the same snapshots.
  const r = await h.zbak(['save', u, '--to', archives, '--keep', '2']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').pop()!;
}

async function restoreCopy(h: FakeSmartOS, file: string, alias: string): Promise<string> {
  const r = await h.zbak(['restore', file, '--new-uuid', '--alias', alias]);
  expect(r.exitCode, r.stderr).toBe(0);
  const vms = JSON.parse(await h.must(['vmadm', 'lookup', '-j', `alias=${alias}`])) as Array<{ uuid: string }>;
  expect(vms).toHaveLength(1);
  return vms[0]!.uuid;
}

/**
 * The whole check for one zone `u` on `h`: a copy beside the running original matches it;
 * deleting the copy leaves the original as it was; a second copy survives the original's deletion.
 */
async function independentCopies(h: FakeSmartOS, u: string): Promise<void> {
  // Something in cores, so a copy's cores that mounted over the original's would show.
  await h.writeFiles(`/zones/${u}/cores`, { 'core.4242': 'original core\n' });
  const file = await saveOf(h, u);
  const original = await facts(h, u);
  expect(Object.keys(original)).toContain('zones/cores/U');
  for (const [ds, f] of Object.entries(original)) {
    const { type, content } = f as { type: string; content: string };
    if (type === 'filesystem' && !ds.includes('/data')) expect(content, `${ds} of the original is mounted at its place`).toMatch(/^[0-9a-f]{64}$/);
  }

  const copy1 = await restoreCopy(h, file, 'copy-one');
  expect(copy1).not.toBe(u);
  expect(await facts(h, copy1), 'the copy beside the running original').toEqual(original);
  expect(await facts(h, u), 'the original after the copy').toEqual(original);
  const dry = await h.zbak(['restore', file, '--new-uuid', '--copy-uuid', '11111111-2222-4333-8444-555555555555', '--dry-run']);
  expect(dry.exitCode, dry.stderr).toBe(0);
  expect(dry.stdout).toMatch(/mountpoint=\/zones\/11111111-2222-4333-8444-555555555555\/cores/);
  expect(dry.stdout).not.toContain(`=/zones/${u}`);

  await h.must(['vmadm', 'delete', copy1]);
  expect(await zoneDatasets(h, copy1)).toEqual([]);
  expect(await facts(h, u), 'the original after the copy is deleted').toEqual(original);

  const copy2 = await restoreCopy(h, file, 'copy-two');
  await h.must(['vmadm', 'delete', u]);
  expect(await zoneDatasets(h, u)).toEqual([]);
  expect(await facts(h, copy2), 'the copy after the original is deleted').toEqual(original);
  await h.must(['vmadm', 'start', copy2]);
  await h.must(['vmadm', 'stop', copy2]);
}

// Two copies, three restores (each run dry and real by the plan check) and a dry run per kind:
// more commands than the default per-test budget on a loaded machine.
const SLOW = 900_000;

describe('a copy is independent of its original (fake host)', () => {
  it('joyent on an image chain, delegated dataset with a child, running', async () => {
    const h = await newHost();
    await createImages(h);
    await independentCopies(h, await createDemoZone(h));
  }, SLOW);

  it('joyent-minimal', async () => {
    const h = await newHost();
    await createImages(h);
    const u = await h.createZone({
      brand: 'joyent-minimal', alias: 'min01', image_uuid: BASE_IMAGE, quota: 5,
      nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.61', netmask: '255.255.255.0' }],
    });
    await h.writeFiles(`/zones/${u}/root`, { 'etc/motd': 'minimal\n' });
    await independentCopies(h, u);
  }, SLOW);

  it('lx with a delegated dataset', async () => {
    const h = await newHost();
    await h.createImage({ uuid: LX_IMAGE, name: 'ubuntu-22.04', version: '20250101', type: 'lx-dataset', os: 'linux', files: { 'root/etc/os-release': 'NAME=Ubuntu\n' } });
    const u = await h.createZone({
      brand: 'lx', alias: 'lx01', image_uuid: LX_IMAGE, kernel_version: '5.10.0', delegate_dataset: true, quota: 25,
      nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.31', netmask: '255.255.255.0' }],
    });
    await h.writeFiles(`/zones/${u}/root`, { 'home/u/notes.txt': 'one\n' });
    await h.must(['zfs', 'snapshot', `zones/${u}@manual-1`]);
    await independentCopies(h, u);
  }, SLOW);

  it('kvm: disks outside the zoneroot', async () => {
    const h = await newHost();
    await h.createImage({ uuid: ZVOL_IMAGE, name: 'debian-12', version: '20250115', type: 'zvol', os: 'linux', files: { boot: 'BOOTSECTOR' } });
    const u = await h.createZone({
      brand: 'kvm', alias: 'kvm01', ram: 256,
      disks: [{ image_uuid: ZVOL_IMAGE, boot: true, model: 'virtio' }, { size: 32, model: 'virtio' }],
      nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.41', netmask: '255.255.255.0', model: 'virtio' }],
    });
    await h.writeVolume(`zones/${u}-disk0`, 'KERNEL-1');
    await h.writeVolume(`zones/${u}-disk1`, 'DATA-DISK');
    await independentCopies(h, u);
  }, SLOW);

  it('bhyve: disks below the zoneroot, vmsnap', async () => {
    const h = await newHost();
    await h.createImage({ uuid: ZVOL_IMAGE, name: 'debian-12', version: '20250115', type: 'zvol', os: 'linux', files: { boot: 'BOOTSECTOR' } });
    const u = await h.createZone({
      brand: 'bhyve', alias: 'bhyve01', ram: 512, flexible_disk_size: 512,
      disks: [{ image_uuid: ZVOL_IMAGE, boot: true, model: 'virtio', size: 128 }, { size: 64, model: 'virtio' }],
      nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.51', netmask: '255.255.255.0', model: 'virtio' }],
    });
    await h.writeVolume(`zones/${u}/disk0`, 'OS-v1');
    await h.must(['vmadm', 'create-snapshot', u, 'pre-upgrade']);
    await h.writeVolume(`zones/${u}/disk1`, 'DATA');
    await independentCopies(h, u);
  }, SLOW);

  it('a promoted zoneroot (no longer a clone of its image), restored where the image is installed', async () => {
    // Promoting over both images takes their @final: vmadm create (and so any copy) needs the
    // image installed, so the zone is saved on A and restored on B, which has the images.
    const a = await newHost();
    await createImages(a);
    const u = await createDemoZone(a);
    await a.must(['zfs', 'promote', `zones/${u}`]);
    await a.must(['zfs', 'rename', `zones/${u}@final`, `zones/${u}@webapp-final`]);
    await a.must(['zfs', 'promote', `zones/${u}`]);
    expect(await a.prop(`zones/${WEBAPP_IMAGE}`, 'origin')).toBe(`zones/${u}@webapp-final`);
    const file = await saveOf(a, u);
    const h = await newHost();
    await createImages(h);
    const r = await h.zbak(['restore', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await h.prop(`zones/${u}`, 'origin')).toBe('-');
    await independentCopies(h, u);
  }, SLOW);
});
