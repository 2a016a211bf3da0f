// imgadm's manifest database, /var/imgadm/images/<pool>-<uuid>.json holding
// {manifest, zpool, source?}. An image is installed when its dataset exists;
// the database only caches its manifest (as SmartOS's imgadm does).
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from '../common/json-file.js';
import { imageDbPath } from '../common/paths.js';
import { runZfs } from '../common/zfs.js';

export const ManifestSchema = z
  .object({
    v: z.union([z.number(), z.string()]).optional(),
    uuid: z.string(),
    name: z.string().optional(),
    version: z.string().optional(),
    type: z.string().optional(),
    os: z.string().optional(),
    origin: z.string().optional(),
    published_at: z.string().optional(),
    image_size: z.number().optional(),
    files: z
      .array(z.object({ size: z.number().optional(), sha1: z.string().optional(), compression: z.string().optional() }).passthrough())
      .optional(),
    requirements: z.object({ bootrom: z.string().optional(), brand: z.string().optional() }).passthrough().optional(),
    tags: z.record(z.unknown()).optional(),
  })
  .passthrough();
export type Manifest = z.infer<typeof ManifestSchema>;

export const ImageInfoSchema = z
  .object({ manifest: ManifestSchema, zpool: z.string(), source: z.string().optional() })
  .passthrough();
export type ImageInfo = z.infer<typeof ImageInfoSchema>;

/** The database entry, or the bare {manifest: {uuid}, zpool} SmartOS returns without one. */
export async function loadImageDbEntry(zpool: string, uuid: string): Promise<ImageInfo> {
  const entry = await readJsonFile(imageDbPath(zpool, uuid), ImageInfoSchema).catch(() => undefined);
  if (entry && entry.manifest.uuid === uuid) return entry;
  return { manifest: { uuid }, zpool };
}

/** Writes the entry as imgadm does: manifest, zpool, then source only when known. */
export async function saveImageDbEntry(info: ImageInfo): Promise<void> {
  const data: Record<string, unknown> = { manifest: info.manifest, zpool: info.zpool };
  if (info.source !== undefined) data['source'] = info.source;
  await writeJsonFile(imageDbPath(info.zpool, info.manifest.uuid), data);
}

export async function removeImageDbEntry(zpool: string, uuid: string): Promise<void> {
  await rm(imageDbPath(zpool, uuid), { force: true });
}

/** The installed image's info, or null when its dataset <zpool>/<uuid> does not exist. */
export async function getInstalledImage(zpool: string, uuid: string): Promise<ImageInfo | null> {
  const r = await runZfs(['list', '-H', '-o', 'name', `${zpool}/${uuid}`]);
  if (r.exitCode !== 0) return null;
  return loadImageDbEntry(zpool, uuid);
}
