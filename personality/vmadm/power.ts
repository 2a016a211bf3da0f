// `vmadm start` and `vmadm stop`, with SmartOS's messages: starting a running
// VM or stopping a stopped one prints why and still exits 0.
import { CliError } from '../common/main.js';
import { bootZone, haltZone } from './lifecycle.js';
import { readStoredVm, writeStoredVm } from './store.js';

/** Returns the message vmadm prints on stderr (exit 0). */
export async function startVm(uuid: string): Promise<string> {
  const vm = await readStoredVm(uuid);
  if (!vm) throw new CliError(`Unable to start VM ${uuid}: VM ${uuid} not found`);
  if (vm.runtime.zone_state === 'running') return `Unable to start VM ${uuid}: VM ${uuid} is already 'running'`;
  await bootZone(vm);
  return `Successfully started VM ${uuid}`;
}

/** Stops the VM (-F or not: there is no guest to ask nicely). Autoboot is cleared either way. */
export async function stopVm(uuid: string): Promise<string> {
  const vm = await readStoredVm(uuid);
  if (!vm) throw new CliError(`VM ${uuid} not found`);
  if (vm.runtime.zone_state !== 'running') {
    vm.config['autoboot'] = false;
    await writeStoredVm(vm);
    return `VM ${uuid} is already not 'running' (currently: stopped)`;
  }
  await haltZone(vm);
  return `Successfully completed stop for VM ${uuid}`;
}
