// The zone configuration store: $ZBAK_ROOT/etc/zones/<uuid>.json stands in for
// SmartOS's /etc/zones/<uuid>.xml, plus the zone's run state (there is no zone kernel).
import { readdir, rm } from 'node:fs/promises';
import { z } from 'zod';
import { readJsonFile, writeJsonFile, fileMtime } from '../common/json-file.js';
import { zoneConfigDir, zoneConfigPath } from '../common/paths.js';
import { isUuid } from '../common/uuid.js';
import { BRANDS } from './proptable.js';

export const RuntimeSchema = z.object({
  zone_state: z.enum(['installed', 'running']),
  zonedid: z.number().int(),
  zoneid: z.number().int().optional(),
  pid: z.number().int().optional(),
  boot_timestamp: z.string().optional(),
  exit_status: z.number().int().optional(),
  exit_timestamp: z.string().optional(),
});
export type Runtime = z.infer<typeof RuntimeSchema>;

export const StoredVmSchema = z.object({
  uuid: z.string().refine(isUuid, 'not a uuid'),
  brand: z.enum(BRANDS),
  zonepath: z.string().startsWith('/'),
  /** vmadm properties kept in the zone's configuration (what SmartOS keeps in the XML). */
  config: z.record(z.unknown()),
  runtime: RuntimeSchema,
});
export type StoredVm = z.infer<typeof StoredVmSchema>;

export async function readStoredVm(uuid: string): Promise<StoredVm | undefined> {
  if (!isUuid(uuid)) return undefined;
  return readJsonFile(zoneConfigPath(uuid), StoredVmSchema);
}

export async function writeStoredVm(vm: StoredVm): Promise<void> {
  await writeJsonFile(zoneConfigPath(vm.uuid), vm);
}

export async function removeStoredVm(uuid: string): Promise<void> {
  await rm(zoneConfigPath(uuid), { force: true });
}

/** When the zone configuration was last written (vmadm's last_modified), to the second. */
export async function storedVmMtime(uuid: string): Promise<Date | undefined> {
  const m = await fileMtime(zoneConfigPath(uuid));
  return m ? new Date(Math.floor(m.getTime() / 1000) * 1000) : undefined;
}

/** UUIDs of every configured zone. */
export async function listStoredVmUuids(): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(zoneConfigDir());
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .filter(isUuid)
    .sort();
}

/** Every configured zone (unreadable entries are skipped so one bad file cannot hide the rest). */
export async function readAllStoredVms(): Promise<StoredVm[]> {
  const vms: StoredVm[] = [];
  for (const uuid of await listStoredVmUuids()) {
    const vm = await readStoredVm(uuid).catch(() => undefined);
    if (vm) vms.push(vm);
  }
  return vms;
}
