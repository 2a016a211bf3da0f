// `vmadm update`: configuration properties, quota, indestructible_* flags,
// zfs_{root,data}_* and the set_/remove_ forms for metadata, tags and routes.
// NIC/disk/filesystem changes are refused here rather than half-done.
import { CliError } from '../common/main.js';
import { zfs } from '../common/zfs.js';
import { readZoneConfigFiles, writeZoneConfigFiles, type ZoneConfigFiles } from './config-files.js';
import { coercePayloadTypes } from './defaults.js';
import { makeDestructible, makeIndestructible, setQuotaBhyve } from './layout.js';
import { fixBooleanLoose, isRecord, type Payload } from './payload-types.js';
import { BRAND_TABLE, HVM_BRANDS, propSpec, type Brand } from './proptable.js';
import { readStoredVm, writeStoredVm, type StoredVm } from './store.js';
import { validRecordSize } from './disks.js';

const FILE_MAPS = ['customer_metadata', 'internal_metadata', 'tags', 'routes'] as const;
const UNSUPPORTED = /^(add|remove|update)_(nics|disks|filesystems|pci_devices)$|^(pci_devices|flexible_disk_size|docker)$/;
const ZFS_PROPS = ['quota', 'indestructible_zoneroot', 'indestructible_delegated', 'zfs_root_compression', 'zfs_root_recsize', 'zfs_data_compression', 'zfs_data_recsize', 'zfs_filesystem_limit', 'zfs_snapshot_limit'];
const NOT_UPDATABLE = ['brand', 'image_uuid', 'uuid', 'zonename', 'zpool', 'delegate_dataset', 'nics', 'disks', 'filesystems', 'dataset_uuid', 'zone_dataset_uuid', 'customer_metadata', 'internal_metadata', 'tags', 'routes', 'create_timestamp', 'nowait', 'kernel_version'];

/** Properties `vmadm update` accepts for the brand (create's list minus create-only ones, plus set_/remove_). */
function updatable(brand: Brand, prop: string): boolean {
  if (/^(set|remove)_(customer_metadata|internal_metadata|tags|routes)$/.test(prop)) return true;
  if (UNSUPPORTED.test(prop)) return true;
  if (prop === 'kernel_version') return brand === 'lx';
  return BRAND_TABLE[brand].create.has(prop) && !NOT_UPDATABLE.includes(prop);
}

async function applyZfsProperty(vm: StoredVm, prop: string, value: unknown): Promise<void> {
  const root = vm.zonepath.slice(1);
  switch (prop) {
    case 'quota':
      if (vm.brand === 'bhyve') {
        const flex = vm.config['flexible_disk_size'];
        await setQuotaBhyve({ uuid: vm.uuid, zpool: root.split('/')[0] ?? 'zones', brand: vm.brand, quota: Number(value), flexibleDiskSize: typeof flex === 'number' ? flex : undefined });
      } else {
        await zfs(['set', `quota=${Number(value) === 0 ? 'none' : `${Number(value)}g`}`, root]);
      }
      return;
    case 'indestructible_zoneroot':
      return value === true ? makeIndestructible(root) : makeDestructible(root);
    case 'indestructible_delegated':
      return value === true ? makeIndestructible(`${root}/data`) : makeDestructible(`${root}/data`);
    case 'zfs_root_compression':
      return void (await zfs(['set', `compression=${String(value)}`, root]));
    case 'zfs_data_compression':
      return void (await zfs(['set', `compression=${String(value)}`, `${root}/data`]));
    case 'zfs_root_recsize':
    case 'zfs_data_recsize':
      if (!validRecordSize(value)) throw new CliError(`invalid ${prop} (${String(value)}), must be 512-131072 and a power of 2. (0 to disable)`);
      return void (await zfs(['set', `recordsize=${String(value)}`, prop === 'zfs_root_recsize' ? root : `${root}/data`]));
    case 'zfs_filesystem_limit':
    case 'zfs_snapshot_limit':
      return void (await zfs(['set', `${prop.slice(4)}=${value === undefined ? 'none' : String(value)}`, root]));
  }
}

function applyFileMap(files: ZoneConfigFiles, prop: string, value: unknown): void {
  const m = /^(set|remove)_(.*)$/.exec(prop);
  const key = m?.[2] as (typeof FILE_MAPS)[number] | undefined;
  if (!m || !key) return;
  const target = { ...files[key] };
  if (m[1] === 'set' && isRecord(value)) Object.assign(target, value);
  if (m[1] === 'remove') for (const k of Array.isArray(value) ? value : String(value).split(',')) delete target[String(k)];
  files[key] = target;
}

/** Applies the update; returns the warnings to print (dropped properties). */
export async function updateVm(uuid: string, raw: Payload): Promise<string[]> {
  const vm = await readStoredVm(uuid);
  if (!vm) throw new CliError(`VM ${uuid} not found`);
  const payload: Payload = structuredClone(raw);
  coercePayloadTypes(payload);
  const warnings: string[] = [];
  for (const prop of Object.keys(payload)) {
    if (updatable(vm.brand, prop)) continue;
    warnings.push(`Warning, invalid update property: [${prop}] removing from payload.`);
    delete payload[prop];
  }
  for (const prop of Object.keys(payload)) {
    if (UNSUPPORTED.test(prop)) throw new CliError(`updating ${prop} is not supported by this vmadm`);
  }
  let files: ZoneConfigFiles | undefined;
  for (const [prop, rawValue] of Object.entries(payload)) {
    const value = propSpec(prop).type === 'boolean' ? fixBooleanLoose(rawValue) : rawValue;
    if (ZFS_PROPS.includes(prop)) {
      await applyZfsProperty(vm, prop, value);
    } else if (/^(set|remove)_/.test(prop)) {
      files ??= await readZoneConfigFiles(vm.zonepath);
      applyFileMap(files, prop, value);
    } else if (prop === 'ram' && !HVM_BRANDS.includes(vm.brand)) {
      vm.config['max_physical_memory'] = value;
    } else if (value === undefined || value === '') {
      delete vm.config[prop];
    } else {
      vm.config[prop] = Array.isArray(value) && (prop === 'limit_priv' || prop === 'fs_allowed') ? value.join(',') : value;
    }
  }
  if (files) await writeZoneConfigFiles(vm.zonepath, files);
  await writeStoredVm(vm);
  return warnings;
}
