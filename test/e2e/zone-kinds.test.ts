// Every zone kind round-trips on the fake host: save on A, restore on a host
// B that has none of the images, then delete on A and restore there too.
// Compared per dataset: content hash, snapshot names + GUIDs, origin, and
// the properties vmadm owns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetFacts } from '../support/dataset-facts.js';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { BASE_IMAGE, WEBAPP_IMAGE, createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';

const LX_IMAGE = '1bc22ad4-b071-480a-b94b-ddac9933f22c';
const ZVOL_IMAGE = '6d0594cc-6d23-4233-89b4-e91317da0e19';

let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-kinds-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function newHost(name: string): Promise<FakeSmartOS> {
  const h = new FakeSmartOS(join(dir, `${name}-${n++}`), name);
  await h.init(`${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`);
  return h;
}


/**
 * Restores `file` as a copy beside the zone `uuid` on `h` and checks that the copy's datasets
 * hold what `before` recorded for the original's, with a new uuid and MAC and DHCP addresses.
 */
async function checkCopy(h: FakeSmartOS, file: string, uuid: string, datasets: (uuid: string) => string[], before: Record<string, unknown>): Promise<void> {
  const r = await h.zbak(['restore', file, '--new-uuid', '--alias', 'the-copy']);
  expect(r.exitCode, r.stderr).toBe(0);
  const vms = JSON.parse(await h.must(['vmadm', 'lookup', '-j', 'alias=the-copy'])) as Array<Record<string, unknown>>;
  const copy = String(vms[0]?.uuid);
  expect(copy).not.toBe(uuid);
  // Every name (datasets, snapshots, mountpoints) carries the copy's uuid instead; GUIDs stay.
  const renamed = JSON.parse(JSON.stringify(before).split(uuid).join(copy)) as Record<string, unknown>;
  expect(await datasetFacts(h, datasets(copy)), 'copy').toEqual(renamed);
  const original = JSON.parse(await h.must(['vmadm', 'get', uuid])) as { nics?: Array<{ mac: string }>; brand: string };
  const vm = JSON.parse(await h.must(['vmadm', 'get', copy])) as { nics?: Array<{ mac: string; ips?: string[] }>; brand: string };
  expect(vm.brand).toBe(original.brand);
  for (const [i, nic] of (vm.nics ?? []).entries()) {
    expect(nic.mac).not.toBe(original.nics?.[i]?.mac);
    expect(nic.ips).toEqual(['dhcp']);
  }
}

async function roundTrip(
  setup: (h: FakeSmartOS) => Promise<string>,
  datasets: (uuid: string) => string[],
  vmKeys: string[],
  opts: { copy?: boolean } = {},
): Promise<void> {
  const a = await newHost('a');
  const uuid = await setup(a);
  const archives = join(dir, `archives-${n++}`);
  await mkdir(archives);
  const saved = await a.zbak(['save', uuid, '--to', archives]);
  expect(saved.exitCode, saved.stderr).toBe(0);
  const file = saved.stdout.trim().split('\n').pop()!;
  const before = await datasetFacts(a, datasets(uuid));
  const vmBefore = JSON.parse(await a.must(['vmadm', 'get', uuid])) as Record<string, unknown>;

  const check = async (h: FakeSmartOS, where: string): Promise<void> => {
    expect(await datasetFacts(h, datasets(uuid)), where).toEqual(before);
    const vm = JSON.parse(await h.must(['vmadm', 'get', uuid])) as Record<string, unknown>;
    for (const k of vmKeys) expect(vm[k], `${where}: vmadm get .${k}`).toEqual(vmBefore[k]);
  };

  const b = await newHost('b');
  const rb = await b.zbak(['restore', file]);
  expect(rb.exitCode, rb.stderr).toBe(0);
  await check(b, 'host B');

  await a.must(['vmadm', 'delete', uuid]);
  const ra = await a.zbak(['restore', file]);
  expect(ra.exitCode, ra.stderr).toBe(0);
  await check(a, 'same host');
  if (opts.copy) await checkCopy(a, file, uuid, datasets, before);
}

