// Which older zbak snapshots a save removes once its archive is safely written:
// only snapshots named like zbak's own (zbak-YYYYMMDDTHHMMSSZ), newest `keep` kept
// per dataset (the one just taken counts). Pure.
import type { ZfsRow } from '../parse/zfs-list.js';
import { isZbakSnapshot } from '../model/ownership.js';
import { splitSnapshotName } from '../model/names.js';
import { snapshotsOf } from './inventory.js';


export function snapshotsToPrune(rows: readonly ZfsRow[], datasets: readonly string[], keep: number): string[] {
  return datasets.flatMap((ds) => {
    const ours = snapshotsOf(rows, ds).filter((s) => isZbakSnapshot(splitSnapshotName(s.name)?.snapshot ?? ''));
    return ours.slice(0, Math.max(0, ours.length - keep)).map((s) => s.name);
  });
}
