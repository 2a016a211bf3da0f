// Loads VM objects (what `vmadm get` / `lookup -j` print) from the zone
// store, the zoneroot's config files, sysinfo and one `zfs list`.
import { loadSysinfo, type Sysinfo } from '../sysinfo/load.js';
import { readZoneConfigFiles } from './config-files.js';
import { renderVm, type HostFacts } from './render.js';
import { readAllStoredVms, readStoredVm, storedVmMtime, type StoredVm } from './store.js';
import { addUsedBySnapshots, loadZfsIndex, type ZfsRow } from './zfs-index.js';

export type VmObject = Record<string, unknown>;

/** A VM that does not exist; the message is the caller's (it differs per command). */
export class VmNotFoundError extends Error {
  override name = 'VmNotFoundError' as const;
  constructor(readonly uuid: string) {
    super(`VM ${uuid} not found`);
  }
}

export function hostFacts(info: Sysinfo): HostFacts {
  return { server_uuid: info.UUID, platform_buildstamp: info['Live Image'], datacenter_name: info['Datacenter Name'] };
}

async function render(vm: StoredVm, zfs: Map<string, ZfsRow>, host: HostFacts): Promise<VmObject> {
  if (vm.brand === 'bhyve' && typeof vm.config['flexible_disk_size'] === 'number') await addUsedBySnapshots(zfs, vm.zonepath.slice(1));
  return renderVm({
    vm,
    zfs,
    host,
    files: await readZoneConfigFiles(vm.zonepath),
    lastModified: await storedVmMtime(vm.uuid),
  });
}

/** Loads one VM object; throws VmNotFoundError when the zone is not configured. */
export async function loadVm(uuid: string): Promise<VmObject> {
  const vm = await readStoredVm(uuid);
  if (!vm) throw new VmNotFoundError(uuid);
  const [zfs, info] = await Promise.all([loadZfsIndex(), loadSysinfo()]);
  return render(vm, zfs, hostFacts(info));
}

/** Loads every VM object (one zfs list and one sysinfo for all). */
export async function loadAllVms(): Promise<VmObject[]> {
  const vms = await readAllStoredVms();
  if (vms.length === 0) return [];
  const [zfs, info] = await Promise.all([loadZfsIndex(), loadSysinfo()]);
  const host = hostFacts(info);
  const out: VmObject[] = [];
  for (const vm of vms) out.push(await render(vm, zfs, host));
  return out;
}
