// How much pool space a restore will take, decided before anything changes.
// The measure is what each dataset used on the source pool at save time,
// without its child datasets (zfs `used` minus the children's): its data, its
// snapshots and its refreservation, already compressed the way the streams'
// properties (-p) will compress them again. Pure.
import { NoSpaceError } from '../errors.js';
import { humanBytes } from '../model/bytes.js';
import { inPool } from '../model/names.js';
import type { ZfsRow } from '../parse/zfs-list.js';

/** `used` of `name` minus that of its direct child datasets (never below 0). */
export function ownUsed(rows: readonly ZfsRow[], name: string): number | undefined {
  const row = rows.find((r) => r.name === name && r.type !== 'snapshot');
  if (!row) return undefined;
  const children = rows.filter((r) => r.type !== 'snapshot' && r.name.startsWith(`${name}/`) && !r.name.slice(name.length + 1).includes('/'));
  return Math.max(0, row.used - children.reduce((n, c) => n + c.used, 0));
}

/** For the archive header: each dataset (relative to the pool) -> its own used bytes at save. */
export function savedSpace(rows: readonly ZfsRow[], pool: string, relDatasets: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rel of new Set(relDatasets)) {
    const used = ownUsed(rows, inPool(pool, rel));
    if (used !== undefined) out[rel] = used;
  }
  return out;
}

export interface SpaceNeed {
  /** Bytes the received datasets and installed images are expected to take. */
  needed: number;
  /** The pool's `available`. */
  available: number;
  /** Always 0: a replaced zone is kept until the new one is complete (kept in the type for callers' output). */
  freed: number;
}

/** Sum of the saved space of `relDatasets` (each once); undefined when the archive has no figures. */
export function spaceNeeded(space: Record<string, number> | undefined, relDatasets: readonly string[]): number | undefined {
  if (space === undefined) return undefined;
  return [...new Set(relDatasets)].reduce((n, rel) => n + (space[rel] ?? 0), 0);
}

/** Refuses (exit 6) when the pool cannot hold what the restore will receive. */
export function checkSpace(need: SpaceNeed, pool: string, what: string, sourceHost: string): void {
  if (need.needed <= need.available) return;
  const freed = need.freed > 0 ? `, counting ${humanBytes(need.freed)} the replaced zone frees` : '';
  throw new NoSpaceError(
    `pool ${pool} has ${humanBytes(need.available)} available${freed}, but ${what} needs about ${humanBytes(need.needed)} ` +
      `(what its datasets used on ${sourceHost}); free space in ${pool} or restore on another host`,
  );
}
