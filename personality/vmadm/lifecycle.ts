// Start and stop. There is no zone kernel: "running" is zone_state in the
// zone store, with a zoneid, pid and boot time, as zoneadm would report them.
import { readAllStoredVms, writeStoredVm, type StoredVm } from './store.js';

/** The smallest zoneid no running zone uses (zoneid 0 is the global zone). */
async function freeZoneid(self: string): Promise<number> {
  const used = new Set((await readAllStoredVms()).filter((v) => v.uuid !== self && v.runtime.zone_state === 'running').map((v) => v.runtime.zoneid));
  let id = 1;
  while (used.has(id)) id++;
  return id;
}

/** The next zonedid (stable per zone, assigned when it is created). */
export async function nextZonedid(): Promise<number> {
  const ids = (await readAllStoredVms()).map((v) => v.runtime.zonedid);
  return ids.length === 0 ? 1 : Math.max(...ids) + 1;
}

/** Marks the zone running; autoboot becomes true, as `vmadm start` sets it. */
export async function bootZone(vm: StoredVm): Promise<void> {
  const zoneid = await freeZoneid(vm.uuid);
  vm.config['autoboot'] = true;
  vm.runtime = {
    zone_state: 'running',
    zonedid: vm.runtime.zonedid,
    zoneid,
    pid: 1000 + zoneid * 97 + (process.pid % 97),
    boot_timestamp: new Date().toISOString(),
  };
  await writeStoredVm(vm);
}

/** Marks the zone halted; autoboot becomes false, as `vmadm stop` sets it. */
export async function haltZone(vm: StoredVm): Promise<void> {
  vm.config['autoboot'] = false;
  vm.runtime = {
    zone_state: 'installed',
    zonedid: vm.runtime.zonedid,
    exit_status: 0,
    exit_timestamp: new Date().toISOString(),
  };
  await writeStoredVm(vm);
}
