// vmadm create-snapshot / delete-snapshot / rollback-snapshot: @vmsnap-<name>
// on the zoneroot (recursive for bhyve, whose disks are children).
import { CliError } from '../common/main.js';
import { splitRows, zfs } from '../common/zfs.js';
import { bootZone, haltZone } from './lifecycle.js';
import { loadVm, type VmObject } from './load.js';
import { readStoredVm } from './store.js';

/** VM.js validSnapshotName: 1-64 of [a-zA-Z0-9-_.:%]. */
export function validSnapshotName(name: string): boolean {
  return name.length >= 1 && name.length <= 64 && !/[^a-zA-Z0-9\-_.:%]/.test(name);
}

async function load(uuid: string): Promise<VmObject> {
  if (!(await readStoredVm(uuid))) throw new CliError(`VM ${uuid} not found`);
  return loadVm(uuid);
}

function snapshotNames(vm: VmObject): string[] {
  return Array.isArray(vm['snapshots']) ? vm['snapshots'].map((s: { name?: unknown }) => String(s.name)) : [];
}

function rootOf(vm: VmObject): string {
  if (typeof vm['zfs_filesystem'] !== 'string') throw new CliError('vmobj missing zfs_filesystem, cannot create snapshot');
  return vm['zfs_filesystem'];
}

export async function createSnapshot(uuid: string, name: string): Promise<string> {
  if (!validSnapshotName(name)) throw new CliError('Invalid snapshot name');
  const vm = await load(uuid);
  if (vm['brand'] === 'kvm') throw new CliError('snapshots for kvm VMs currently unsupported');
  if (Array.isArray(vm['datasets']) && vm['datasets'].length > 0) throw new CliError('Cannot currently snapshot zones that have datasets');
  const root = rootOf(vm);
  if (snapshotNames(vm).includes(name)) throw new CliError(`snapshot with name "${name}" already exists.`);
  await zfs(['snapshot', ...(vm['brand'] === 'bhyve' ? ['-r'] : []), `${root}@vmsnap-${name}`]);
  return `Created snapshot ${name} for VM ${uuid}`;
}

export async function deleteSnapshot(uuid: string, name: string): Promise<string> {
  if (!validSnapshotName(name)) throw new CliError('Invalid snapshot name');
  const vm = await load(uuid);
  if (vm['brand'] === 'kvm') throw new CliError('snapshots for kvm VMs currently unsupported');
  if (!snapshotNames(vm).includes(name)) throw new CliError(`No snapshot named "${name}" for ${uuid}`);
  await zfs(['destroy', ...(vm['brand'] === 'bhyve' ? ['-r'] : []), `${rootOf(vm)}@vmsnap-${name}`]);
  return `Deleted snapshot ${name} for VM ${uuid}`;
}

/** Stops the VM, `zfs rollback -r` each dataset's snapshot, then starts it (as VM.js does). */
export async function rollbackSnapshot(uuid: string, name: string): Promise<string> {
  if (!validSnapshotName(name)) throw new CliError('Invalid snapshot name');
  const vm = await load(uuid);
  if (vm['brand'] === 'kvm') throw new CliError('snapshots for kvm VMs currently unsupported');
  if (!snapshotNames(vm).includes(name)) throw new CliError(`No snapshot named "${name}" for ${uuid}`);
  const root = rootOf(vm);
  let snaps = [`${root}@vmsnap-${name}`];
  if (vm['brand'] === 'bhyve') {
    snaps = splitRows(await zfs(['list', '-o', 'name', '-H', '-t', 'snapshot', '-r', root]))
      .map((r) => r[0] ?? '')
      .filter((s) => s.split('@vmsnap-')[1] === name);
  }
  const stored = await readStoredVm(uuid);
  if (stored && stored.runtime.zone_state === 'running') await haltZone(stored);
  for (const snap of snaps) await zfs(['rollback', '-r', snap]);
  const again = await readStoredVm(uuid);
  if (again) await bootZone(again);
  return `Rolled back snapshot ${name} for VM ${uuid}`;
}
