// The image checks of VM.js validateImages(): every image a payload names must
// be installed (dataset AND manifest) and of a type the brand/disk accepts.
import { isUuid } from '../common/uuid.js';
import { BRAND_TABLE, type Brand } from './proptable.js';
import { has, isRecord, pushOnce, type Payload, type ValidationErrors } from './payload-types.js';

/** The manifest facts vmadm uses; undefined manifest = image not installed. */
export interface ImageFacts {
  type?: string | undefined;
  image_size?: number | undefined;
  bootrom?: string | undefined;
  cloudinitDatasource?: string | undefined;
}

export type ImageTable = ReadonlyMap<string, ImageFacts>;

export function imageKey(zpool: string, uuid: string): string {
  return `${zpool}/${uuid}`;
}

interface ImageRef {
  property: string;
  prefix: string;
  target: Record<string, unknown>;
  types: readonly string[];
  uuid: string;
  zpool: string;
}

function poolOf(obj: Record<string, unknown>): string {
  return typeof obj['zpool'] === 'string' ? obj['zpool'] : 'zones';
}

/** Every image a payload refers to, with the types allowed for it. */
export function imageRefs(payload: Payload, brand: Brand): ImageRef[] {
  const refs: ImageRef[] = [];
  if (isUuid(payload['image_uuid'])) {
    const types = BRAND_TABLE[brand].zonerootImageTypes;
    refs.push({ property: 'image_uuid', prefix: 'undefined', target: payload, types, uuid: payload['image_uuid'], zpool: poolOf(payload) });
  }
  const disks = payload['disks'];
  if (Array.isArray(disks)) {
    disks.forEach((disk: unknown, idx: number) => {
      if (!isRecord(disk) || !has(disk, 'image_uuid')) return;
      const uuid = String(disk['image_uuid']);
      refs.push({ property: `disks.${idx}.image_uuid`, prefix: `disks.${idx}`, target: disk, types: ['zvol'], uuid, zpool: poolOf(disk) });
    });
  }
  return refs;
}

/** Applies the image checks; may fill in image_size, bootrom and cloud-init metadata as VM.js does. */
export function checkImages(payload: Payload, brand: Brand, errors: ValidationErrors, images: ImageTable): void {
  for (const ref of imageRefs(payload, brand)) {
    const facts = images.get(imageKey(ref.zpool, ref.uuid));
    if (!facts || facts.type === undefined || !ref.types.includes(facts.type)) {
      pushOnce(errors.bad_values, ref.property);
      continue;
    }
    if (facts.image_size !== undefined) {
      if (has(ref.target, 'image_size')) {
        if (ref.target['image_size'] !== facts.image_size) {
          errors.bad_values.push(`${ref.prefix}.image_size`);
          continue;
        }
      } else {
        ref.target['image_size'] = facts.image_size;
        const idx = errors.missing_properties.indexOf(`${ref.prefix}.image_size`);
        if (idx !== -1) errors.missing_properties.splice(idx, 1);
        if (typeof ref.target['size'] === 'number' && ref.target['size'] < facts.image_size) errors.bad_values.push('size');
      }
    }
    const isBootDisk = ref.target !== payload && ref.target['boot'] === true;
    if (facts.bootrom !== undefined && isBootDisk && has(payload, 'bootrom') && payload['bootrom'] !== facts.bootrom) {
      errors.bad_values.push('bootrom');
      continue;
    }
    if (facts.bootrom !== undefined && !has(payload, 'bootrom')) payload['bootrom'] = facts.bootrom;
    if (facts.cloudinitDatasource !== undefined) {
      const im = isRecord(payload['internal_metadata']) ? payload['internal_metadata'] : {};
      im['cloudinit_datasource'] = facts.cloudinitDatasource;
      payload['internal_metadata'] = im;
    }
  }
  if (Array.isArray(payload['disks'])) {
    payload['disks'].forEach((disk: unknown, idx: number) => {
      if (isRecord(disk) && typeof disk['refreservation'] === 'number' && disk['refreservation'] < 0) {
        errors.bad_values.push(`disks.${idx}.refreservation`);
      }
    });
  }
}
