// `vmadm get` / `vmadm lookup -j` JSON. Only the fields zbak reasons about are
// typed; everything else passes through untouched because the raw JSON is
// what the archive keeps and what `vmadm create` gets back.
import { z } from 'zod';
import { ParseError } from '../errors.js';

const DiskSchema = z
  .object({
    path: z.string().optional(),
    zfs_filesystem: z.string().optional(),
    image_uuid: z.string().optional(),
    size: z.number().optional(),
    block_size: z.number().optional(),
    refreservation: z.number().optional(),
    boot: z.boolean().optional(),
    nocreate: z.boolean().optional(),
  })
  .passthrough();

const NicSchema = z.object({ mac: z.string().optional(), ip: z.string().optional() }).passthrough();

export const VmSchema = z
  .object({
    uuid: z.string(),
    brand: z.string(),
    alias: z.string().optional(),
    state: z.string().optional(),
    zone_state: z.string().optional(),
    autoboot: z.boolean().optional(),
    image_uuid: z.string().optional(),
    zfs_filesystem: z.string().optional(),
    zonepath: z.string().optional(),
    zpool: z.string().optional(),
    datasets: z.array(z.string()).optional(),
    disks: z.array(DiskSchema).optional(),
    nics: z.array(NicSchema).optional(),
    create_timestamp: z.string().optional(),
    indestructible_zoneroot: z.boolean().optional(),
    indestructible_delegated: z.boolean().optional(),
  })
  .passthrough();

export type Vm = z.infer<typeof VmSchema>;

export function parseVmadmGet(text: string): Vm {
  return parseJson(text, VmSchema, 'vmadm get');
}

export function parseVmadmLookup(text: string): Vm[] {
  return parseJson(text, z.array(VmSchema), 'vmadm lookup -j');
}

export function parseJson<T>(text: string, schema: z.ZodType<T>, source: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ParseError(source, `not JSON (${(e as Error).message})`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ParseError(source, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}
