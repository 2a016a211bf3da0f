// docs/FORMAT.md promises that someone without zbak can restore an archive with tar, json,
// zfs, vmadm and zonecfg. This runs the "Manual restore" recipe extracted from the document
// itself (scripts/lib/manual-recipe.ts: the marked blocks, with ARCHIVE, POOL and the scratch
// directory set) on the fake host, per zone kind, and compares the zone with the one saved:
// datasets, content, snapshots with GUIDs, origin, properties, and the whole `vmadm get` JSON
// (autoboot and create_timestamp included). The only change to the text: the imgadm database
// path is under the fake host's root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKEBIN, FakeSmartOS, REPO } from '../../scripts/lib/fake-smartos.js';
import { DATASET_PROPS, datasetFacts } from '../support/dataset-facts.js';
import { buildCreatePayload } from '../../src/plan/create-payload.js';
import { WEBAPP_IMAGE, ZONE_UUID, createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';
import { RECIPE_STEPS, extractRecipe, recipeScript } from '../../scripts/lib/manual-recipe.js';

const LX_IMAGE = '1bc22ad4-b071-480a-b94b-ddac9933f22c';
const ZVOL_IMAGE = '6d0594cc-6d23-4233-89b4-e91317da0e19';
const PROPS = [...DATASET_PROPS, 'mountpoint', 'mounted'];
/**
 * `vmadm get` fields that change with the host or the boot (as test/lab/zone-json.mjs), and
 * bhyve's free_space: the fake pool's space accounting of the received volumes' snapshots
 * (usedbysnapshots) is not the sender's, whoever receives them (zone-kinds.test.ts leaves it out too).
 */
const VOLATILE = ['zoneid', 'zonedid', 'pid', 'boot_timestamp', 'last_modified', 'exit_status', 'exit_timestamp', 'server_uuid', 'platform_buildstamp', 'datacenter_name', 'headnode_id', 'free_space'];

let dir: string;
let n = 0;
let doc: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-recipe-'));
  doc = await readFile(join(REPO, 'docs/FORMAT.md'), 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function newHost(name: string): Promise<FakeSmartOS> {
  const h = new FakeSmartOS(join(dir, `${name}-${n++}`), name);
  await h.init(`${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`);
  await mkdir(join(h.root, 'var/imgadm/images'), { recursive: true });
  return h;
}

const facts = (h: FakeSmartOS, datasets: string[]): Promise<Record<string, unknown>> => datasetFacts(h, datasets, PROPS);

async function vmJson(h: FakeSmartOS, uuid: string): Promise<Record<string, unknown>> {
  const vm = JSON.parse(await h.must(['vmadm', 'get', uuid])) as Record<string, unknown>;
  for (const k of VOLATILE) delete vm[k];
  return vm;
}

/** Runs the document's recipe on `h`; resolves to its output. */
async function runRecipe(h: FakeSmartOS, archive: string): Promise<string> {
  const script = recipeScript(doc, { ARCHIVE: archive, POOL: 'zones', R: join(dir, `scratch-${n++}`) });
  expect(script.split('/var/imgadm/images/').length - 1, 'the recipe writes the imgadm database').toBeGreaterThan(0);
  const file = join(dir, `recipe-${n++}.sh`);
  await writeFile(file, script.replaceAll('/var/imgadm/images/', `${h.root}/var/imgadm/images/`));
  const r = await execa('bash', [file], { env: h.env, reject: false, all: true });
  expect(r.exitCode, r.all).toBe(0);
  return r.all ?? '';
}

/** Save `uuid` on `a`; restore it with the recipe on `target` (after `prepare`); compare. */
async function recipeRoundTrip(a: FakeSmartOS, uuid: string, datasets: string[], target: 'same host' | 'host B', prepare?: (h: FakeSmartOS) => Promise<void>): Promise<{ out: string; host: FakeSmartOS }> {
  const archives = join(dir, `archives-${n++}`);
  await mkdir(archives);
  const saved = await a.zbak(['save', uuid, '--to', archives]);
  expect(saved.exitCode, saved.stderr).toBe(0);
  const archive = saved.stdout.trim().split('\n').pop()!;
  const before = { facts: await facts(a, datasets), vm: await vmJson(a, uuid) };
  let host = a;
  if (target === 'host B') host = await newHost('b');
  else await a.must(['vmadm', 'delete', uuid]);
  await prepare?.(host);
  const out = await runRecipe(host, archive);
  expect(await facts(host, datasets), `${target}: datasets`).toEqual(before.facts);
  expect(await vmJson(host, uuid), `${target}: vmadm get`).toEqual(before.vm);
  return { out, host };
}

describe('docs/FORMAT.md manual restore recipe', () => {
  it('is the marked blocks of the document, in the order the tests know', () => {
    expect(extractRecipe(doc).map((s) => s.name)).toEqual([...RECIPE_STEPS]);
    // Drift fails: a block lost, renamed or unmarked, or a variable the tests do not set.
    expect(() => extractRecipe(doc.replace('<!-- recipe:preflight -->\n', ''))).toThrow(/unmarked sh block/);
    expect(() => extractRecipe(doc.replace('<!-- recipe:receive -->', '<!-- recipe:receive-all -->'))).toThrow(/the tests expect/);
    expect(() => recipeScript(doc.replace('POOL=zones\n', 'POOL=zones\nDEBUG=1\n'), { ARCHIVE: 'a', POOL: 'p', R: 'r' })).toThrow(/DEBUG/);
  });

  it('makes the vmadm create payload zbak restore makes (src/plan/create-payload.ts), "datasets": [] included', async () => {
    const step = extractRecipe(doc).find((s) => s.name === 'create-json')!;
    const zone = '0b7c4cd4-44cb-4b5b-8b8e-6b7a1a7a0c01';
    const vms: Array<Record<string, unknown>> = [
      // A joyent zone as vmadm get prints it, with every kind of field the payload changes.
      {
        uuid: zone, brand: 'joyent', alias: 'w', autoboot: true, state: 'running', zone_state: 'running', zoneid: 7, pid: 42,
        zonepath: `/zones/${zone}`, zfs_filesystem: `zones/${zone}`, datasets: [`zones/${zone}/data`], snapshots: [], cpu_cap: null,
        create_timestamp: '2024-11-04T10:22:31.118Z', last_modified: '2025-01-01T00:00:00.000Z', server_uuid: 'x', v: 1, zonename: zone,
        indestructible_zoneroot: true, quota: 10, filesystems: [{ source: '/', target: '/host', type: 'lofs' }], fs_allowed: 'ufs',
        limit_priv: 'default,dtrace_proc', customer_metadata: { a: 'b' },
        nics: [{ mac: '90:b8:d0:00:00:01', ip: '10.0.0.2', allow_ip_spoofing: true, allow_mac_spoofing: false, allowed_ips: [] }],
      },
      // An lx zone without a delegated dataset: vmadm get may print "datasets": [].
      { uuid: zone, brand: 'lx', autoboot: false, datasets: [], kernel_version: '5.10.0', limit_priv: 'default,-net_access', cpu_cap: 100 },
      // A bhyve VM: disk paths, pools and image disk sizes go; a nocreate disk keeps its path.
      {
        uuid: zone, brand: 'bhyve', hvm: true, pci_devices: [], ram: 512,
        disks: [
          { image_uuid: '6d0594cc-6d23-4233-89b4-e91317da0e19', path: `/dev/zvol/rdsk/zones/${zone}/disk0`, zfs_filesystem: `zones/${zone}/disk0`, zpool: 'zones', size: 10240, block_size: 8192, refreservation: 10240, boot: true },
          { path: `/dev/zvol/rdsk/zones/${zone}/disk1`, zpool: 'zones', size: 64 },
          { path: `/dev/zvol/rdsk/zones/${zone}/disk2`, nocreate: true, size: 64 },
        ],
      },
    ];
    for (const vm of vms) {
      const work = join(dir, `payload-${n++}`);
      await mkdir(work);
      await writeFile(join(work, 'vmadm.json'), JSON.stringify(vm, null, 2));
      const r = await execa('bash', ['-c', `set -euo pipefail\nPOOL=tank\n${step.body}`], { cwd: work, env: { PATH: `${FAKEBIN}:${process.env.PATH}` }, reject: false });
      expect(r.exitCode, r.stderr).toBe(0);
      const want = buildCreatePayload(vm, { uuid: zone, autoboot: false });
      expect(JSON.parse(await readFile(join(work, 'create.json'), 'utf8')), String(vm.brand)).toEqual({ ...want.payload, zpool: 'tank' });
      const withheld = want.withheld.map((w) => w.split(' ')[0]);
      expect(r.stderr, String(vm.brand)).toBe(withheld.length > 0 ? `withheld (global-zone reach): ${withheld.join(', ')}` : '');
    }
  });

  it('joyent zone on an incremental image, delegated dataset with a child: host B without the images', async () => {
    const a = await newHost('a');
    await createImages(a);
    await createDemoZone(a);
    const u = ZONE_UUID;
    const { out, host } = await recipeRoundTrip(a, u, [`zones/${u}`, `zones/${u}/data`, `zones/${u}/data/pgdata`, `zones/cores/${u}`], 'host B');
    expect(out).toMatch(/checksums match the trailer/);
    expect(await host.prop(`zones/${u}`, 'origin')).toBe(`zones/${WEBAPP_IMAGE}@final`);
    expect((await host.snapshots(`zones/${u}`)).map((s) => s.name.split('@')[1])).toEqual(['before-upgrade', 'after-upgrade', expect.stringMatching(/^zbak-/)]);
    expect(await vmJson(host, u)).toMatchObject({ state: 'running', autoboot: true, datasets: [`zones/${u}/data`] });
    expect(await host.must(['imgadm', 'get', '-P', 'zones', WEBAPP_IMAGE])).toMatch(/"zpool": "zones"/);
  });

  it('lx zone saved stopped with autoboot off and "datasets": []: same host, image present', async () => {
    const a = await newHost('a');
    await a.createImage({ uuid: LX_IMAGE, name: 'ubuntu-22.04', version: '20250101', type: 'lx-dataset', os: 'linux', files: { 'root/etc/os-release': 'NAME=Ubuntu\n' } });
    const u = await a.createZone({ brand: 'lx', alias: 'lx01', image_uuid: LX_IMAGE, kernel_version: '5.10.0', quota: 25, autoboot: false });
    await a.writeFiles(`/zones/${u}/root`, { 'home/u/notes.txt': 'one\n' });
    await a.must(['zfs', 'snapshot', `zones/${u}@manual-1`]);
    await a.writeFiles(`/zones/${u}/root`, { 'home/u/notes.txt': 'one\ntwo\n' });
    const { out, host } = await recipeRoundTrip(a, u, [`zones/${u}`, `zones/cores/${u}`], 'same host');
    expect(out).toMatch(/installed with @final GUID \d+, kept/);
    const vm = await vmJson(host, u);
    expect(vm).toMatchObject({ state: 'stopped', autoboot: false });
    expect(vm.datasets ?? []).toEqual([]);
    expect((await host.exec(['zfs', 'list', `zones/${u}/data`])).exitCode).not.toBe(0);
  });

  it('kvm: disk0 cloned from a zvol image with a snapshot, disk1 plain: host B', async () => {
    const a = await newHost('a');
    await a.createImage({ uuid: ZVOL_IMAGE, name: 'debian-12', version: '20250115', type: 'zvol', os: 'linux', files: { boot: 'BOOTSECTOR' } });
    const u = await a.createZone({
      brand: 'kvm', alias: 'kvm01', ram: 256,
      disks: [{ image_uuid: ZVOL_IMAGE, boot: true, model: 'virtio' }, { size: 32, model: 'virtio' }],
      nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.41', netmask: '255.255.255.0', model: 'virtio' }],
    });
    await a.writeVolume(`zones/${u}-disk0`, 'KERNEL-1');
    await a.must(['zfs', 'snapshot', `zones/${u}-disk0@before-kernel`]);
    await a.writeVolume(`zones/${u}-disk0`, 'KERNEL-2');
    await a.writeVolume(`zones/${u}-disk1`, 'DATA-DISK');
    await recipeRoundTrip(a, u, [`zones/${u}`, `zones/${u}-disk0`, `zones/${u}-disk1`, `zones/cores/${u}`], 'host B');
  });

  it('bhyve: child disks, flexible_disk_size, vmsnap on root and disks: host B', async () => {
    const a = await newHost('a');
    await a.createImage({ uuid: ZVOL_IMAGE, name: 'debian-12', version: '20250115', type: 'zvol', os: 'linux', files: { boot: 'BOOTSECTOR' } });
    const u = await a.createZone({
      brand: 'bhyve', alias: 'bhyve01', ram: 512, flexible_disk_size: 512,
      disks: [{ image_uuid: ZVOL_IMAGE, boot: true, model: 'virtio', size: 128 }, { size: 64, model: 'virtio' }],
      nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.51', netmask: '255.255.255.0', model: 'virtio' }],
    });
    await a.writeVolume(`zones/${u}/disk0`, 'OS-v1');
    await a.must(['vmadm', 'create-snapshot', u, 'pre-upgrade']);
    await a.writeVolume(`zones/${u}/disk0`, 'OS-v2');
    await a.writeVolume(`zones/${u}/disk1`, 'DATA');
    await recipeRoundTrip(a, u, [`zones/${u}`, `zones/${u}/disk0`, `zones/${u}/disk1`, `zones/cores/${u}`], 'host B');
  });

  it('stops before any change when a part differs from the trailer', async () => {
    const a = await newHost('a');
    await createImages(a);
    await createDemoZone(a);
    const archives = join(dir, `archives-${n++}`);
    await mkdir(archives);
    const saved = await a.zbak(['save', ZONE_UUID, '--to', archives]);
    expect(saved.exitCode, saved.stderr).toBe(0);
    const archive = saved.stdout.trim().split('\n').pop()!;
    // Flip bytes inside the first part's data (far past the tar headers before it).
    const bytes = await readFile(archive);
    const at = bytes.indexOf(Buffer.from('streams/s01/000000')) + 512 + 4096;
    bytes.write('CORRUPT', at);
    const bad = join(dir, 'bad.zbak');
    await writeFile(bad, bytes);
    const b = await newHost('b');
    const before = await b.stateSummary();
    const script = recipeScript(doc, { ARCHIVE: bad, POOL: 'zones', R: join(dir, `scratch-${n++}`) });
    const file = join(dir, `recipe-${n++}.sh`);
    await writeFile(file, script.replaceAll('/var/imgadm/images/', `${b.root}/var/imgadm/images/`));
    const r = await execa('bash', [file], { env: b.env, reject: false, all: true });
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/STOP: the files differ from the trailer/);
    expect(r.all).toMatch(/< streams\/s\d+\/\d{6} [0-9a-f]{64}\n---\n> streams\/s\d+\/\d{6} [0-9a-f]{64}/);
    expect(await b.stateSummary()).toBe(before);
  });
});
