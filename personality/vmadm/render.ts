// Builds the `vmadm get` object: configuration fields in SmartOS's order,
// then zone state, host facts, config files and what ZFS says. Pure.
import type { ZoneConfigFiles } from './config-files.js';
import { HVM_BRANDS } from './proptable.js';
import type { StoredVm } from './store.js';
import type { ZfsIndex, ZfsRow } from './zfs-index.js';

/** The order configuration properties appear in `vmadm get` (zone XML order). */
export const CONFIG_ORDER = [
  'zonename', 'autoboot', 'brand', 'limit_priv', 'v', 'create_timestamp', 'image_uuid', 'cpu_shares', 'cpu_cap',
  'max_lwps', 'max_msg_ids', 'max_sem_ids', 'max_shm_ids', 'max_shm_memory', 'zfs_io_priority',
  'max_physical_memory', 'max_locked_memory', 'max_swap', 'billing_id', 'owner_uuid', 'package_name',
  'package_version', 'tmpfs', 'cpu_type', 'disk_driver', 'nic_driver', 'bootrom', 'kernel_version', 'ram', 'vcpus',
  'flexible_disk_size', 'hostname', 'dns_domain', 'resolvers', 'alias', 'datasets', 'filesystems', 'nics', 'disks',
  'com1', 'com2', 'zlog_mode', 'zlog_name',
];

/** Host facts vmadm copies into every VM object. */
export interface HostFacts {
  server_uuid: string;
  platform_buildstamp: string;
  datacenter_name?: string | undefined;
}

export interface RenderInput {
  vm: StoredVm;
  zfs: ZfsIndex;
  files: ZoneConfigFiles;
  host: HostFacts;
  lastModified?: Date | undefined;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function orderedConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_ORDER) if (key in config && key !== 'firewall_enabled') out[key] = config[key];
  for (const [key, value] of Object.entries(config)) if (!(key in out) && key !== 'firewall_enabled') out[key] = value;
  return out;
}

/** Adds what ZFS knows to each disk (size/refreservation in MiB, block_size from volblocksize). */
function renderDisks(disks: unknown, zfs: ZfsIndex): unknown {
  if (!Array.isArray(disks)) return disks;
  return disks.map((raw: unknown) => {
    const disk = { ...(raw as Record<string, unknown>) };
    const p = disk['path'];
    const name = typeof p === 'string' && p.startsWith('/dev/zvol/rdsk/') ? p.slice('/dev/zvol/rdsk/'.length) : undefined;
    const row = name ? zfs.get(name) : undefined;
    if (!row) {
      if (typeof p === 'string') disk['missing'] = true;
      return disk;
    }
    if (row.volsize !== undefined) disk['size'] = row.volsize / MiB;
    disk['zfs_filesystem'] = row.name;
    disk['zpool'] = row.name.split('/')[0];
    if (row.compression !== undefined) disk['compression'] = row.compression;
    if (row.refreservation !== undefined) disk['refreservation'] = Math.ceil(row.refreservation / MiB);
    if (row.volblocksize !== undefined) disk['block_size'] = row.volblocksize;
    return disk;
  });
}

function snapshotsOf(root: string, zfs: ZfsIndex): Array<Record<string, unknown>> {
  const snaps: Array<{ name: string; size: number; created_at?: string }> = [];
  for (const row of zfs.values()) {
    if (!row.name.startsWith(`${root}@vmsnap-`)) continue;
    const snap: { name: string; size: number; created_at?: string } = {
      name: row.name.slice(`${root}@vmsnap-`.length),
      size: (row.written ?? 0) / MiB,
    };
    if (row.creation !== undefined) snap.created_at = new Date(row.creation * 1000).toISOString();
    snaps.push(snap);
  }
  return snaps.sort((a, b) => ((a.created_at ?? '') < (b.created_at ?? '') ? 1 : (a.created_at ?? '') > (b.created_at ?? '') ? -1 : 0));
}

const held = (row: ZfsRow | undefined): boolean => row !== undefined && (row.userrefs ?? 0) > 0;