describe('zone kinds round-trip (fake host)', () => {
  it('lx zone with kernel_version, delegated dataset and a hand-made snapshot; also as a copy', async () => {
    await roundTrip(
      async (h) => {
        await h.createImage({ uuid: LX_IMAGE, name: 'ubuntu-22.04', version: '20250101', type: 'lx-dataset', os: 'linux', files: { 'root/etc/os-release': 'NAME=Ubuntu\n' } });
        const uuid = await h.createZone({
          brand: 'lx', alias: 'lx01', image_uuid: LX_IMAGE, kernel_version: '5.10.0', delegate_dataset: true, quota: 25, autoboot: false,
          nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.31', netmask: '255.255.255.0' }],
        });
        await h.writeFiles(`/zones/${uuid}/root`, { 'home/u/notes.txt': 'one\n' });
        await h.must(['zfs', 'snapshot', `zones/${uuid}@manual-2025-02-01`]);
        await h.writeFiles(`/zones/${uuid}/root`, { 'home/u/notes.txt': 'one\ntwo\n' });
        return uuid;
      },
      (u) => [`zones/${u}`, `zones/${u}/data`, `zones/cores/${u}`],
      ['brand', 'alias', 'kernel_version', 'quota', 'datasets', 'image_uuid', 'state', 'autoboot', 'nics', 'create_timestamp'],
      { copy: true },
    );
  });

  it('kvm: plain zoneroot, disk0 cloned from a zvol image with a snapshot, disk1 plain', async () => {
    await roundTrip(
      async (h) => {
        await h.createImage({ uuid: ZVOL_IMAGE, name: 'debian-12', version: '20250115', type: 'zvol', os: 'linux', files: { boot: 'BOOTSECTOR' } });
        const uuid = await h.createZone({
          brand: 'kvm', alias: 'kvm01', ram: 256,
          disks: [{ image_uuid: ZVOL_IMAGE, boot: true, model: 'virtio' }, { size: 32, model: 'virtio' }],
          nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.41', netmask: '255.255.255.0', model: 'virtio' }],
        });
        await h.writeVolume(`zones/${uuid}-disk0`, 'KERNEL-1');
        await h.must(['zfs', 'snapshot', `zones/${uuid}-disk0@before-kernel`]);
        await h.writeVolume(`zones/${uuid}-disk0`, 'KERNEL-2');
        await h.writeVolume(`zones/${uuid}-disk1`, 'DATA-DISK');
        return uuid;
      },
      (u) => [`zones/${u}`, `zones/${u}-disk0`, `zones/${u}-disk1`, `zones/cores/${u}`],
      ['brand', 'alias', 'ram', 'quota', 'disks', 'state', 'nics', 'create_timestamp'],
    );
  });

  it('bhyve: child disks, flexible_disk_size quota arithmetic, vmsnap on root and disks', async () => {
    await roundTrip(
      async (h) => {
        await h.createImage({ uuid: ZVOL_IMAGE, name: 'debian-12', version: '20250115', type: 'zvol', os: 'linux', files: { boot: 'BOOTSECTOR' } });
        const uuid = await h.createZone({
          brand: 'bhyve', alias: 'bhyve01', ram: 512, flexible_disk_size: 512,
          disks: [{ image_uuid: ZVOL_IMAGE, boot: true, model: 'virtio', size: 128 }, { size: 64, model: 'virtio' }],
          nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.51', netmask: '255.255.255.0', model: 'virtio' }],
        });
        await h.writeVolume(`zones/${uuid}/disk0`, 'OS-v1');
        await h.must(['vmadm', 'create-snapshot', uuid, 'pre-upgrade']);
        await h.writeVolume(`zones/${uuid}/disk0`, 'OS-v2');
        await h.writeVolume(`zones/${uuid}/disk1`, 'DATA');
        return uuid;
      },
      (u) => [`zones/${u}`, `zones/${u}/disk0`, `zones/${u}/disk1`, `zones/cores/${u}`],
      ['brand', 'alias', 'ram', 'quota', 'flexible_disk_size', 'disks', 'state', 'nics', 'snapshots', 'create_timestamp'],
    );
  });

  it('a zoneroot that is no longer a clone (promoted, image deleted): full stream, said in the plan; restores on a host with the image, also as a copy', async () => {
    const a = await newHost('a');
    await createImages(a);
    const uuid = await createDemoZone(a);
    // Promote over both images (webapp, then its origin base), then delete them: no origin left.
    await a.must(['zfs', 'promote', `zones/${uuid}`]);
    await a.must(['zfs', 'rename', `zones/${uuid}@final`, `zones/${uuid}@webapp-final`]);
    await a.must(['zfs', 'promote', `zones/${uuid}`]);
    for (const img of [WEBAPP_IMAGE, BASE_IMAGE]) {
      await a.must(['zfs', 'destroy', '-r', `zones/${img}`]);
      await rm(join(a.root, `var/imgadm/images/zones-${img}.json`));
    }
    const archives = join(dir, `archives-${n++}`);
    await mkdir(archives);
    const dry = await a.zbak(['save', uuid, '--to', archives, '--dry-run']);
    expect(dry.stdout).toMatch(new RegExp(`note: zones/${uuid} is not a clone of an image: saved as a full stream`));
    const saved = await a.zbak(['save', uuid, '--to', archives]);
    expect(saved.exitCode, saved.stderr).toBe(0);
    const file = saved.stdout.trim().split('\n').pop()!;
    const before = await datasetFacts(a, [`zones/${uuid}`]);

    const b = await newHost('b');
    await createImages(b); // vmadm create needs the image; the zone no longer depends on its GUID
    const r = await b.zbak(['restore', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const after = await datasetFacts(b, [`zones/${uuid}`]);
    expect(after).toEqual(before);
    expect((before[`zones/${uuid}`] as { props: Record<string, string> }).props.origin).toBe('-');
    await checkCopy(b, file, uuid, (u) => [`zones/${u}`], before);
  });
});

