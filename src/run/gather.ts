// Gathers what the planners need from the host: the zone, the listing of its
// datasets (a save) or of the pool (a restore), image records (and their
// ancestors) and the host's identity.
import { HostCommandError, NotFoundError, ParseError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { imageDataset, imgadmDbPath, isUuid } from '../model/ownership.js';
import { isSameOrBelow, splitSnapshotName } from '../model/names.js';
import { ImgadmRecordSchema, parseImgadmGet } from '../parse/imgadm.js';
import { parseSysinfo, type HostFacts } from '../parse/sysinfo.js';
import { parseVmadmGet, parseVmadmLookup, type Vm } from '../parse/vmadm.js';
import { parseZfsList, ZFS_LIST_COLUMNS, ZFS_LIST_COLUMNS_AVAILABLE, type ZfsRow } from '../parse/zfs-list.js';
import { localProps, parseZfsGet } from '../parse/zfs-get.js';
import { imageUuidOfOrigin, type ImageFacts, type SaveInventory } from '../plan/inventory.js';
import { diskDatasets, zoneDatasets, zonePool, zoneRootName } from '../plan/zone-datasets.js';
import { must, succeeded } from './commands.js';
import { parseZfsHolds, type SnapshotHold } from '../parse/zfs-holds.js';
import { zfs } from '../plan/argv.js';
import type { ZonedRow } from '../plan/restore-plan.js';

export async function listVms(host: Host): Promise<Vm[]> {
  const r = await must(host, ['vmadm', 'lookup', '-j'], 'list zones (vmadm lookup -j)');
  return parseVmadmLookup(r.stdout);
}

/** Finds a zone by uuid or alias; a clear error when none or several match. */
export async function resolveZone(host: Host, ref: string): Promise<Vm> {
  const vms = await listVms(host);
  const byUuid = vms.find((v) => v.uuid === ref);
  if (byUuid) return byUuid;
  const byAlias = vms.filter((v) => v.alias === ref);
  if (byAlias.length === 1) return byAlias[0]!;
  if (byAlias.length > 1) {
    throw new UsageError(`alias '${ref}' names ${byAlias.length} zones (${byAlias.map((v) => v.uuid).join(', ')}); give the uuid instead`);
  }
  const what = isUuid(ref) ? 'uuid' : 'uuid or alias';
  throw new NotFoundError(`no zone with ${what} '${ref}' on this host; run 'zbak list' to see the zones`);
}

export async function hostFacts(host: Host): Promise<HostFacts> {
  const r = await must(host, ['sysinfo'], 'read host facts (sysinfo)');
  return parseSysinfo(r.stdout);
}

export async function listPool(host: Host, pool: string): Promise<ZfsRow[]> {
  const r = await must(
    host,
    ['zfs', 'list', '-H', '-p', '-t', 'all', '-o', ZFS_LIST_COLUMNS.join(','), '-r', pool],
    `list datasets of pool ${pool}`,
  );
  return parseZfsList(r.stdout);
}

/** The pool's datasets and snapshots, and its `available` bytes (from the pool's own row), in one command. */
export async function listPoolWithSpace(host: Host, pool: string): Promise<{ rows: ZfsRow[]; available: number }> {
  const r = await must(
    host,
    ['zfs', 'list', '-H', '-p', '-t', 'all', '-o', ZFS_LIST_COLUMNS_AVAILABLE.join(','), '-r', pool],
    `list datasets of pool ${pool}`,
  );
  const rows = parseZfsList(r.stdout, ZFS_LIST_COLUMNS_AVAILABLE);
  const available = rows.find((row) => row.name === pool)?.available;
  if (available === undefined) throw new ParseError('zfs list -H -p -o …,available', `no byte count for pool ${pool}`);
  return { rows, available };
}

/**
 * imgadm's database record of an image (`/var/imgadm/images/<pool>-<uuid>.json`), or undefined
 * when it is missing, unreadable or not a whole record of this image. `imgadm get` prints exactly
 * this record once the image's dataset exists (smartos-live src/img/lib/database.js, cli.js
 * do_get; docs/SMARTOS.md "Images"), so the archive gets the same bytes; reading it spares a save
 * that node process, about a second on SmartOS. Not being there is no verdict: the caller then
 * asks `imgadm get`, as zbak did before.
 */
async function imgadmDbRecord(host: Host, pool: string, uuid: string): Promise<ImageFacts | undefined> {
  const text = await host.readFile(imgadmDbPath(pool, uuid)).catch(() => undefined);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const record = ImgadmRecordSchema.safeParse(value);
  if (!record.success || record.data.manifest.uuid !== uuid) return undefined;
  // imgadm get prints the parsed record (keys in the file's order) as JSON.stringify(record, null, 2) and a newline.
  return { uuid, record: record.data, rawRecord: `${JSON.stringify(value, null, 2)}\n` };
}

/** `imgadm get`, or undefined when the image is not installed (exit 3). */
export async function imageRecord(host: Host, pool: string, uuid: string): Promise<ImageFacts | undefined> {
  const r = await host.run(['imgadm', 'get', '-P', pool, uuid]);
  if (!succeeded(r)) return undefined;
  return { uuid, record: parseImgadmGet(r.stdout), rawRecord: r.stdout };
}

/** What `vmadm get` of an unknown uuid prints (exit 1). */
const NO_SUCH_ZONE = /No such zone configured/;

/**
 * `vmadm get` of the zone, raw. A uuid is asked for directly (each vmadm costs about a second on
 * SmartOS); only an alias is looked up among all zones first.
 */
async function vmadmGet(host: Host, ref: string): Promise<{ uuid: string; stdout: string }> {
  const uuid = isUuid(ref) ? ref : (await resolveZone(host, ref)).uuid;
  const r = await host.run(['vmadm', 'get', uuid]);
  if (isUuid(ref) && !succeeded(r) && r.exitCode === 1 && NO_SUCH_ZONE.test(r.stderrTail)) await resolveZone(host, ref);
  if (!succeeded(r)) throw new HostCommandError(`read zone ${uuid} (vmadm get)`, r);
  return { uuid, stdout: r.stdout };
}

/** The image datasets a zone's JSON names (zone image, disk images): where its clones come from. */
function namedImages(vm: Vm): string[] {
  return [vm.image_uuid, ...(vm.disks ?? []).map((d) => d.image_uuid)].filter((u): u is string => u !== undefined && isUuid(u));
}

/** Where a zone's datasets live: zoneroot, cores, and the disks its JSON names outside the zoneroot. */
function zoneTrees(vm: Vm): string[] {
  const trees = [...new Set([zoneRootName(vm), `${zonePool(vm)}/cores/${vm.uuid}`, ...diskDatasets(vm)])];
  // A bhyve disk lies below the zoneroot: -r of the zoneroot lists it already.
  return trees.filter((t) => !trees.some((o) => o !== t && isSameOrBelow(t, o)));
}

/** `zfs list -r` of these trees only; one that does not exist is left out (zfs lists the rest and names it, exit 1). */
async function listTrees(host: Host, names: readonly string[]): Promise<ZfsRow[]> {
  const r = await host.run(zfs.listTrees(names));
  const onlyMissing =
    r.exitCode === 1 &&
    r.signal === null &&
    r.stderrTail
      .split('\n')
      .filter((l) => l !== '')
      .every((l) => names.some((n) => l === `cannot open '${n}': dataset does not exist`));
  if (!succeeded(r) && !onlyMissing) throw new HostCommandError(`list datasets ${names.join(', ')}`, r);
  return parseZfsList(r.stdout);
}

/** The dataset a row is, or the one it is a snapshot of. */
const rowDataset = (r: ZfsRow): string => splitSnapshotName(r.name)?.dataset ?? r.name;

/**
 * Starts reading these images' database records, to go beside the `zfs list` of their datasets;
 * given its rows, the returned function resolves to the records of the installed ones (an image
 * is installed when its dataset exists, as `imgadm get` says): each database record when whole,
 * else what `imgadm get` prints. Images `imgadm get` does not know are left out.
 */
function installedImages(host: Host, pool: string, uuids: readonly string[]): (rows: readonly ZfsRow[]) => Promise<ImageFacts[]> {
  const db = uuids.map((uuid) => ({ uuid, read: imgadmDbRecord(host, pool, uuid) }));
  return async (rows) => {
    const installed = db.filter(({ uuid }) => rows.some((r) => r.name === imageDataset(pool, uuid)));
    const records = await Promise.all(installed.map(async ({ uuid, read }) => (await read) ?? imageRecord(host, pool, uuid)));
    return records.filter((i): i is ImageFacts => i !== undefined);
  };
}

/**
 * imgadm records of these images and their ancestors (manifest.origin), and the rows of their
 * datasets; an image whose dataset does not exist is not installed and is left out. One `zfs
 * list` per generation; `asked` holds the images already looked at (installed or not).
 */
async function imageChains(host: Host, pool: string, uuids: readonly string[], asked: Set<string>): Promise<{ images: ImageFacts[]; rows: ZfsRow[] }> {
  const images: ImageFacts[] = [];
  const rows: ZfsRow[] = [];
  let pending = [...new Set(uuids)].filter((u) => !asked.has(u));
  while (pending.length > 0) {
    for (const u of pending) asked.add(u);
    const records = installedImages(host, pool, pending);
    const listed = await listTrees(host, pending.map((uuid) => imageDataset(pool, uuid)));
    const found = await records(listed);
    images.push(...found);
    rows.push(...listed.filter((r) => found.some((i) => isSameOrBelow(rowDataset(r), imageDataset(pool, i.uuid)))));
    pending = [...new Set(found.map((i) => i.record.manifest.origin).filter((u): u is string => u !== undefined))].filter((u) => !asked.has(u));
  }
  return { images, rows };
}

/** `zfs get` of what `zfs send -p` will carry for each of the zone's datasets (recorded in the header; a copy rewrites it). */
async function zoneProps(host: Host, vm: Vm, rows: readonly ZfsRow[]): Promise<Record<string, Record<string, string>>> {
  const names = zoneDatasets(vm, rows).map((d) => d.name);
  const props: Record<string, Record<string, string>> = {};
  if (names.length === 0) return props;
  const got = parseZfsGet((await must(host, zfs.getSetHere(names), `read the properties of zone ${vm.uuid}'s datasets`)).stdout);
  for (const n of names) props[n] = localProps(got.get(n));
  return props;
}

/**
 * Lists only the zone's own trees and its images (not the whole pool): one `zfs list` holds every
 * row the plan reads, the datasets of the images the zone's JSON names included. Images are read
 * from imgadm's database, `imgadm get` runs only for an installed image whose record is not whole.
 * A dataset cloned from an image the JSON does not name, or an image's ancestors, cost one more
 * `zfs list` per generation.
 */
export async function gatherSaveInventory(host: Host, ref: string): Promise<SaveInventory> {
  // Side by side: each look-up is a process start (a vmadm costs about a second on SmartOS).
  // Each group is started in one tick in this order, and a later group only once the ones it
  // waits for are done, so ZBAK_TRACE's order is the same on every run (the plan check).
  const [raw, host_] = await Promise.all([vmadmGet(host, ref), hostFacts(host)]);
  const vm = parseVmadmGet(raw.stdout);
  if (vm.uuid !== raw.uuid) throw new ParseError(`vmadm get ${raw.uuid}`, `it printed zone ${vm.uuid}`);
  const pool = zonePool(vm);
  const named = [...new Set(namedImages(vm))];
  // The named images' database records are read beside the listing; then the properties (which
  // need the rows) beside `imgadm get` of any installed image whose record was not whole.
  const records = installedImages(host, pool, named);
  const listedRows = await listTrees(host, [...zoneTrees(vm), ...named.map((uuid) => imageDataset(pool, uuid))]);
  const [props, images] = await Promise.all([zoneProps(host, vm, listedRows), records(listedRows)]);
  // An image dataset imgadm does not know is not an installed image: its rows stay out, as before.
  const unknown = named.filter((uuid) => !images.some((i) => i.uuid === uuid)).map((uuid) => imageDataset(pool, uuid));
  let rows = listedRows.filter((r) => !unknown.some((u) => isSameOrBelow(rowDataset(r), u)));
  const ancestors = images.map((i) => i.record.manifest.origin).filter((u): u is string => u !== undefined);
  const unnamed = zoneDatasets(vm, rows).map((d) => imageUuidOfOrigin(d.origin, pool)).filter((u): u is string => u !== undefined);
  // An image already asked for (installed or not) is not asked for again.
  const more = await imageChains(host, pool, [...ancestors, ...unnamed], new Set(named));
  images.push(...more.images);
  rows = [...rows, ...more.rows];
  return { host: host_, vm, rawVmJson: raw.stdout, rows, images, props };
}

/** `zoned` of a dataset and everything below it; none when it does not exist (a restore's target). */
export async function zonedBelow(host: Host, dataset: string): Promise<ZonedRow[]> {
  const r = await host.run(zfs.getZoned(dataset));
  if (!succeeded(r)) return [];
  return [...parseZfsGet(r.stdout)].map(([name, props]) => {
    const zoned = props.get('zoned') ?? { value: '', source: '' };
    return { name, value: zoned.value, source: zoned.source };
  });
}

/** User holds on these snapshots (restore --force: the zone it replaces). */
export async function holdsOn(host: Host, snapshots: readonly string[]): Promise<SnapshotHold[]> {
  if (snapshots.length === 0) return [];
  const r = await must(host, zfs.holds(snapshots), 'list holds (zfs holds)');
  return parseZfsHolds(r.stdout);
}
