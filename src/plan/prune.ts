// Which older zbak snapshots a save removes once its archive is safely written:
// only snapshots named like zbak's own (zbak-YYYYMMDDTHHMMSSZ), newest `keep` kept
// per dataset (the one just taken counts), and the fewest `zfs destroy` commands
// that remove exactly those. Pure.
import type { ZfsRow } from '../parse/zfs-list.js';
import { isZbakSnapshot } from '../model/ownership.js';
import { isSameOrBelow, splitSnapshotName } from '../model/names.js';
import { snapshotsOf } from './inventory.js';

export function snapshotsToPrune(rows: readonly ZfsRow[], datasets: readonly string[], keep: number): string[] {
  return datasets.flatMap((ds) => {
    const ours = snapshotsOf(rows, ds).filter((s) => isZbakSnapshot(splitSnapshotName(s.name)?.snapshot ?? ''));
    return ours.slice(0, Math.max(0, ours.length - keep)).map((s) => s.name);
  });
}

/** One `zfs destroy [-r] <dataset>@<name>,<name>…`: `recursive` also takes those names below it. */
export interface PruneBatch {
  dataset: string;
  names: string[];
  recursive: boolean;
}

/**
 * The destroys that remove exactly `snapshotsToPrune(rows, datasets, keep)` less `protect`. zfs destroy takes
 * one argument, so several snapshots go in one command only as `<dataset>@a,b` (one dataset)
 * or with -r (those names in every dataset below it). -r is used for a dataset only when every
 * filesystem or volume below it is one of `datasets` and each would lose exactly the snapshots
 * of those names that the rule prunes for it; otherwise each dataset gets its own command.
 * `datasets` lists parents before children (zoneDatasets' order).
 */
export function pruneBatches(rows: readonly ZfsRow[], datasets: readonly string[], keep: number, protect: readonly string[] = []): PruneBatch[] {
  const zbakNames = (ds: string): string[] =>
    snapshotsOf(rows, ds).map((s) => splitSnapshotName(s.name)!.snapshot).filter(isZbakSnapshot);
  // A protected snapshot (a medium's chain end) stays: it is not pruned, and no -r may take it.
  const pruned = new Map(
    datasets.map((ds) => [ds, snapshotsToPrune(rows, [ds], keep).filter((s) => !protect.includes(s)).map((s) => splitSnapshotName(s)!.snapshot)]),
  );
  const batches: PruneBatch[] = [];
  const covered = new Set<string>();
  for (const ds of datasets) {
    if (covered.has(ds)) continue;
    const below = rows.filter((r) => r.type !== 'snapshot' && r.type !== 'bookmark' && r.name !== ds && isSameOrBelow(r.name, ds)).map((r) => r.name);
    const names = [...new Set([ds, ...below].flatMap((d) => pruned.get(d) ?? []))];
    const exact = (d: string): boolean => {
      const mine = pruned.get(d);
      return mine !== undefined && zbakNames(d).filter((n) => names.includes(n)).join(',') === mine.join(',');
    };
    if (below.length > 0 && names.length > 0 && [ds, ...below].every(exact)) {
      batches.push({ dataset: ds, names, recursive: true });
      for (const d of below) covered.add(d);
    } else if ((pruned.get(ds) ?? []).length > 0) {
      batches.push({ dataset: ds, names: pruned.get(ds)!, recursive: false });
    }
  }
  return batches;
}
