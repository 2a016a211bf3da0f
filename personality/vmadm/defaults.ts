// Type coercion and the defaults VM.js applies to a create payload
// (applyZoneDefaults + fixPayloadMemory for a new VM).
import {
  BRAND_TABLE,
  DEFAULT_BHYVE_QUOTA_GIB,
  DEFAULT_MEMORY_OVERHEAD,
  DEFAULT_QUOTA_GIB,
  HVM_BRANDS,
  HVM_LIMIT_PRIV,
  MIN_MEMORY_OVERHEAD,
  propSpec,
  type Brand,
} from './proptable.js';
import { has, objectsOf, PayloadError, type Payload } from './payload-types.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const MINIMUM_MAX_SWAP = 256;

/** Integers from strings, lists from comma strings; '' or null integers mean "unset". */
export function coercePayloadTypes(payload: Payload): void {
  for (const [prop, value] of Object.entries(payload)) {
    const spec = propSpec(prop);
    if (spec.type === 'integer' && value !== undefined) {
      if (value === '' || value === null) {
        payload[prop] = undefined;
        continue;
      }
      const n = Number(value);
      if (Number.isNaN(n)) throw new PayloadError(`Invalid value for ${prop}: ${JSON.stringify(n)}:number`);
      payload[prop] = n;
    } else if (spec.type === 'list' && typeof value === 'string') {
      payload[prop] = value.split(',').filter((e) => e.length > 0);
    }
  }
  if (has(payload, 'quota') && payload['quota'] === undefined) payload['quota'] = 0;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** fixPayloadMemory() for a VM that does not exist yet. */
function fixMemory(payload: Payload, brand: Brand): void {
  const ram = num(payload['ram']);
  const overhead = DEFAULT_MEMORY_OVERHEAD[brand];
  if (ram !== undefined && !has(payload, 'max_physical_memory')) {
    payload['max_physical_memory'] = overhead ? ram + overhead : ram;
  }
  const maxPhys = num(payload['max_physical_memory']);
  if (maxPhys !== undefined) {
    if (!has(payload, 'max_locked_memory')) payload['max_locked_memory'] = maxPhys;
    if (!has(payload, 'max_swap')) payload['max_swap'] = Math.max(maxPhys, MINIMUM_MAX_SWAP);
    if (BRAND_USES_TMPFS(brand) && !has(payload, 'tmpfs')) payload['tmpfs'] = maxPhys;
    if (num(payload['tmpfs']) !== undefined && (payload['tmpfs'] as number) > maxPhys) payload['tmpfs'] = maxPhys;
    payload['max_shm_memory'] ??= maxPhys;
    payload['max_msg_ids'] ??= 4096;
    payload['max_sem_ids'] ??= 4096;
    payload['max_shm_ids'] ??= 4096;
  }
  const minOverhead = MIN_MEMORY_OVERHEAD[brand];
  if (minOverhead && ram !== undefined) {
    if (ram + minOverhead > (num(payload['max_physical_memory']) ?? 0)) payload['max_physical_memory'] = ram + minOverhead;
    if (ram + minOverhead > (num(payload['max_locked_memory']) ?? 0)) payload['max_locked_memory'] = ram + minOverhead;
  }
  const phys = num(payload['max_physical_memory']);
  if (phys !== undefined) {
    if ((num(payload['max_locked_memory']) ?? 0) > phys) payload['max_locked_memory'] = phys;
    if (num(payload['max_swap']) !== undefined && (payload['max_swap'] as number) < phys) payload['max_swap'] = phys;
  }
}

function BRAND_USES_TMPFS(brand: Brand): boolean {
  return !HVM_BRANDS.includes(brand);
}

/** applyZoneDefaults(): owner, autoboot, brand, pool, limits, quota and disk/nic models. */
export function applyZoneDefaults(payload: Payload): Brand {
  payload['owner_uuid'] ??= ZERO_UUID;
  payload['autoboot'] ??= true;
  payload['brand'] ??= 'joyent';
  const brand = payload['brand'];
  if (typeof brand !== 'string' || !(brand in BRAND_TABLE)) throw new PayloadError(`Unsupported brand: ${String(brand)}`);
  const b = brand as Brand;
  payload['zpool'] ??= 'zones';
  payload['dns_domain'] ??= 'local';
  if (!has(payload, 'cpu_shares')) payload['cpu_shares'] = 100;
  else if ((num(payload['cpu_shares']) ?? 0) > 65535) payload['cpu_shares'] = 65535;
  payload['zfs_io_priority'] ??= 100;
  payload['max_lwps'] ??= 2000;
  payload['ram'] ??= 256;
  fixMemory(payload, b);
  if (BRAND_TABLE[b].create.has('vcpus')) payload['vcpus'] ??= 1;
  payload['limit_priv'] ??= HVM_BRANDS.includes(b) ? HVM_LIMIT_PRIV.split(',') : ['default'];
  payload['quota'] ??= b === 'bhyve' ? DEFAULT_BHYVE_QUOTA_GIB : DEFAULT_QUOTA_GIB;
  payload['billing_id'] ??= ZERO_UUID;
  for (const disk of objectsOf(payload['disks'])) {
    if (!has(disk, 'model') && has(payload, 'disk_driver')) disk['model'] = payload['disk_driver'];
    if (!has(disk, 'media')) disk['media'] = 'disk';
  }
  for (const nic of objectsOf(payload['nics'])) {
    if (!has(nic, 'model') && has(payload, 'nic_driver')) nic['model'] = payload['nic_driver'];
  }
  return b;
}
