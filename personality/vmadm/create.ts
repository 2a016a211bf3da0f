// `vmadm create`: uuid, payload validation, then the brand's datasets, the
// config files and the zone configuration; on failure, what was made is removed.
import { isUuid, newUuid } from '../common/uuid.js';
import { getInstalledImage } from '../imgadm/db.js';
import { listPools } from '../common/zfs.js';
import { loadSysinfo, nicTagsOf } from '../sysinfo/load.js';
import { writeZoneConfigFiles, type FlatMap } from './config-files.js';
import { buildStoredConfig } from './config.js';
import { imageKey, imageRefs, type ImageFacts } from './images.js';
import * as layout from './layout.js';
import { bootZone, nextZonedid } from './lifecycle.js';
import type { ExistingNic } from './nics.js';
import { dropWarning, preparePayload, validateCreatePayload } from './payload.js';
import { has, isRecord, objectsOf, PayloadError, type Payload } from './payload-types.js';
import type { Brand } from './proptable.js';
import { readAllStoredVms, readStoredVm, removeStoredVm, writeStoredVm, type StoredVm } from './store.js';

async function imageFacts(payload: Payload, brand: Brand): Promise<Map<string, ImageFacts>> {
  const table = new Map<string, ImageFacts>();
  for (const ref of imageRefs(payload, brand)) {
    const info = await getInstalledImage(ref.zpool, ref.uuid);
    if (!info) continue;
    const m = info.manifest;
    const ds = m.tags?.['org.smartos:cloudinit_datasource'];
    table.set(imageKey(ref.zpool, ref.uuid), {
      type: m.type,
      image_size: m.image_size,
      bootrom: m.requirements?.bootrom,
      cloudinitDatasource: typeof ds === 'string' ? ds : undefined,
    });
  }
  return table;
}

function existingNics(vms: readonly StoredVm[]): ExistingNic[] {
  return vms.flatMap((vm) =>
    objectsOf(vm.config['nics']).map((n) => ({
      mac: typeof n['mac'] === 'string' ? n['mac'] : undefined,
      ips: Array.isArray(n['ips']) ? n['ips'].filter((i): i is string => typeof i === 'string') : [],
      nic_tag: typeof n['nic_tag'] === 'string' ? n['nic_tag'] : undefined,
      vlan_id: typeof n['vlan_id'] === 'number' ? n['vlan_id'] : undefined,
    })),
  );
}

const flat = (v: unknown): FlatMap => (isRecord(v) ? (v as FlatMap) : {});
const optNum = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const optStr = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Creates the VM; returns its uuid. `warn` receives VM.js's payload warnings. */
export async function createVm(raw: unknown, warn: (line: string) => void): Promise<string> {
  if (!isRecord(raw)) throw new PayloadError('Invalid JSON payload: payload must be an object');
  const payload: Payload = structuredClone(raw);
  if (!has(payload, 'uuid')) payload['uuid'] = newUuid();
  const uuid = String(payload['uuid']);
  if (isUuid(uuid) && (await readStoredVm(uuid))) throw new PayloadError(`VM with UUID ${uuid} already exists`);

  const given = new Set(Object.keys(payload));
  const brand = preparePayload(payload);
  const [zpools, images, allVms, sysinfo] = await Promise.all([listPools(), imageFacts(payload, brand), readAllStoredVms(), loadSysinfo()]);
  const dropped = validateCreatePayload(payload, brand, { zpools, images, existingNics: existingNics(allVms), nicTags: nicTagsOf(sysinfo) });
  // VM.js logs a warning for every dropped property, even defaults it added itself
  // (dns_domain on kvm); on stderr only the caller's own properties are worth one.
  for (const prop of dropped) if (given.has(prop.split('.')[0] ?? prop)) warn(dropWarning(prop));
  if (brand === 'bhyve' && sysinfo['Bhyve Capable'] !== true) {
    throw new PayloadError(sysinfo['Bhyve Capable'] === undefined ? 'sysinfo does not have "Bhyve Capable" property' : 'Bhyve not supported');
  }

  const plan: layout.LayoutPlan = {
    uuid,
    zpool: String(payload['zpool']),
    brand,
    quota: Number(payload['quota'] ?? 0),
    imageUuid: optStr(payload['image_uuid']),
    rootCompression: optStr(payload['zfs_root_compression']),
    rootRecsize: optNum(payload['zfs_root_recsize']),
    delegate: payload['delegate_dataset'] === true
      ? { compression: optStr(payload['zfs_data_compression']), recsize: optNum(payload['zfs_data_recsize']) }
      : undefined,
    flexibleDiskSize: optNum(payload['flexible_disk_size']),
  };
  const created: layout.CreatedList = [];
  let configWritten = false;
  try {
    const disks = objectsOf(payload['disks']);
    const datasets: string[] = [];
    if (brand === 'kvm') {
      await layout.createVolumes(plan, disks, created);
      await layout.createPlainZoneroot(plan, created);
    } else if (brand === 'bhyve') {
      await layout.createPlainZoneroot(plan, created);
      await layout.createVolumes(plan, disks, created);
      await layout.setQuotaBhyve(plan);
    } else {
      await layout.cloneZoneroot(plan, created);
    }
    await layout.createCores(plan, created);
    const zonepath = `/${layout.zoneroot(plan)}`;
    await writeZoneConfigFiles(zonepath, {
      customer_metadata: flat(payload['customer_metadata']),
      internal_metadata: flat(payload['internal_metadata']),
      routes: flat(payload['routes']),
      tags: flat(payload['tags']),
    });
    if (payload['indestructible_zoneroot'] === true) await layout.makeIndestructible(layout.zoneroot(plan));
    const delegated = await layout.createDelegated(plan);
    if (delegated) {
      datasets.push(delegated);
      if (payload['indestructible_delegated'] === true) await layout.makeIndestructible(delegated);
    }
    const vm: StoredVm = {
      uuid,
      brand,
      zonepath,
      config: buildStoredConfig(payload, brand, new Date().toISOString(), datasets),
      runtime: { zone_state: 'installed', zonedid: await nextZonedid() },
    };
    await writeStoredVm(vm);
    configWritten = true;
    if (payload['autoboot'] !== false) await bootZone(vm);
    return uuid;
  } catch (err) {
    await undoCreate(plan, created, configWritten);
    throw err;
  }
}

/** Removes a half-created VM: its indestructible holds, datasets (newest first) and config. */
async function undoCreate(plan: layout.LayoutPlan, created: layout.CreatedList, configWritten: boolean): Promise<void> {
  const root = layout.zoneroot(plan);
  if (created.includes(root)) {
    await layout.makeDestructible(`${root}/data`).catch(() => undefined);
    await layout.makeDestructible(root).catch(() => undefined);
  }
  await layout.destroyCreated(created);
  if (configWritten) await removeStoredVm(plan.uuid);
}
