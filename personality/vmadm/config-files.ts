// <zonepath>/config/{metadata,tags,routes}.json: kept inside the zoneroot so
// they travel with its ZFS stream, exactly where SmartOS keeps them.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from '../common/json-file.js';
import { zoneConfigFilesDir } from '../common/paths.js';

const FlatObject = z.record(z.union([z.string(), z.number(), z.boolean()]));
const MetadataFileSchema = z
  .object({ customer_metadata: FlatObject.optional(), internal_metadata: FlatObject.optional() })
  .passthrough();

export type FlatMap = z.infer<typeof FlatObject>;

export interface ZoneConfigFiles {
  customer_metadata: FlatMap;
  internal_metadata: FlatMap;
  routes: FlatMap;
  tags: FlatMap;
}

/** Reads the config files; missing files (zoneroot not mounted, not yet written) read as {}. */
export async function readZoneConfigFiles(zonepath: string): Promise<ZoneConfigFiles> {
  const dir = zoneConfigFilesDir(zonepath);
  const safe = async <S extends z.ZodTypeAny>(file: string, schema: S): Promise<z.infer<S> | undefined> =>
    readJsonFile(path.join(dir, file), schema).catch(() => undefined);
  const md = await safe('metadata.json', MetadataFileSchema);
  return {
    customer_metadata: md?.customer_metadata ?? {},
    internal_metadata: md?.internal_metadata ?? {},
    routes: (await safe('routes.json', FlatObject)) ?? {},
    tags: (await safe('tags.json', FlatObject)) ?? {},
  };
}

/**
 * Recreates <zonepath>/config like VM.js createConfigDir() + saveMetadata():
 * images often carry their creator's config, so the old directory goes first.
 */
export async function writeZoneConfigFiles(zonepath: string, files: ZoneConfigFiles): Promise<void> {
  const dir = zoneConfigFilesDir(zonepath);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeJsonFile(path.join(dir, 'metadata.json'), {
    customer_metadata: files.customer_metadata,
    internal_metadata: files.internal_metadata,
  });
  await writeJsonFile(path.join(dir, 'tags.json'), files.tags);
  await writeJsonFile(path.join(dir, 'routes.json'), files.routes);
}
