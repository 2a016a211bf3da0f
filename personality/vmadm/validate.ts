// Property-level validation of a create payload, as VM.validate() does it:
// not-allowed properties are collected (to be dropped with a warning), bad
// values and missing required properties fail the create.
import { isUuid } from '../common/uuid.js';
import { BRAND_TABLE, propSpec, type Brand } from './proptable.js';
import { fixBoolean, has, isRecord, pushOnce, type Payload, type ValidationErrors } from './payload-types.js';

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || String(value).trim() === '';
}

/** Checks one value against its property type; adds to bad_values on failure. */
function checkType(prop: string, value: unknown, zpools: readonly string[], errors: ValidationErrors): void {
  const spec = propSpec(prop);
  const bad = (): void => pushOnce(errors.bad_values, prop);
  switch (spec.type) {
    case 'uuid':
      if (!isUuid(value)) bad();
      return;
    case 'boolean':
      if (value !== 1 && value !== '1' && typeof fixBoolean(value) !== 'boolean') bad();
      return;
    case 'string':
      if (!isBlank(value) && typeof value !== 'string') bad();
      return;
    case 'integer': {
      if (isBlank(value)) return;
      if (typeof value === 'boolean') return bad();
      const n = typeof value === 'number' ? value : Number(value);
      if (Number.isNaN(n) || Math.floor(n) !== n) return bad();
      if (spec.min !== undefined && n < spec.min) return bad();
      if (spec.max !== undefined && n > spec.max) return bad();
      return;
    }
    case 'zpool':
      if (typeof value !== 'string' || !zpools.includes(value)) bad();
      return;
    case 'flat-object':
      if (typeof value !== 'object') return bad();
      for (const v of Object.values(value ?? {})) {
        if (!['string', 'number', 'boolean'].includes(typeof v)) return bad();
      }
      return;
    case 'list': {
      const list = typeof value === 'string' ? value.split(',').filter((e) => e.length > 0) : value;
      if (!Array.isArray(list)) return bad();
      for (const item of list) {
        if (typeof item !== 'string' && typeof item !== 'number') return bad();
        if (String(item).includes(',')) return bad();
      }
      return;
    }
    case 'object-array':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'object')) bad();
      return;
  }
}

const OBJECT_ARRAYS = ['nics', 'disks', 'filesystems', 'pci_devices', 'add_pci_devices'];

/** Validates every property and sub-property; returns VM.js's error buckets. */
export function validateProperties(brand: Brand, payload: Payload, zpools: readonly string[]): ValidationErrors {
  const errors: ValidationErrors = { bad_values: [], bad_properties: [], missing_properties: [] };
  const table = BRAND_TABLE[brand];
  for (const [prop, value] of Object.entries(payload)) {
    // Only properties the brand knows are type-checked; the rest are just dropped.
    if (!table.create.has(prop)) {
      pushOnce(errors.bad_properties, prop);
      continue;
    }
    checkType(prop, value, zpools, errors);
    if (!OBJECT_ARRAYS.includes(prop) || !Array.isArray(value)) continue;
    const prefix = prop === 'add_pci_devices' ? 'pci_devices' : prop;
    for (const entry of value) {
      if (!isRecord(entry)) {
        pushOnce(errors.bad_values, prop);
        continue;
      }
      for (const [subprop, subvalue] of Object.entries(entry)) {
        const key = `${prefix}.*.${subprop}`;
        if (!table.sub.has(key)) pushOnce(errors.bad_properties, key);
        else checkType(key, subvalue, zpools, errors);
      }
    }
  }
  if (brand === 'kvm' || brand === 'bhyve') validateDiskSources(payload, errors);
  for (const prop of table.required) {
    if (!has(payload, prop)) errors.missing_properties.push(prop);
  }
  return errors;
}

/** Disks need image_uuid (+image_size) or size; block_size/size next to image_uuid are flagged. */
function validateDiskSources(payload: Payload, errors: ValidationErrors): void {
  if (!Array.isArray(payload['disks'])) return;
  payload['disks'].forEach((disk: unknown, idx: number) => {
    if (!isRecord(disk)) return;
    if (has(disk, 'media') && disk['media'] !== 'disk') return;
    const p = `disks.${idx}`;
    if (has(disk, 'image_uuid')) {
      if (!has(disk, 'image_size')) errors.missing_properties.push(`${p}.image_size`);
      if (has(disk, 'size') && !has(payload, 'flexible_disk_size')) errors.bad_properties.push(`${p}.size`);
      if (has(disk, 'block_size')) errors.bad_properties.push(`${p}.block_size`);
    } else {
      if (!has(disk, 'size')) errors.missing_properties.push(`${p}.size`);
      if (has(disk, 'image_name')) errors.bad_properties.push(`${p}.image_name`);
      if (has(disk, 'image_size')) errors.bad_properties.push(`${p}.image_size`);
    }
  });
}
