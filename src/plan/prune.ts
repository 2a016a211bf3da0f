// Which older zbak snapshots a save removes once its archive is safely written:
// only snapshots named like zbak's own (zbak-YYYYMMDDTHHMMSSZ), newest `keep` kept
// per dataset (the one just taken counts). Pure.
import type { ZfsRow } from '../parse/zfs-list.js';
import { snapshotsOf } from './inventory.js';

const ZBAK_SNAPSHOT = /@zbak-\d{8}T\d{6}Z$/;

export function snapshotsToPrune(rows: readonly ZfsRow[], datasets: readonly string[], keep: number): string[] {
  return datasets.flatMap((ds) => {
    const ours = snapshotsOf(rows, ds).filter((s) => ZBAK_SNAPSHOT.test(s.name));
    return ours.slice(0, Math.max(0, ours.length - keep)).map((s) => s.name);
  });
}
