// The datasets `vmadm create` makes, per brand, as FACTS.md §1 describes:
// the zoneroot (a clone for OS zones), cores, delegated data, zvol disks,
// and bhyve's quota/reservation arithmetic. Every step goes through `zfs`.
import { datasetExists, splitRows, zfs } from '../common/zfs.js';
import type { Brand } from './proptable.js';
import type { SubObject } from './payload-types.js';

/** What to build; sizes in the payload's units (GiB for quota, MiB for disks). */
export interface LayoutPlan {
  uuid: string;
  zpool: string;
  brand: Brand;
  quota: number;
  imageUuid?: string | undefined;
  rootCompression?: string | undefined;
  rootRecsize?: number | undefined;
  delegate?: { compression?: string | undefined; recsize?: number | undefined } | undefined;
  flexibleDiskSize?: number | undefined;
}

/** Datasets created so far, in order, so a failed create can remove exactly those. */
export type CreatedList = string[];

export const CORES_QUOTA = '100g';

export function zoneroot(plan: LayoutPlan): string {
  return `${plan.zpool}/${plan.uuid}`;
}

/** Returns `<image>@final`, or snapshots `<image>@<tag>` when the image lacks @final (old images). */
async function originSnapshot(zpool: string, image: string, tag: string): Promise<string> {
  const final = `${zpool}/${image}@final`;
  if (await datasetExists(final)) return final;
  const fallback = `${zpool}/${image}@${tag}`;
  await zfs(['snapshot', fallback]);
  return fallback;
}

/** OS zones: the zoneroot is a clone of the image's @final, with devices=off and the quota. */
export async function cloneZoneroot(plan: LayoutPlan, created: CreatedList): Promise<void> {
  if (!plan.imageUuid) throw new Error('image_uuid is required for this brand');
  const origin = await originSnapshot(plan.zpool, plan.imageUuid, plan.uuid);
  const args = ['clone', '-o', 'devices=off'];
  if (plan.quota > 0) args.push('-o', `quota=${plan.quota}g`);
  if (plan.rootCompression !== undefined) args.push('-o', `compression=${plan.rootCompression}`);
  if (plan.rootRecsize !== undefined) args.push('-o', `recordsize=${plan.rootRecsize}`);
  await zfs([...args, origin, zoneroot(plan)]);
  created.push(zoneroot(plan));
}

/** HVM zones: a plain filesystem (kvm gets its quota here; bhyve's comes from setQuotaBhyve). */
export async function createPlainZoneroot(plan: LayoutPlan, created: CreatedList): Promise<void> {
  const args = ['create'];
  if (plan.brand === 'kvm' && plan.quota > 0) args.push('-o', `quota=${plan.quota}g`);
  if (plan.rootCompression !== undefined) args.push('-o', `compression=${plan.rootCompression}`);
  if (plan.rootRecsize !== undefined) args.push('-o', `recordsize=${plan.rootRecsize}`);
  await zfs([...args, zoneroot(plan)]);
  created.push(zoneroot(plan));
}

/** zones/cores/<uuid>, mounted at <zonepath>/cores (zones/cores itself is mountpoint=none). */
export async function createCores(plan: LayoutPlan, created: CreatedList): Promise<void> {
  const parent = `${plan.zpool}/cores`;
  if (!(await datasetExists(parent))) {
    await zfs(['create', '-o', 'mountpoint=none', '-o', 'compression=gzip', parent]);
  }
  const cores = `${parent}/${plan.uuid}`;
  await zfs(['create', '-o', `quota=${CORES_QUOTA}`, '-o', `mountpoint=/${zoneroot(plan)}/cores`, cores]);
  created.push(cores);
}

/**
 * delegate_dataset: <zoneroot>/data with zoned=on, as the zone's boot leaves it
 * (given at create time: same end state as create + set, one command less).
 */
export async function createDelegated(plan: LayoutPlan): Promise<string | undefined> {
  if (!plan.delegate) return undefined;
  const ds = `${zoneroot(plan)}/data`;
  const args = ['create'];
  if (plan.delegate.compression !== undefined) args.push('-o', `compression=${plan.delegate.compression}`);
  if (plan.delegate.recsize !== undefined) args.push('-o', `recsize=${plan.delegate.recsize}`);
  await zfs([...args, '-o', 'zoned=on', ds]);
  return ds;
}

