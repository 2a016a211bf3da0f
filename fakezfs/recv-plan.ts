// What receiving one stream record would do, or the refusal real zfs gives
// (libzfs_sendrecv.c zfs_receive_one() and the kernel's
// recv_begin_check_existing_impl()). Checked before reading the record's
// data and again, under the lock, before committing it.
import { ZfsError } from './errors.js';
import { guidToName, snapshotsOf } from './model.js';
import { parentOf, splitSnap } from './names.js';
import type { Space } from './space.js';
import type { State } from './state.js';
import type { Begin } from './stream.js';

export interface RecvOptions {
  target: string;
  force: boolean;
  /** -d keeps all but the pool of the sent name, -e only its last component. */
  mode: 'exact' | 'd' | 'e';
  /** -o property=value: set locally on the received dataset. */
  override: Record<string, string>;
  /** -x property: received values not applied. */
  exclude: string[];
}

export type RecvPlan =
  | { kind: 'skip'; snap: string }
  | { kind: 'new'; ds: string; snap: string; originName?: string }
  | { kind: 'replace'; ds: string; snap: string }
  | { kind: 'incremental'; ds: string; snap: string; destroy: string[] };

export function destinationSnap(begin: Begin, opts: RecvOptions): string {
  const [sentDs, snap] = splitSnap(begin.toname);
  if (opts.target.includes('@')) return opts.target;
  if (opts.mode === 'd') {
    const slash = sentDs.indexOf('/');
    return `${opts.target}${slash < 0 ? '' : sentDs.slice(slash)}@${snap}`;
  }
  if (opts.mode === 'e') return `${opts.target}/${sentDs.split('/').at(-1) ?? sentDs}@${snap}`;
  return `${opts.target}@${snap}`;
}

function refuse(errbuf: string, why: string): never {
  throw new ZfsError(`${errbuf}: ${why}\n`);
}

/** The head differs from the snapshot (files added, removed or changed). */
function modifiedSince(space: Space, ds: string, snap: string): boolean {
  const head = space.blocksOf(ds);
  const frozen = space.blocksOf(snap);
  if (head.size !== frozen.size) return true;
  for (const k of head.keys()) if (!frozen.has(k)) return true;
  return false;
}

export function planRecord(state: State, space: Space, begin: Begin, opts: RecvOptions): RecvPlan {
  const destsnap = destinationSnap(begin, opts);
  const [ds] = splitSnap(destsnap);
  let originName: string | undefined;
  if (begin.clone) {
    originName = guidToName(state, begin.fromguid, destsnap);
    if (originName === undefined || !originName.includes('@')) {
      refuse('cannot receive', `local origin for clone ${destsnap} does not exist`);
    }
  }
  const newfs = begin.fromguid === '0' || begin.clone;
  const errbuf = newfs ? 'cannot receive new filesystem stream' : 'cannot receive incremental stream';
  const existing = state.objects[ds];
  if (!existing) {
    const parent = parentOf(ds);
    if (!newfs || parent === undefined) refuse(errbuf, `destination '${ds}' does not exist`);
    const p = state.objects[parent];
    if (!p) {
      throw new ZfsError(`cannot open '${parent}': dataset does not exist\n${errbuf}: unable to restore to destination\n`);
    }
    if (p.type !== 'filesystem') refuse(errbuf, `parent '${parent}' is not a filesystem`);
    return { kind: 'new', ds, snap: destsnap, originName };
  }
  const snaps = snapshotsOf(state, ds);
  if (newfs) {
    if (!opts.force) refuse(errbuf, `destination '${ds}' exists\nmust specify -F to overwrite it`);
    if (snaps.length > 0) refuse(errbuf, `destination has snapshots (eg. ${snaps[0]})\nmust destroy them to overwrite it`);
    if (existing.originId !== undefined) refuse(errbuf, `destination '${ds}' is a clone\nmust destroy it to overwrite it`);
    // dmu_recv_begin_check(): a clone cannot be received into an existing fs (EINVAL).
    if (begin.clone) refuse(errbuf, 'invalid backup stream');
  }
  // Kernel checks: the new snapshot name must be free (an identical
  // snapshot already there is skipped, as libzfs does).
  const already = state.objects[destsnap];
  if (already) {
    if (snaps.some((s) => state.objects[s]?.guid === begin.toguid)) return { kind: 'skip', snap: destsnap };
    throw new ZfsError(`cannot restore to ${destsnap}: destination already exists\n`);
  }
  if (begin.fromguid === '0') return { kind: 'replace', ds, snap: destsnap };
  const fromIdx = snaps.findIndex((s) => state.objects[s]?.guid === begin.fromguid);
  const from = snaps[fromIdx];
  if (from === undefined) refuse(errbuf, `most recent snapshot of ${ds} does not\nmatch incremental source`);
  // Without -F the head must not have changed since the source snapshot
  // (dsl_dataset_modified_since_snap); later snapshots then stay. With -F
  // the destination rolls back to the source, losing later snapshots.
  if (!opts.force && modifiedSince(space, ds, from)) {
    refuse(errbuf, `destination ${ds} has been modified\nsince most recent snapshot`);
  }
  return { kind: 'incremental', ds, snap: destsnap, destroy: opts.force ? snaps.slice(fromIdx + 1) : [] };
}
