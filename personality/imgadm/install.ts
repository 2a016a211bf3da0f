// `imgadm install -m <manifest> -f <file> [-P pool]`: imgadm's local install.
// Manifest into the database first, the stream into <pool>/<uuid>-partial,
// exactly one snapshot renamed to @final, then the rename to <pool>/<uuid>.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { outLine } from '../common/main.js';
import { isUuid } from '../common/uuid.js';
import { datasetExists, runZfs, splitRows, zfs } from '../common/zfs.js';
import { getInstalledImage, ManifestSchema, removeImageDbEntry, saveImageDbEntry, type Manifest } from './db.js';
import { downloadError, ImgadmError, internalError, invalidUuid, unexpectedSnapshots, usageError, validateMinimalManifest } from './errors.js';
import { receiveImageFile } from './receive.js';

async function sha1Of(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readManifest(path: string): Promise<Manifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ImgadmError('InvalidManifest', `manifest is invalid: ${(err as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    if (typeof raw === 'object' && raw !== null && !isUuid((raw as { uuid?: unknown }).uuid)) throw invalidUuid(String((raw as { uuid?: unknown }).uuid));
    throw new ImgadmError('InvalidManifest', `manifest is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Checks files[0].size and .sha1 when the manifest has them. */
async function checkFile(manifest: Manifest, file: string): Promise<void> {
  const f = manifest.files?.[0];
  const size = (await stat(file)).size;
  if (f?.size !== undefined && f.size !== size) {
    throw downloadError(`image file size error: manifest says ${f.size} bytes, ${file} is ${size} bytes`);
  }
  if (f?.sha1 !== undefined) {
    const actual = await sha1Of(file);
    if (actual !== f.sha1) throw downloadError(`image file checksum (sha1) error: manifest says "${f.sha1}", ${file} is "${actual}"`);
  }
}

/** The received dataset must carry exactly one snapshot; it becomes @final. */
async function ensureFinalSnapshot(partial: string, uuid: string): Promise<void> {
  const names = splitRows(await zfs(['list', '-t', 'all', '-p', '-H', '-r', '-o', 'name', partial]))
    .map((r) => r[0] ?? '')
    .filter((n) => n.startsWith(`${partial}@`));
  const snapnames = names.map((n) => '@' + (n.split('@').pop() ?? ''));
  if (names.length !== 1 || !names[0]) throw unexpectedSnapshots(uuid, snapnames);
  if (snapnames[0] !== '@final') await zfs(['rename', '-r', names[0], `${partial}@final`]);
}

export interface InstallOptions {
  manifestPath: string | undefined;
  filePath: string | undefined;
  zpool: string;
}

export async function installImage(opts: InstallOptions): Promise<void> {
  if (opts.manifestPath === undefined) throw usageError('-m <manifest> is required');
  if (opts.filePath === undefined) throw usageError('-f <file> is required');
  if (!existsSync(opts.manifestPath)) throw usageError(`manifest path does not exist: "${opts.manifestPath}"`);
  if (!existsSync(opts.filePath)) throw usageError(`file path does not exist: "${opts.filePath}"`);
  const manifest = await readManifest(opts.manifestPath);
  const uuid = manifest.uuid;
  if (!isUuid(uuid)) throw invalidUuid(uuid);
  manifest.published_at ??= new Date().toISOString();

  const existing = await getInstalledImage(opts.zpool, uuid);
  if (existing) {
    const m = existing.manifest;
    const extra = m.name !== undefined ? ` (${m.name} ${m.version ?? ''})` : '';
    outLine(`Image ${m.uuid}${extra} is already installed, skipping`);
    return;
  }
  outLine(`Installing image ${uuid} (${String(manifest.name)}@${String(manifest.version)})`);
  const invalid = validateMinimalManifest(manifest);
  if (invalid) throw invalid;
  await checkFile(manifest, opts.filePath);

  const dsName = `${opts.zpool}/${uuid}`;
  const partial = `${dsName}-partial`;
  // The manifest goes in first: a dataset without its manifest is a broken image.
  await saveImageDbEntry({ manifest, zpool: opts.zpool });
  try {
    if (await datasetExists(partial)) {
      outLine(`Warning: deleting partial dataset left over from earlier import attempt: ${partial}`);
      await zfs(['destroy', '-r', partial]);
    }
    await receiveImageFile(opts.filePath, manifest.files?.[0]?.compression ?? 'none', partial, uuid);
    await ensureFinalSnapshot(partial, uuid);
    const renamed = await runZfs(['rename', partial, dsName]);
    if (renamed.exitCode !== 0) throw internalError('error importing');
  } catch (err) {
    await runZfs(['destroy', '-r', partial]);
    if (!(await datasetExists(dsName))) await removeImageDbEntry(opts.zpool, uuid);
    throw err;
  }
  outLine(`Installed image ${uuid} (${String(manifest.name)}@${String(manifest.version)})`);
}
