// One `zfs list` of every dataset and snapshot, indexed by name: vmadm get
// computes quota, disks, snapshots, delegated-dataset and indestructible facts from it.
import { runZfs, splitRows, ZfsCommandError } from '../common/zfs.js';

export const ZFS_COLUMNS = [
  'name', 'type', 'origin', 'mountpoint', 'quota', 'refquota', 'recordsize', 'compression',
  'volsize', 'volblocksize', 'refreservation', 'written', 'creation', 'userrefs',
] as const;
export type ZfsColumn = (typeof ZFS_COLUMNS)[number];

/** One dataset's row; numbers are parsed, '-' becomes undefined. */
export interface ZfsRow {
  name: string;
  type: string;
  origin?: string | undefined;
  mountpoint?: string | undefined;
  compression?: string | undefined;
  quota?: number | undefined;
  refquota?: number | undefined;
  recordsize?: number | undefined;
  volsize?: number | undefined;
  volblocksize?: number | undefined;
  refreservation?: number | undefined;
  written?: number | undefined;
  creation?: number | undefined;
  userrefs?: number | undefined;
  usedbysnapshots?: number | undefined;
}

export type ZfsIndex = ReadonlyMap<string, ZfsRow>;

const NUMERIC: readonly ZfsColumn[] = ['quota', 'refquota', 'recordsize', 'volsize', 'volblocksize', 'refreservation', 'written', 'creation', 'userrefs'];

/** Parses `zfs list -H -p -o <ZFS_COLUMNS>` output. */
export function parseZfsIndex(stdout: string): Map<string, ZfsRow> {
  const index = new Map<string, ZfsRow>();
  for (const fields of splitRows(stdout)) {
    const row: Record<string, unknown> = {};
    ZFS_COLUMNS.forEach((col, i) => {
      const v = fields[i];
      if (v === undefined || v === '-' || v === '') return;
      if (NUMERIC.includes(col)) {
        const n = Number(v);
        if (!Number.isNaN(n)) row[col] = n;
      } else row[col] = v;
    });
    if (typeof row['name'] === 'string') index.set(row['name'], row as unknown as ZfsRow);
  }
  return index;
}

/** Lists every dataset, volume and snapshot (all pools). */
export async function loadZfsIndex(): Promise<Map<string, ZfsRow>> {
  const r = await runZfs(['list', '-H', '-p', '-t', 'filesystem,volume,snapshot', '-o', ZFS_COLUMNS.join(',')]);
  if (r.exitCode !== 0) throw new ZfsCommandError(r);
  return parseZfsIndex(r.stdout);
}

/**
 * Adds usedbysnapshots for the volumes under `root` (only bhyve's free_space
 * needs it, so it is asked for separately; if zfs cannot say, free_space is left out).
 */
export async function addUsedBySnapshots(index: Map<string, ZfsRow>, root: string): Promise<void> {
  const r = await runZfs(['list', '-H', '-p', '-r', '-t', 'volume', '-o', 'name,usedbysnapshots', root]);
  if (r.exitCode !== 0) return;
  for (const [name, value] of splitRows(r.stdout)) {
    const row = name ? index.get(name) : undefined;
    if (row && value !== undefined && value !== '-') row.usedbysnapshots = Number(value);
  }
}