/** bhyve free_space: flexible_disk_size minus disk sizes and their snapshots, in MiB. */
function freeSpace(flex: number, disks: unknown, zfs: ZfsIndex): number | undefined {
  if (!Array.isArray(disks)) return undefined;
  let used = 0;
  for (const d of disks as Array<Record<string, unknown>>) {
    const row = typeof d['zfs_filesystem'] === 'string' ? zfs.get(d['zfs_filesystem']) : undefined;
    if (!row || row.usedbysnapshots === undefined) return undefined;
    used += ((row.volsize ?? 0) + (row.usedbysnapshots ?? 0)) / MiB;
  }
  return Math.floor(flex - used);
}

/** The VM object `vmadm get` prints. */
export function renderVm({ vm, zfs, files, host, lastModified }: RenderInput): Record<string, unknown> {
  const obj = orderedConfig(vm.config);
  if ('disks' in obj) obj['disks'] = renderDisks(obj['disks'], zfs);
  const running = vm.runtime.zone_state === 'running';
  obj['uuid'] = vm.uuid;
  obj['zone_state'] = vm.runtime.zone_state;
  obj['zonepath'] = vm.zonepath;
  obj['hvm'] = HVM_BRANDS.includes(vm.brand);
  if (running && vm.runtime.zoneid !== undefined) obj['zoneid'] = vm.runtime.zoneid;
  obj['zonedid'] = vm.runtime.zonedid;
  if (lastModified) obj['last_modified'] = lastModified.toISOString();
  if (!running && vm.runtime.exit_status !== undefined) obj['exit_status'] = vm.runtime.exit_status;
  if (!running && vm.runtime.exit_timestamp !== undefined) obj['exit_timestamp'] = vm.runtime.exit_timestamp;
  obj['firewall_enabled'] = vm.config['firewall_enabled'] === true;
  obj['server_uuid'] = host.server_uuid;
  obj['platform_buildstamp'] = host.platform_buildstamp;
  if (host.datacenter_name !== undefined) obj['datacenter_name'] = host.datacenter_name;
  obj['state'] = running ? 'running' : 'stopped';
  if (running && vm.runtime.boot_timestamp !== undefined) obj['boot_timestamp'] = vm.runtime.boot_timestamp;
  if (running && vm.runtime.pid !== undefined) obj['pid'] = vm.runtime.pid;
  obj['customer_metadata'] = files.customer_metadata;
  obj['internal_metadata'] = files.internal_metadata;
  obj['routes'] = files.routes;
  obj['tags'] = files.tags;

  // The zoneroot is the dataset mounted at zonepath (zones/<uuid> on every brand).
  const root = [...zfs.values()].find((r) => r.mountpoint === vm.zonepath && r.type === 'filesystem') ?? zfs.get(vm.zonepath.slice(1));
  if (!root) return obj;
  const quotaBytes = vm.brand === 'bhyve' ? root.refquota : root.quota;
  if (quotaBytes !== undefined) obj['quota'] = quotaBytes / GiB;
  if (held(zfs.get(`${root.name}@indestructible`))) obj['indestructible_zoneroot'] = true;
  const data = zfs.get(`${root.name}/data`);
  if (data && held(zfs.get(`${data.name}@indestructible`))) obj['indestructible_delegated'] = true;
  if (vm.brand === 'bhyve' && typeof vm.config['flexible_disk_size'] === 'number') {
    const fs = freeSpace(vm.config['flexible_disk_size'], obj['disks'], zfs);
    if (fs !== undefined) obj['free_space'] = fs;
  }
  if (data) {
    if (data.compression !== undefined && data.compression !== 'off') obj['zfs_data_compression'] = data.compression;
    if (data.recordsize !== undefined) obj['zfs_data_recsize'] = data.recordsize;
  }
  if (root.compression !== undefined && root.compression !== 'off') obj['zfs_root_compression'] = root.compression;
  if (root.recordsize !== undefined) obj['zfs_root_recsize'] = root.recordsize;
  obj['zfs_filesystem'] = root.name;
  obj['zpool'] = root.name.split('/')[0];
  obj['snapshots'] = snapshotsOf(root.name, zfs);
  if (!('create_timestamp' in obj) && root.creation !== undefined) obj['create_timestamp'] = new Date(root.creation * 1000).toISOString();
  return obj;
}
