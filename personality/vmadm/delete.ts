// `vmadm delete`: refuse indestructible VMs, halt, then remove cores, the
// zoneroot (with bhyve disks and delegated data), kvm disks and the config.
import { CliError } from '../common/main.js';
import { datasetExists, runZfs, zfs } from '../common/zfs.js';
import { loadVm } from './load.js';
import { objectsOf } from './payload-types.js';
import { haltZone } from './lifecycle.js';
import { readStoredVm, removeStoredVm } from './store.js';

async function destroyIfPresent(ds: string, recursive: boolean): Promise<void> {
  if (!(await datasetExists(ds))) return;
  await zfs(['destroy', ...(recursive ? ['-r'] : []), '-f', ds]);
}

export async function deleteVm(uuid: string): Promise<string> {
  const fail = (msg: string): CliError => new CliError(`Failed to delete VM ${uuid}: ${msg}`);
  const vm = await readStoredVm(uuid);
  if (!vm) throw fail(`VM ${uuid} not found`);
  const obj = await loadVm(uuid);
  if (obj['indestructible_zoneroot'] === true) throw fail('indestructible_zoneroot is set, cannot delete');
  if (obj['indestructible_delegated'] === true) throw fail('indestructible_delegated is set, cannot delete');
  if (vm.runtime.zone_state === 'running') await haltZone(vm);

  const root = typeof obj['zfs_filesystem'] === 'string' ? obj['zfs_filesystem'] : vm.zonepath.slice(1);
  const cores = `${root.split('/')[0]}/cores/${uuid}`;
  try {
    // Cores is mounted inside the zoneroot: unmount it first or the root's destroy trips over it.
    if (await datasetExists(cores)) await runZfs(['umount', cores]);
    await destroyIfPresent(root, true);
    for (const disk of objectsOf(obj['disks'])) {
      const ds = disk['zfs_filesystem'];
      // With its snapshots, like the zoneroot (a kvm disk can have user or zbak snapshots).
      if (typeof ds === 'string' && !ds.startsWith(`${root}/`)) await destroyIfPresent(ds, true);
    }
    await destroyIfPresent(cores, true);
  } catch (err) {
    throw fail((err as Error).message);
  }
  await removeStoredVm(uuid);
  return `Successfully deleted VM ${uuid}`;
}
