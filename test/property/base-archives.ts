// Genuine archives made on a fake SmartOS host with the real CLI, and the target
// host's inventory recorded the way restore gathers it (vmadm lookup -j, zfs list -r
// zones, zfs get available): once with the saved zones present (for --force), once
// after they were deleted. Foreign zones and datasets sit beside them on the host.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { BASE_IMAGE, WEBAPP_IMAGE, createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';
import { parseVmadmLookup, type Vm } from '../../src/parse/vmadm.js';
import { parseZfsList, ZFS_LIST_COLUMNS, type ZfsRow } from '../../src/parse/zfs-list.js';
import { readArchive, type ArchiveModel } from '../../scripts/lib/hostile/archive-model.js';

export const ZVOL_IMAGE = '6d0594cc-6d23-4233-89b4-e91317da0e19';
/** A zone that is not in any archive: its datasets must never be touched. */
export const OTHER_ZONE = 'c0ffee00-1111-4222-8333-444455556666';
export { BASE_IMAGE, WEBAPP_IMAGE };

export interface Inventory {
  vms: Vm[];
  rows: ZfsRow[];
  poolAvailable: number;
}

export interface BaseArchive {
  label: string;
  uuid: string;
  file: string;
  model: ArchiveModel;
}

export interface Bases {
  archives: BaseArchive[];
  /** The host as it was right after the saves (every saved zone present), and its inventory. */
  present: { dir: string; inv: Inventory };
  /** The same host after the saved zones were deleted. */
  deleted: { dir: string; inv: Inventory };
  /** A new host with no images and no zones: restores install the images. */
  fresh: { dir: string; inv: Inventory };
}

export async function inventory(h: FakeSmartOS): Promise<Inventory> {
  const vms = parseVmadmLookup(await h.must(['vmadm', 'lookup', '-j']));
  const rows = parseZfsList(await h.must(['zfs', 'list', '-H', '-p', '-t', 'all', '-o', ZFS_LIST_COLUMNS.join(','), '-r', 'zones']));
  const available = Number((await h.must(['zfs', 'get', '-H', '-p', '-o', 'value', 'available', 'zones'])).trim());
  return { vms, rows, poolAvailable: available };
}

/** Like FakeSmartOS.createImage for a zvol, but 128 KiB: fake streams carry a volume's every byte. */
async function smallZvolImage(h: FakeSmartOS): Promise<void> {
  const ds = `zones/${ZVOL_IMAGE}`;
  await h.must(['zfs', 'create', '-V', '128k', ds]);
  await h.writeVolume(ds, 'BOOTSECTOR');
  await h.must(['zfs', 'snapshot', `${ds}@final`]);
  const manifest = { v: 2, uuid: ZVOL_IMAGE, name: 'debian-12', version: '20250115', type: 'zvol', os: 'linux', files: [{ compression: 'none' }], image_size: 1, state: 'active', disabled: false, public: true };
  await mkdir(join(h.root, 'var/imgadm/images'), { recursive: true });
  await writeFile(join(h.root, `var/imgadm/images/zones-${ZVOL_IMAGE}.json`), JSON.stringify({ manifest, zpool: 'zones' }, null, 2));
}

async function kvmZone(h: FakeSmartOS): Promise<string> {
  const uuid = await h.createZone({
    brand: 'kvm', alias: 'kvm01', ram: 256,
    disks: [{ image_uuid: ZVOL_IMAGE, boot: true, model: 'virtio' }],
    nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.41', netmask: '255.255.255.0', model: 'virtio' }],
  });
  await h.writeVolume(`zones/${uuid}-disk0`, 'KERNEL-1');
  await h.must(['zfs', 'snapshot', `zones/${uuid}-disk0@before-kernel`]);
  return uuid;
}

async function bhyveZone(h: FakeSmartOS): Promise<string> {
  const uuid = await h.createZone({
    brand: 'bhyve', alias: 'bhyve01', ram: 512, flexible_disk_size: 512,
    disks: [{ image_uuid: ZVOL_IMAGE, boot: true, model: 'virtio' }],
    nics: [{ interface: 'net0', nic_tag: 'admin', ip: '10.0.0.51', netmask: '255.255.255.0', model: 'virtio' }],
  });
  await h.writeVolume(`zones/${uuid}/disk0`, 'OS-v1');
  return uuid;
}

/** Builds the host under `dir`, saves a joyent (image chain, delegated data), a kvm and a bhyve zone. */
export async function makeBases(dir: string): Promise<Bases> {
  const h = new FakeSmartOS(join(dir, 'host'), 'host-a');
  await h.init('aaaaaaaa-0000-4000-8000-0000000000a1');
  await createImages(h);
  await smallZvolImage(h);
  const joyent = await createDemoZone(h);
  const zones = [
    { label: 'joyent', uuid: joyent },
    { label: 'kvm', uuid: await kvmZone(h) },
    { label: 'bhyve', uuid: await bhyveZone(h) },
  ];
  // Foreign things on the host: another zone, and datasets whose names start like the saved zones'.
  await h.createZone({ uuid: OTHER_ZONE, brand: 'joyent', alias: 'other01', image_uuid: WEBAPP_IMAGE, delegate_dataset: true, autoboot: false });
  await h.must(['zfs', 'snapshot', `zones/${OTHER_ZONE}@keep`]);
  for (const z of zones) await h.must(['zfs', 'create', `zones/${z.uuid}-old`]);
  await h.must(['zfs', 'create', `zones/${OTHER_ZONE}-old`]);

  const out = join(dir, 'archives');
  await mkdir(out);
  const archives: BaseArchive[] = [];
  for (const z of zones) {
    const r = await h.zbak(['save', z.uuid, '--to', out, '--part-size', '4K']);
    if (r.exitCode !== 0) throw new Error(`save ${z.label} failed: ${r.stderr}`);
    const file = r.stdout.trim().split('\n').pop()!;
    archives.push({ ...z, file, model: readArchive(await readFile(file)) });
  }
  const present = { dir: join(dir, 'present'), inv: await inventory(h) };
  await cp(h.dir, present.dir, { recursive: true });
  for (const z of zones) await h.must(['vmadm', 'delete', z.uuid]);
  const deleted = { dir: join(dir, 'deleted'), inv: await inventory(h) };
  await cp(h.dir, deleted.dir, { recursive: true });
  const b = new FakeSmartOS(join(dir, 'fresh'), 'host-b');
  await b.init('bbbbbbbb-0000-4000-8000-0000000000b1');
  const fresh = { dir: b.dir, inv: await inventory(b) };
  return { archives, present, deleted, fresh };
}
