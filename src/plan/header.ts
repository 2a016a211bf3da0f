// Builds the archive header (zbak.json) from a save plan made after the
// snapshot exists, so every GUID is known. Validated by the same zod schema
// the reader uses.
import { FORMAT_NAME, FORMAT_VERSION, HeaderSchema, VMADM_ENTRY, type Header } from '../archive/format.js';
import { ZbakError } from '../errors.js';
import type { SaveInventory } from './inventory.js';
import type { SavePlan } from './save-plan.js';
import { savedSpace } from './space.js';

export interface HeaderOptions {
  createdAt: Date;
  toolVersion: string;
  partSize: number;
}

export function buildHeader(inv: SaveInventory, plan: SavePlan, opts: HeaderOptions): Header {
  const vm = inv.vm;
  const header = {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    tool: { name: 'zbak' as const, version: opts.toolVersion },
    createdAt: opts.createdAt.toISOString(),
    source: { ...inv.host, pool: plan.pool },
    zone: {
      uuid: vm.uuid,
      ...(vm.alias !== undefined ? { alias: vm.alias } : {}),
      brand: vm.brand,
      state: vm.state ?? vm.zone_state ?? 'unknown',
      autoboot: vm.autoboot ?? true,
      ...(vm.create_timestamp !== undefined ? { createTimestamp: vm.create_timestamp } : {}),
    },
    snapshotName: plan.snapshotName,
    partSize: opts.partSize,
    vmadmEntry: VMADM_ENTRY,
    images: plan.images,
    streams: plan.streams,
    ...(plan.base ? { base: { archive: plan.base.archive, createdAt: plan.base.createdAt, snapshotName: plan.base.snapshotName } } : {}),
    space: savedSpace(inv.rows, plan.pool, plan.streams.map((st) => st.dataset)),
  };
  const r = HeaderSchema.safeParse(header);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ZbakError(`internal error: archive header does not match its schema at ${i?.path.join('.')}: ${i?.message}`);
  }
  return r.data;
}
