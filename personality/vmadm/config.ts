// Which validated payload properties become the zone's stored configuration
// (what SmartOS writes into the zone XML); the rest live in ZFS or config/*.json.
import { CONFIG_ORDER } from './render.js';
import { HVM_BRANDS, type Brand } from './proptable.js';
import { has, isRecord, type Payload } from './payload-types.js';

/** Applied to ZFS, kept in <zonepath>/config, or only meaningful during create. */
const NOT_STORED = new Set([
  'uuid', 'zonepath', 'zpool', 'quota', 'zfs_root_compression', 'zfs_root_recsize', 'zfs_data_compression',
  'zfs_data_recsize', 'zfs_filesystem_limit', 'zfs_snapshot_limit', 'delegate_dataset', 'indestructible_zoneroot',
  'indestructible_delegated', 'customer_metadata', 'internal_metadata', 'tags', 'routes', 'nowait',
  'zfs_storage_pool_name', 'dataset_uuid', 'zone_dataset_uuid', 'create_only', 'transition',
]);

/** Disk facts that are read back from ZFS on every load, never stored. */
const DISK_DERIVED = ['size', 'block_size', 'refreservation', 'compression', 'zpool', 'zfs_filesystem'];
const DISK_ORDER = ['path', 'boot', 'model', 'media', 'image_size', 'image_uuid', 'image_name', 'pci_slot', 'uuid'];

function storedDisk(disk: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of DISK_ORDER) if (has(disk, k)) out[k] = disk[k];
  for (const [k, v] of Object.entries(disk)) if (!has(out, k) && !DISK_DERIVED.includes(k)) out[k] = v;
  return out;
}

/** Builds the stored configuration in `vmadm get` order. */
export function buildStoredConfig(payload: Payload, brand: Brand, createTimestamp: string, datasets: string[]): Record<string, unknown> {
  const src: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    if (NOT_STORED.has(k) || v === undefined) continue;
    // OS zones only use ram to derive max_physical_memory; SmartOS does not keep it.
    if (k === 'ram' && !HVM_BRANDS.includes(brand)) continue;
    src[k] = v;
  }
  src['v'] = 1;
  src['create_timestamp'] = createTimestamp;
  if (Array.isArray(src['limit_priv'])) src['limit_priv'] = src['limit_priv'].join(',');
  if (Array.isArray(src['fs_allowed'])) src['fs_allowed'] = src['fs_allowed'].join(',');
  if (datasets.length > 0) src['datasets'] = datasets;
  if (Array.isArray(src['disks'])) src['disks'] = src['disks'].filter(isRecord).map(storedDisk);
  const out: Record<string, unknown> = {};
  for (const k of CONFIG_ORDER) if (has(src, k)) out[k] = src[k];
  for (const [k, v] of Object.entries(src)) if (!has(out, k)) out[k] = v;
  return out;
}
