// Gathers what the planners need from the host: the zone, the pool listing,
// image records (and their ancestors) and the host's identity.
import { NotFoundError, ParseError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { isUuid } from '../model/ownership.js';
import { parseImgadmGet } from '../parse/imgadm.js';
import { parseSysinfo, type HostFacts } from '../parse/sysinfo.js';
import { parseVmadmGet, parseVmadmLookup, type Vm } from '../parse/vmadm.js';
import { parseZfsList, ZFS_LIST_COLUMNS, type ZfsRow } from '../parse/zfs-list.js';
import { localProps, parseZfsGet } from '../parse/zfs-get.js';
import { imageUuidOfOrigin, type ImageFacts, type SaveInventory } from '../plan/inventory.js';
import { zoneDatasets, zonePool } from '../plan/zone-datasets.js';
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

/** The pool's `available` bytes, from `zfs get -H -p ... available <pool>`. */
export async function poolAvailable(host: Host, pool: string): Promise<number> {
  const r = await must(host, ['zfs', 'get', '-H', '-p', '-o', 'name,property,value,source', 'available', pool], `read free space of pool ${pool}`);
  const value = parseZfsGet(r.stdout).get(pool)?.get('available')?.value;
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 0) throw new ParseError('zfs get -H -p available', `no byte count for ${pool}: ${r.stdout.trim()}`);
  return n;
}

/** `imgadm get`, or undefined when the image is not installed (exit 3). */
export async function imageRecord(host: Host, pool: string, uuid: string): Promise<ImageFacts | undefined> {
  const r = await host.run(['imgadm', 'get', '-P', pool, uuid]);
  if (!succeeded(r)) return undefined;
  return { uuid, record: parseImgadmGet(r.stdout), rawRecord: r.stdout };
}

export async function gatherSaveInventory(host: Host, ref: string): Promise<SaveInventory> {
  const found = await resolveZone(host, ref);
  const raw = await must(host, ['vmadm', 'get', found.uuid], `read zone ${found.uuid} (vmadm get)`);
  const vm = parseVmadmGet(raw.stdout);
  const pool = zonePool(vm);
  const [host_, rows] = [await hostFacts(host), await listPool(host, pool)];
  const images: ImageFacts[] = [];
  const pending = zoneDatasets(vm, rows).map((d) => imageUuidOfOrigin(d.origin, pool)).filter((u): u is string => u !== undefined);
  // Walk each image's ancestry through manifest.origin.
  while (pending.length > 0) {
    const uuid = pending.pop()!;
    if (images.some((i) => i.uuid === uuid)) continue;
    const facts = await imageRecord(host, pool, uuid);
    if (!facts) continue;
    images.push(facts);
    if (facts.record.manifest.origin) pending.push(facts.record.manifest.origin);
  }
  // What `zfs send -p` will carry for each dataset, recorded in the header (a copy rewrites it).
  const names = zoneDatasets(vm, rows).map((d) => d.name);
  const props: Record<string, Record<string, string>> = {};
  if (names.length > 0) {
    const got = parseZfsGet((await must(host, zfs.getSetHere(names), `read the properties of zone ${vm.uuid}'s datasets`)).stdout);
    for (const n of names) props[n] = localProps(got.get(n));
  }
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
