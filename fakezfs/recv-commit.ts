// Applies one staged, verified record to the pool (under the state lock).
import { copyFileSync, constants, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ZfsError } from './errors.js';
import { type FakeEnv, headDir, manifestFile, snapDir, snapVolFile, volFile } from './env.js';
import { destroyObject } from './content.js';
import { clonesOf, descendantsOf, holdCount } from './model.js';
import { liveDir, mountedAt, nestedMounts, unmountTree } from './mount.js';
import { poolOf } from './names.js';
import type { RecvOptions, RecvPlan } from './recv-plan.js';
import { volumeEntries } from './space.js';
import { type State, type ZObject, newGuid, newId, nextTxg, nowSeconds } from './state.js';
import type { Begin } from './stream.js';
import { clearTree, copyTree, scanTree } from './tree.js';

/** Properties from a -p stream (minus -x), then -o overrides as local values. */
function receivedProps(begin: Begin, opts: RecvOptions): ZObject['props'] {
  const out: ZObject['props'] = {};
  for (const [k, v] of Object.entries(begin.props ?? {})) {
    if (!opts.exclude.includes(k)) out[k] = { value: v, source: 'received' };
  }
  for (const [k, v] of Object.entries(opts.override)) out[k] = { value: v, source: 'local' };
  return out;
}

/** Replaces the dataset's live content with the snapshot's. */
function resetHead(env: FakeEnv, state: State, ds: string, snapId: string): void {
  const o = state.objects[ds];
  if (!o) return;
  if (o.type === 'volume') {
    mkdirSync(dirname(volFile(env, ds)), { recursive: true });
    copyFileSync(snapVolFile(env, snapId), volFile(env, ds), constants.COPYFILE_FICLONE);
    return;
  }
  const live = liveDir(env, state, ds);
  const skip = nestedMounts(env, state, ds);
  clearTree(live, skip);
  copyTree(snapDir(env, snapId), live, skip);
}

/** Moves staged content into the snapshot store under a fresh storage id. */
function storeSnapshot(env: FakeEnv, stage: string, begin: Begin, id: string): void {
  mkdirSync(dirname(snapDir(env, id)), { recursive: true });
  if (begin.type === 'volume') {
    renameSync(join(stage, 'volume'), snapVolFile(env, id));
    writeFileSync(manifestFile(env, id), JSON.stringify(volumeEntries(snapVolFile(env, id))));
    rmSync(stage, { recursive: true, force: true });
  } else {
    renameSync(stage, snapDir(env, id));
    writeFileSync(manifestFile(env, id), JSON.stringify(scanTree(snapDir(env, id))));
  }
}

/** Returns the filesystems created or unmounted by this record, to mount afterwards. */
export function commitRecord(env: FakeEnv, state: State, plan: RecvPlan, begin: Begin, stage: string, opts: RecvOptions): string[] {
  if (plan.kind === 'skip') {
    rmSync(stage, { recursive: true, force: true });
    return [];
  }
  const pool = poolOf(plan.ds);
  const toMount: string[] = [];
  if (plan.kind === 'incremental') {
    for (const s of plan.destroy.slice().reverse()) {
      if (holdCount(state, s) > 0 || clonesOf(state, s).length > 0) {
        throw new ZfsError(`cannot receive incremental stream: dataset is busy\n`);
      }
      destroyObject(env, state, s);
    }
    const o = state.objects[plan.ds];
    if (o && begin.props) Object.assign(o.props, receivedProps(begin, opts));
  } else if (plan.kind === 'replace') {
    const o = state.objects[plan.ds];
    if (!o) throw new Error(`vanished: ${plan.ds}`);
    // The head is replaced offline: unmount it and what is mounted below, remount after.
    for (const n of [plan.ds, ...descendantsOf(state, plan.ds)]) if (mountedAt(state, n) !== undefined) toMount.push(n);
    if (o.type === 'filesystem') unmountTree(env, state, plan.ds);
    rmSync(headDir(env, o.id), { recursive: true, force: true });
    for (const [k, v] of Object.entries(o.props)) if (v.source === 'received') delete o.props[k];
    Object.assign(o.props, receivedProps(begin, opts));
  } else {
    const props = receivedProps(begin, opts);
    if (begin.type === 'volume' && begin.volblocksize) props['volblocksize'] = { value: begin.volblocksize, source: 'local' };
    state.objects[plan.ds] = {
      type: begin.type,
      guid: newGuid(state),
      id: newId(),
      createtxg: nextTxg(state, pool),
      creation: nowSeconds(),
      props,
      ...(plan.originName ? { originId: state.objects[plan.originName]?.id } : {}),
    };
    if (begin.type === 'filesystem') {
      mkdirSync(headDir(env, state.objects[plan.ds]?.id ?? ''), { recursive: true });
      toMount.push(plan.ds);
    }
  }
  const head = state.objects[plan.ds];
  if (head?.type === 'volume' && begin.volsize) head.props['volsize'] = { value: begin.volsize, source: 'local' };
  const id = newId();
  storeSnapshot(env, stage, begin, id);
  const snapProps: ZObject['props'] = {};
  for (const [k, v] of Object.entries(begin.snapprops ?? {})) snapProps[k] = { value: v, source: 'received' };
  state.objects[plan.snap] = {
    type: 'snapshot',
    guid: begin.toguid,
    id,
    createtxg: nextTxg(state, pool),
    creation: begin.creation,
    props: snapProps,
  };
  resetHead(env, state, plan.ds, id);
  return toMount;
}
