// imgadm's error classes: a code shown as "imgadm <cmd>: error (<Code>): <msg>"
// and the exit status SmartOS's imgadm uses for it.

export class ImgadmError extends Error {
  override name = 'ImgadmError' as const;
  constructor(readonly code: string, message: string, readonly exitStatus = 1) {
    super(message);
  }
}

export const imageNotInstalled = (zpool: string, uuid: string): ImgadmError =>
  new ImgadmError('ImageNotInstalled', `image "${uuid}" was not found on zpool "${zpool}"`, 3);

export const usageError = (message: string): ImgadmError => new ImgadmError('Usage', message);

export const invalidUuid = (uuid: string): ImgadmError => new ImgadmError('InvalidUUID', `invalid uuid: "${uuid}"`);

export const internalError = (message: string): ImgadmError => new ImgadmError('InternalError', message);

export const downloadError = (message: string): ImgadmError => new ImgadmError('DownloadError', message);

export function hasDependentClones(uuid: string, clones: readonly string[]): ImgadmError {
  const more = clones.length > 1 ? ` and ${clones.length - 1} others...` : '';
  return new ImgadmError('ImageHasDependentClones', `image "${uuid}" has dependent clones: ${clones[0] ?? ''}${more}`);
}

export function unexpectedSnapshots(uuid: string, snapnames: readonly string[]): ImgadmError {
  const extra = snapnames.length ? `: ${snapnames.join(', ')}` : '';
  return new ImgadmError('UnexpectedNumberOfSnapshots', `image "${uuid}" has an unexpected number of snapshots (${snapnames.length})${extra}`);
}

/** validateMinimalManifest: v, uuid, name, version, type, os must be present and sane. */
export function validateMinimalManifest(m: Record<string, unknown>): ImgadmError | undefined {
  const errs: string[] = [];
  const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  for (const field of ['v', 'uuid', 'name', 'version', 'type', 'os']) {
    if (m[field] === undefined) errs.push(`${field} (MissingParameter)`);
  }
  if (m['v'] !== undefined && (Number.isNaN(Number(m['v'])) || Number(m['v']) < 0)) errs.push('v ("v" must be a positive integer)');
  if (m['uuid'] !== undefined && !UUID_RE.test(String(m['uuid']))) errs.push('uuid');
  if (errs.length === 0) return undefined;
  return new ImgadmError('ManifestValidation', `invalid manifest: ${errs.join(', ')}`);
}
