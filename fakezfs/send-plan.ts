// Which snapshot records `zfs send [-i|-I from] <snap>` emits, with the
// argument checks and messages of zfs_main.c / libzfs_sendrecv.c.
import { ZfsError, fail } from './errors.js';
import { usageError } from './getopt.js';
import { open, openTyped, originName, snapshotsOf } from './model.js';
import { splitSnap } from './names.js';
import type { State } from './state.js';

export interface SendRecord {
  to: string;
  /** Full name of the incremental source; undefined for a full stream. */
  from?: string;
  /** The source is another dataset's snapshot (this dataset's clone origin chain). */
  clone: boolean;
}

const USAGE =
  '\tsend [-DLPbcehnpsvw] [-i|-I snapshot]\n' +
  '\t     [-R [-X dataset[,dataset]...]]     <snapshot>\n' +
  '\tsend [-DnvPLecw] [-i snapshot|bookmark] <filesystem|volume|snapshot>';

export const SEND_USAGE = USAGE;

/** snapshot_is_before(): `from` precedes `to` in to's dataset or its origin chain. */
function isBefore(state: State, from: string, to: string): boolean {
  const f = state.objects[from];
  const t = state.objects[to];
  if (!f || !t) return false;
  const [fromDs] = splitSnap(from);
  let ds: string | undefined = splitSnap(to)[0];
  let limit = t.createtxg;
  // Within to's own dataset `from` must be older; an origin itself counts.
  let inclusive = false;
  while (ds !== undefined) {
    if (ds === fromDs) return inclusive ? f.createtxg <= limit : f.createtxg < limit;
    const origin: string | undefined = originName(state, ds);
    if (origin === undefined) return false;
    limit = state.objects[origin]?.createtxg ?? 0;
    inclusive = true;
    ds = splitSnap(origin)[0];
  }
  return false;
}

export function planIncremental(state: State, to: string, rawFrom: string, warn: (s: string) => void): SendRecord[] {
  let from = rawFrom;
  if (!from.includes('@') && !from.includes('#')) {
    warn("Warning: incremental source didn't specify type, assuming snapshot. Use '@' or '#' prefix to avoid ambiguity.\n");
    from = `@${from}`;
  }
  if (from.startsWith('@')) from = splitSnap(to)[0] + from;
  open(state, to);
  open(state, from);
  if (!isBefore(state, from, to)) fail(`warning: cannot send '${to}'`, 'not an earlier snapshot from the same fs');
  return [{ to, from, clone: splitSnap(from)[0] !== splitSnap(to)[0] }];
}

export function planRange(state: State, to: string, rawFrom: string): SendRecord[] {
  const [ds, tosnap] = splitSnap(to);
  openTyped(state, ds, ['filesystem', 'volume']);
  let fromSnap: string | undefined;
  let fromOrigin = false;
  if (rawFrom.includes('@')) {
    if (rawFrom === originName(state, ds)) fromOrigin = true;
    else {
      const [fds, fsnap] = splitSnap(rawFrom);
      if (fds !== '' && fds !== ds) usageError({ usage: USAGE }, 'incremental source must be in same filesystem');
      if (fsnap.includes('@') || fsnap.includes('/')) usageError({ usage: USAGE }, 'invalid incremental source');
      fromSnap = fsnap;
    }
  } else fromSnap = rawFrom;
  if (fromSnap !== undefined) openTyped(state, `${ds}@${fromSnap}`, ['snapshot']);
  const toObj = open(state, `${ds}@${tosnap}`);
  const snaps = snapshotsOf(state, ds).filter((s) => (state.objects[s]?.createtxg ?? 0) <= toObj.createtxg);
  const records: SendRecord[] = [];
  let prev = fromOrigin ? originName(state, ds) : `${ds}@${fromSnap}`;
  let started = fromOrigin;
  for (const s of snaps) {
    if (!started) {
      started = s === prev;
      continue;
    }
    records.push({ to: s, from: prev, clone: prev !== undefined && splitSnap(prev)[0] !== ds });
    prev = s;
  }
  if (records.length === 0 && !fromOrigin && fromSnap === tosnap) return [];
  if (records.length === 0) throw new ZfsError(`warning: cannot send '${to}': not an earlier snapshot from the same fs\n`);
  return records;
}

export function planFull(state: State, to: string): SendRecord[] {
  const o = open(state, to);
  if (o.type !== 'snapshot') {
    fail(`warning: cannot send '${to}'`, 'target is busy; if a filesystem, it must not be mounted');
  }
  return [{ to, clone: false }];
}
