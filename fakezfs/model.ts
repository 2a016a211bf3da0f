// Queries over the state: parents, children, snapshots, clones, guids.
import { ZfsError, noSuchDataset } from './errors.js';
import { isWithin, parentOf, splitSnap } from './names.js';
import type { State, ZObject } from './state.js';

export function get(state: State, name: string): ZObject | undefined {
  return state.objects[name];
}

/** The object, or the "cannot open ... dataset does not exist" refusal. */
export function open(state: State, name: string): ZObject {
  const o = state.objects[name];
  if (!o) noSuchDataset(name);
  return o;
}

/** Like open() but refuses objects whose type is not wanted, as zfs_open does. */
export function openTyped(state: State, name: string, types: ReadonlyArray<ZObject['type']>): ZObject {
  const o = open(state, name);
  if (!types.includes(o.type)) {
    throw new ZfsError(`cannot open '${name}': operation not applicable to datasets of this type\n`);
  }
  return o;
}

export function datasetNames(state: State): string[] {
  return Object.keys(state.objects).filter((n) => !n.includes('@'));
}

/** Direct child datasets, sorted by name (strcmp order). */
export function childrenOf(state: State, name: string): string[] {
  return datasetNames(state)
    .filter((n) => parentOf(n) === name)
    .sort(cmp);
}

/** All descendant datasets (not snapshots), parents before children. */
export function descendantsOf(state: State, name: string): string[] {
  return datasetNames(state)
    .filter((n) => n !== name && isWithin(n, name))
    .sort(cmp);
}

/** Snapshots of one dataset, oldest (lowest createtxg) first. */
export function snapshotsOf(state: State, ds: string): string[] {
  return Object.keys(state.objects)
    .filter((n) => splitSnap(n)[0] === ds && n.includes('@'))
    .sort((a, b) => (state.objects[a]?.createtxg ?? 0) - (state.objects[b]?.createtxg ?? 0) || cmp(a, b));
}

/**
 * guid_to_name(): finds a snapshot by guid searching "most local" first: the
 * destination dataset's subtree, then its parent's, up to the pool root,
 * skipping the part already searched (by last name component, as libzfs does).
 */
export function guidToName(state: State, guid: string, dest: string): string | undefined {
  let pname = splitSnap(dest)[0];
  let skip: string | undefined;
  const search = (name: string): string | undefined => {
    if (skip !== undefined && name.includes('/') && name.slice(name.lastIndexOf('/') + 1) === skip) return undefined;
    if (state.objects[name]?.guid === guid) return name;
    if (name.includes('@')) return undefined;
    for (const c of [...childrenOf(state, name), ...snapshotsOf(state, name)]) {
      const hit = search(c);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  for (;;) {
    if (state.objects[pname]) {
      const hit = search(pname);
      if (hit !== undefined) return hit;
      skip = pname.slice(pname.lastIndexOf('/') + 1);
    }
    const slash = pname.lastIndexOf('/');
    if (slash < 0) return undefined;
    pname = pname.slice(0, slash);
  }
}

export function byId(state: State, id: string): string | undefined {
  return Object.keys(state.objects).find((n) => state.objects[n]?.id === id);
}

/** Name of a dataset's origin snapshot, when it is a clone. */
export function originName(state: State, name: string): string | undefined {
  const id = state.objects[name]?.originId;
  return id === undefined ? undefined : byId(state, id);
}

/** Datasets cloned from a snapshot, by name. */
export function clonesOf(state: State, snapName: string): string[] {
  const id = state.objects[snapName]?.id;
  if (id === undefined) return [];
  return datasetNames(state)
    .filter((n) => state.objects[n]?.originId === id)
    .sort(cmp);
}

export function holdCount(state: State, name: string): number {
  return Object.keys(state.objects[name]?.holds ?? {}).length;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rename an object and everything below it (children, snapshots) in the state. */
export function renameTree(state: State, from: string, to: string): void {
  for (const n of Object.keys(state.objects)) {
    if (!isWithin(n, from)) continue;
    const o = state.objects[n];
    if (!o) continue;
    delete state.objects[n];
    state.objects[to + n.slice(from.length)] = o;
  }
}