/** indestructible_*: an @indestructible snapshot with a do_not_destroy hold. */
export async function makeIndestructible(dataset: string): Promise<void> {
  const snap = `${dataset}@indestructible`;
  if (!(await datasetExists(snap))) await zfs(['snapshot', snap]);
  const holds = await zfs(['holds', '-H', snap]);
  if (!splitRows(holds).some((row) => row[1] === 'do_not_destroy')) await zfs(['hold', 'do_not_destroy', snap]);
}

/** Releases the hold and destroys @indestructible (idempotent). */
export async function makeDestructible(dataset: string): Promise<void> {
  const snap = `${dataset}@indestructible`;
  if (!(await datasetExists(snap))) return;
  const holds = await zfs(['holds', '-H', snap]);
  for (const row of splitRows(holds)) if (row[1]) await zfs(['release', row[1], snap]);
  await zfs(['destroy', snap]);
}

/** Creates the zvols for HVM disks; sets path/zfs_filesystem on each created disk. */
export async function createVolumes(plan: LayoutPlan, disks: readonly SubObject[], created: CreatedList): Promise<void> {
  let idx = 0;
  for (const disk of disks) {
    if (disk['media'] === 'cdrom' || disk['nocreate'] === true) continue;
    const pool = typeof disk['zpool'] === 'string' ? disk['zpool'] : plan.zpool;
    const name = plan.brand === 'bhyve' ? `${pool}/${plan.uuid}/disk${idx}` : `${pool}/${plan.uuid}-disk${idx}`;
    idx++;
    const refres = typeof disk['refreservation'] === 'number' ? `${disk['refreservation']}M` : 'auto';
    const opts: string[] = [];
    if (disk['compression'] !== undefined) opts.push('-o', `compression=${String(disk['compression'])}`);
    if (disk['block_size'] !== undefined) opts.push('-o', `volblocksize=${String(disk['block_size'])}`);
    if (typeof disk['image_uuid'] === 'string') {
      const origin = await originSnapshot(pool, disk['image_uuid'], String(disk['uuid']));
      // VM.js passes volsize/refreservation to `zfs clone -o`; OpenZFS's libzfs judges
      // refreservation=auto against the origin snapshot, so they are set right after.
      await zfs(['clone', ...opts, origin, name]);
      created.push(name);
      if (typeof disk['size'] === 'number') await zfs(['set', `volsize=${disk['size']}M`, name]);
      await zfs(['set', `refreservation=${refres}`, name]);
    } else {
      if (refres !== 'auto') opts.push('-o', `refreservation=${refres}`);
      await zfs(['create', ...opts, '-V', `${String(disk['size'])}M`, name]);
      created.push(name);
    }
    disk['path'] = `/dev/zvol/rdsk/${name}`;
  }
}

const GiB = 1024 * 1024 * 1024;

/** bhyve: refquota/refreservation on the root, and quota=reservation covering every volume. */
export async function setQuotaBhyve(plan: LayoutPlan): Promise<void> {
  const root = zoneroot(plan);
  const maxQuota = Math.max(1, plan.quota) * GiB;
  const flex = plan.flexibleDiskSize ? plan.flexibleDiskSize * 1024 * 1024 : 0;
  await zfs(['set', 'refreservation=none', `refquota=${maxQuota}`, root]);
  const vols = splitRows(await zfs(['list', '-H', '-r', '-p', '-t', 'volume', '-o', 'name,volsize', root]));
  let volsize = 0;
  for (const [name, size] of vols) {
    volsize += Number(size);
    await zfs(['set', 'refreservation=auto', name ?? '']);
  }
  let volrefres = 0;
  if (vols.length > 0) {
    for (const [v] of splitRows(await zfs(['list', '-H', '-r', '-p', '-t', 'volume', '-o', 'refreservation', root]))) volrefres += Number(v);
  }
  let quota: string | number = flex !== 0 ? volrefres + maxQuota + flex - volsize : volrefres + maxQuota;
  if (plan.quota * GiB > quota) quota = `${plan.quota}g`;
  await zfs(['set', `quota=${quota}`, `reservation=${quota}`, `refreservation=${Math.max(0, maxQuota - 1024 * 1024)}`, root]);
}

/** Undo for a failed create: destroys what was created, newest first. */
export async function destroyCreated(created: CreatedList): Promise<void> {
  for (const ds of [...created].reverse()) {
    await zfs(['destroy', '-r', '-f', ds]).catch(() => undefined);
  }
}
