// Which datasets belong to a zone, per brand layout (docs/SMARTOS.md "Datasets of a zone").
import type { Vm } from '../parse/vmadm.js';
import type { ZfsRow } from '../parse/zfs-list.js';
import { compareNames, isSameOrBelow } from '../model/names.js';
import type { StreamSpec } from '../archive/format.js';

export type DatasetRole = StreamSpec['role'];

export interface ZoneDataset {
  name: string;
  role: Exclude<DatasetRole, 'image'>;
  type: 'filesystem' | 'volume';
  origin?: string;
}

export function zonePool(vm: Vm): string {
  return vm.zpool ?? vm.zfs_filesystem?.split('/')[0] ?? 'zones';
}

export function zoneRootName(vm: Vm): string {
  return vm.zfs_filesystem ?? `${zonePool(vm)}/${vm.uuid}`;
}

/** The datasets the zone's JSON names as its disks (zfs_filesystem, or the zvol of the path). */
export function diskDatasets(vm: Vm): string[] {
  return (vm.disks ?? []).map((d) => d.zfs_filesystem ?? d.path?.replace(/^\/dev\/zvol\/r?dsk\//, '')).filter((n): n is string => !!n);
}

/**
 * Zoneroot and everything below it (delegated data and its children, bhyve
 * disks), kvm disks outside the zoneroot, and the cores dataset: parents
 * before children, so they can be received in this order.
 */
export function zoneDatasets(vm: Vm, rows: readonly ZfsRow[]): ZoneDataset[] {
  const pool = zonePool(vm);
  const root = zoneRootName(vm);
  const datasets = rows.filter((r) => r.type === 'filesystem' || r.type === 'volume');
  const out: ZoneDataset[] = [];
  const add = (r: ZfsRow, role: ZoneDataset['role']): void => {
    if (out.some((d) => d.name === r.name)) return;
    out.push({ name: r.name, role, type: r.type as ZoneDataset['type'], origin: r.origin });
  };
  const below = (top: string): ZfsRow[] =>
    datasets.filter((r) => isSameOrBelow(r.name, top)).sort((a, b) => compareNames(a.name, b.name));

  for (const r of below(root)) add(r, r.name === root ? 'zoneroot' : r.type === 'volume' ? 'disk' : 'dataset');
  for (const name of diskDatasets(vm)) for (const r of below(name)) add(r, 'disk');
  for (const r of below(`${pool}/cores/${vm.uuid}`)) add(r, 'cores');
  return out;
}
