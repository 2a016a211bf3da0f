// The create-payload pipeline of VM.js normalizePayload(): coerce and default,
// validate (dropping not-allowed properties with a warning), then the
// cross-property checks. Pure: everything it needs from the host is passed in.
import { applyZoneDefaults, coercePayloadTypes } from './defaults.js';
import { assignBhyveDiskIds, checkDisks, validRecordSize } from './disks.js';
import { checkImages, type ImageTable } from './images.js';
import { checkNicTags, hasConflict, normalizeNics, type ExistingNic } from './nics.js';
import { COMPRESSION_TYPES, propSpec, type Brand } from './proptable.js';
import { fixBooleanLoose, has, isRecord, objectsOf, PayloadError, type Payload } from './payload-types.js';
import { validateProperties } from './validate.js';

/** Host facts the checks need, gathered by the caller. */
export interface CreateContext {
  zpools: readonly string[];
  images: ImageTable;
  existingNics: readonly ExistingNic[];
  nicTags: ReadonlySet<string> | undefined;
}

/** Step 1: coerce types and apply defaults; returns the brand. */
export function preparePayload(payload: Payload): Brand {
  coercePayloadTypes(payload);
  const brand = applyZoneDefaults(payload);
  for (const legacy of ['dataset_uuid', 'zone_dataset_uuid']) {
    if (has(payload, legacy) && !has(payload, 'image_uuid')) {
      payload['image_uuid'] = payload[legacy];
      delete payload[legacy];
    }
  }
  return brand;
}

/** Removes a not-allowed property the way VM.js does ("nics.*.x" from every nic). */
function dropProperty(payload: Payload, prop: string): void {
  const m = /^(disks|nics|filesystems|pci_devices)\.\*\.(.*)$/.exec(prop);
  if (m && m[1] && m[2]) {
    for (const entry of objectsOf(payload[m[1]])) delete entry[m[2]];
  }
  delete payload[prop];
}

/** The warning VM.js logs for a property it drops. */
export function dropWarning(prop: string): string {
  return `Warning, invalid create property: [${prop}] removing from payload.`;
}

/** Step 2: validation and checks. Returns the dropped (not-allowed) properties; throws PayloadError. */
export function validateCreatePayload(payload: Payload, brand: Brand, ctx: CreateContext): string[] {
  const errors = validateProperties(brand, payload, ctx.zpools);
  checkImages(payload, brand, errors, ctx.images);
  if (errors.bad_values.length > 0) throw new PayloadError(`Invalid value(s) for: ${errors.bad_values.join(',')}`);
  if (errors.missing_properties.length > 0) {
    throw new PayloadError(`Missing required properties: ${errors.missing_properties.join(',')}`);
  }
  const dropped = [...errors.bad_properties];
  for (const prop of dropped) dropProperty(payload, prop);

  if (payload['zonename'] === undefined) payload['zonename'] = payload['uuid'];
  if (has(payload, 'zfs_root_compression') && !has(payload, 'zfs_data_compression')) payload['zfs_data_compression'] = 'off';
  if (has(payload, 'zfs_root_recsize') && !has(payload, 'zfs_data_recsize')) payload['zfs_data_recsize'] = 131072;
  for (const [prop, value] of Object.entries(payload)) {
    if (propSpec(prop).type === 'boolean') payload[prop] = fixBooleanLoose(value);
  }
  checkCrossProperties(payload, brand);
  if (brand === 'bhyve') assignBhyveDiskIds(payload['disks']);
  if (has(payload, 'nics')) payload['nics'] = normalizeNics(payload['nics'], brand);
  const nics = objectsOf(payload['nics']);
  if (hasConflict(nics, ctx.existingNics)) throw new PayloadError('Conflict detected with another vm, please check the MAC, IP, and VRID');
  checkNicTags(nics, ctx.nicTags);
  return dropped;
}

/** Memory, disk, recsize and compression checks of checkPayloadProperties(). */
function checkCrossProperties(payload: Payload, brand: Brand): void {
  const n = (k: string): number => Number(payload[k]);
  if (n('max_locked_memory') > n('max_physical_memory')) throw new PayloadError('max_locked_memory must be <= max_physical_memory');
  if (n('max_swap') < n('max_physical_memory')) throw new PayloadError('max_swap must be >= max_physical_memory');
  for (const key of ['disks', 'nics', 'filesystems']) {
    if (has(payload, key) && !Array.isArray(payload[key])) throw new PayloadError(`add_${key} must be an array.`);
  }
  if (brand === 'kvm' || brand === 'bhyve') checkDisks(objectsOf(payload['disks']), brand);
  for (const prop of ['zfs_root_recsize', 'zfs_data_recsize']) {
    if (!has(payload, prop)) continue;
    if (payload[prop] === 0 || payload[prop] === '') payload[prop] = 131072;
    else if (!validRecordSize(payload[prop])) {
      throw new PayloadError(`invalid ${prop} (${String(payload[prop])}), must be 512-131072 and a power of 2. (0 to disable)`);
    }
  }
  for (const prop of ['zfs_root_compression', 'zfs_data_compression']) {
    if (has(payload, prop) && !COMPRESSION_TYPES.includes(String(payload[prop]))) {
      throw new PayloadError(`invalid compression type for ${String(payload[prop])}, must be one of: ${COMPRESSION_TYPES.join(', ')}`);
    }
  }
  if (isRecord(payload['routes']) === false && has(payload, 'routes')) throw new PayloadError('routes must be an object');
}
