// Installs an image from the archive the way `imgadm install` does: manifest
// into the imgadm database first, `zfs receive <pool>/<uuid>-partial`, check
// exactly one snapshot arrived and that it is @final with the archived GUID,
// then rename to <pool>/<uuid>. Undo removes the dataset and the record.
import type { Readable } from 'node:stream';
import { ZbakError } from '../errors.js';
import type { Host } from '../host/host.js';
import { parseImgadmGet } from '../parse/imgadm.js';
import type { ImageStep } from '../plan/restore-plan.js';
import { must, type Log } from './commands.js';
import { listPool } from './gather.js';
import { receiveFrom } from './streams.js';
import type { UndoList } from './undo.js';

export function imgadmDbPath(pool: string, uuid: string): string {
  return `/var/imgadm/images/${pool}-${uuid}.json`;
}

export async function installImage(
  host: Host,
  pool: string,
  step: ImageStep,
  rawRecord: string,
  data: Readable,
  undo: UndoList,
  log: Log,
): Promise<void> {
  const { image, dataset } = step;
  const partial = `${dataset}-partial`;
  const dbFile = imgadmDbPath(pool, image.uuid);
  const record = parseImgadmGet(rawRecord);
  log(`install image ${image.uuid} (${image.name}@${image.version}) from the archive`);
  await host.writeFile(dbFile, `${JSON.stringify({ ...record, zpool: pool }, null, 2)}\n`);
  undo.push(`remove image ${image.uuid}`, undefined, [dataset, partial], [dbFile]);
  await receiveFrom(host, ['zfs', 'receive', partial], `receive image ${image.uuid} into ${partial}`, data);
  const snaps = (await listPool(host, pool)).filter((r) => r.type === 'snapshot' && r.name.startsWith(`${partial}@`));
  if (snaps.length !== 1 || snaps[0]!.name !== `${partial}@final` || snaps[0]!.guid !== image.finalGuid) {
    throw new ZbakError(
      `image ${image.uuid}: expected one snapshot ${partial}@final with GUID ${image.finalGuid}, got ${snaps.map((s) => `${s.name} (${s.guid})`).join(', ') || 'none'}`,
    );
  }
  await must(host, ['zfs', 'rename', partial, dataset], `rename ${partial} to ${dataset}`);
}
