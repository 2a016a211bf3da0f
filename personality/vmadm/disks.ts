// Disk handling for HVM create: the refusals of checkPayloadProperties() and
// the bhyve PCI slot / disk uuid assignment of normalizeDisks().
import { newUuid } from '../common/uuid.js';
import { BRAND_TABLE, COMPRESSION_TYPES, type Brand } from './proptable.js';
import { has, objectsOf, PayloadError, type SubObject } from './payload-types.js';

/** VM.js validRecordSize: a power of two from 512 to 128 KiB. */
export function validRecordSize(value: unknown): boolean {
  const n = Number(value);
  return Number.isInteger(n) && n >= 512 && n <= 131072 && (n & (n - 1)) === 0;
}

/** Checks each disk like checkPayloadProperties() does for add_disks. */
export function checkDisks(disks: readonly SubObject[], brand: Brand): void {
  for (const disk of disks) {
    if (has(disk, 'path') && disk['media'] !== 'cdrom' && disk['nocreate'] !== true) {
      throw new PayloadError('you cannot specify a path for a disk unless you set nocreate=true');
    }
    if (has(disk, 'block_size') && !validRecordSize(disk['block_size'])) {
      throw new PayloadError(`invalid .block_size(${String(disk['block_size'])}), must be 512-131072 and a power of 2.`);
    }
    if (has(disk, 'block_size') && has(disk, 'image_uuid')) {
      throw new PayloadError('setting both .block_size and .image_uuid on a volume is invalid');
    }
    if (has(disk, 'compression') && !COMPRESSION_TYPES.includes(String(disk['compression']))) {
      throw new PayloadError(`invalid compression setting for disk, must be one of: ${COMPRESSION_TYPES.join(', ')}`);
    }
    const model = disk['model'];
    if (model === undefined || model === 'undefined') {
      throw new PayloadError(`missing .model option for disk: ${JSON.stringify(disk)}`);
    }
    const models = BRAND_TABLE[brand].diskModels;
    if (!models.includes(String(model))) {
      throw new PayloadError(`"${String(model)}" is not a valid disk model for ${brand} brand. Valid are: ${models.join(',')}`);
    }
  }
}

/** bhyve disks get a pci_slot (boot disk first, 0:4:N) and a uuid when missing. */
export function assignBhyveDiskIds(disksRaw: unknown): void {
  const disks = objectsOf(disksRaw);
  const used = new Set<unknown>(disks.map((d) => d['pci_slot']).filter((s) => typeof s === 'string'));
  const order = [...disks.filter((d) => d['boot'] === true), ...disks.filter((d) => d['boot'] !== true)];
  let fn = 0;
  for (const disk of order) {
    if (has(disk, 'pci_slot')) continue;
    while (used.has(`0:4:${fn}`)) fn++;
    disk['pci_slot'] = `0:4:${fn}`;
    used.add(disk['pci_slot']);
  }
  const uuids = new Set<string>();
  for (const disk of disks) {
    if (typeof disk['uuid'] === 'string') {
      if (uuids.has(disk['uuid'])) throw new PayloadError(`duplicate disk uuid ${disk['uuid']}`);
    } else {
      disk['uuid'] = newUuid();
    }
    uuids.add(disk['uuid'] as string);
  }
}
