// The archived `vmadm get` JSON (vmadm.json) and imgadm records (images/<uuid>.json),
// checked as hostile input against the header. Only what restore reads is typed;
// vmadm has ~200 properties, so the rest passes through to `vmadm create`, which
// validates them itself. Values that reach an argv, a payload field vmadm quotes into
// zonecfg, or a terminal are checked against their grammar (grammar.ts).
import { z } from 'zod';
import { ArchiveFormatError } from '../errors.js';
import { BrandSchema, VMADM_ENTRY, type Header, type ImageSpec } from './format.js';
import { absPath, datasetName, isoUtc, poolName, printable, privList, uuid, zonecfgText } from './grammar.js';
import { formatIssues } from './json-entry.js';

const size = z.number().nonnegative();

const DiskSchema = z
  .object({
    path: absPath.optional(),
    zfs_filesystem: datasetName.optional(),
    image_uuid: uuid.optional(),
    zpool: poolName.optional(),
    size: size.optional(),
    block_size: size.optional(),
    refreservation: size.optional(),
    boot: z.boolean().optional(),
    nocreate: z.boolean().optional(),
  })
  .passthrough();

const NicSchema = z
  .object({
    interface: printable(32).optional(),
    mac: printable(64).optional(),
    nic_tag: printable(64).optional(),
    allow_ip_spoofing: z.boolean().optional(),
    allow_mac_spoofing: z.boolean().optional(),
    allow_dhcp_spoofing: z.boolean().optional(),
    allow_restricted_traffic: z.boolean().optional(),
    allow_unfiltered_promisc: z.boolean().optional(),
  })
  .passthrough();

/** filesystems[]: vmadm writes each into the zone's zonecfg (lofs mounts and the like). */
const FilesystemSchema = z
  .object({
    type: z.string().regex(/^[a-z0-9]{1,16}$/, 'not a filesystem type'),
    source: zonecfgText(1024),
    target: absPath,
    raw: zonecfgText(1024).optional(),
    options: z.array(z.string().regex(/^[A-Za-z0-9_=.-]+$/, 'not a mount option')).max(64).optional(),
  })
  .passthrough();

export const ArchivedVmSchema = z
  .object({
    uuid,
    brand: BrandSchema,
    alias: printable(256).optional(),
    hostname: printable(256).optional(),
    autoboot: z.boolean().optional(),
    image_uuid: uuid.optional(),
    zfs_filesystem: datasetName.optional(),
    zpool: poolName.optional(),
    datasets: z.array(datasetName).max(64).optional(),
    disks: z.array(DiskSchema).max(64).optional(),
    nics: z.array(NicSchema).max(64).optional(),
    filesystems: z.array(FilesystemSchema).max(256).optional(),
    limit_priv: privList.optional(),
    fs_allowed: privList.optional(),
    create_timestamp: isoUtc.optional(),
    indestructible_zoneroot: z.boolean().optional(),
    indestructible_delegated: z.boolean().optional(),
  })
  .passthrough();

export type ArchivedVm = z.infer<typeof ArchivedVmSchema>;

const ManifestSchema = z
  .object({
    uuid,
    name: printable(512),
    version: printable(128),
    type: printable(64),
    os: printable(64).optional(),
    origin: uuid.optional(),
  })
  .passthrough();

export const ArchivedImageRecordSchema = z
  .object({ manifest: ManifestSchema, zpool: poolName.optional(), source: printable(1024).optional() })
  .passthrough();

export type ArchivedImageRecord = z.infer<typeof ArchivedImageRecordSchema>;

function fail(entry: string, message: string): never {
  throw new ArchiveFormatError(`${entry}: ${message}`, entry);
}

function parseObject<T>(entry: string, text: string, schema: z.ZodType<T>, what: string): T {
  const raw = JSON.parse(text) as unknown; // already parsed once by the verify or structure pass
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(entry, `not a JSON object (it is ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`}); expected ${what}`);
  const r = schema.safeParse(raw);
  if (!r.success) fail(entry, formatIssues(r.error.issues));
  return r.data;
}

const short = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/**
 * The zone's own datasets, as header-check.ts allows streams for: `<pool>/<uuid>`,
 * below it, `<pool>/<uuid>-…` (kvm disks). Anything else would reach another zone.
 */
function ownDataset(name: string, pool: string, zone: string): boolean {
  const root = `${pool}/${zone}`;
  return name === root || name.startsWith(`${root}/`) || name.startsWith(`${root}-`);
}

/** vmadm.json checked against the header: its uuid and brand, and every dataset it names is the zone's own. */
export function parseArchivedVm(text: string, header: Header): ArchivedVm {
  const vm = parseObject(VMADM_ENTRY, text, ArchivedVmSchema, "the zone's `vmadm get` JSON");
  const { uuid: zone, brand } = header.zone;
  const pool = header.source.pool;
  if (vm.uuid !== zone) fail(VMADM_ENTRY, `uuid ${short(vm.uuid)} differs from the header's zone uuid ${zone}`);
  if (vm.brand !== brand) fail(VMADM_ENTRY, `brand ${vm.brand} differs from the header's zone brand ${brand}`);
  const own = (field: string, name: string | undefined): void => {
    if (name !== undefined && !ownDataset(name, pool, zone))
      fail(VMADM_ENTRY, `${field} ${short(name)} is not one of zone ${zone}'s datasets in pool ${pool}`);
  };
  own('zfs_filesystem', vm.zfs_filesystem);
  vm.datasets?.forEach((d, i) => own(`datasets.${i}`, d));
  vm.disks?.forEach((d, i) => {
    own(`disks.${i}.zfs_filesystem`, d.zfs_filesystem);
    if (d.path !== undefined && !(d.path.startsWith('/dev/zvol/rdsk/') && ownDataset(d.path.slice(15), pool, zone)))
      fail(VMADM_ENTRY, `disks.${i}.path ${short(d.path)} is not a zvol of zone ${zone} in pool ${pool}`);
  });
  return vm;
}

/** images/<uuid>.json checked against its entry in header.images. */
export function parseArchivedImageRecord(entry: string, text: string, image: ImageSpec): ArchivedImageRecord {
  const record = parseObject(entry, text, ArchivedImageRecordSchema, 'an `imgadm get` record {manifest, zpool, source?}');
  const m = record.manifest;
  if (m.uuid !== image.uuid) fail(entry, `manifest.uuid ${m.uuid} differs from the image uuid ${image.uuid} in the entry name and the header`);
  for (const field of ['name', 'version', 'type'] as const) {
    if (m[field] !== image[field]) fail(entry, `manifest.${field} "${short(m[field])}" differs from the header's "${image[field]}"`);
  }
  if (m.origin !== image.origin)
    fail(entry, `manifest.origin ${m.origin ?? '(none)'} differs from the header's image origin ${image.origin ?? '(none)'}`);
  return record;
}
