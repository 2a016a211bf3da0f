// Mounting moves a filesystem's files to $ZBAK_ROOT<mountpoint>; unmounting
// moves them back into the state directory, so an unmounted filesystem's
// files are not visible under the host root.
import { mkdirSync, rmSync } from 'node:fs';
import { fail } from './errors.js';
import { type FakeEnv, headDir, hostPath } from './env.js';
import { mountpointOf, resolve } from './inherit.js';
import { isWithin } from './names.js';
import type { State } from './state.js';
import { clearTree, moveTree, rmdirQuiet } from './tree.js';

/** The host mountpoint path of a mounted filesystem (host-absolute, e.g. /zones/x). */
export function mountedAt(state: State, name: string): string | undefined {
  const o = state.objects[name];
  if (o?.type !== 'filesystem' || !o.mounted) return undefined;
  const mp = mountpointOf(state, name).value;
  return mp.startsWith('/') ? mp : undefined;
}

function mountedList(state: State): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const n of Object.keys(state.objects)) {
    const mp = mountedAt(state, n);
    if (mp !== undefined) out.push([n, mp]);
  }
  return out;
}

function under(path: string, dir: string): boolean {
  return dir === '/' ? path !== '/' : path.startsWith(`${dir}/`);
}

/** Absolute paths (in $ZBAK_ROOT) of other filesystems mounted inside this one. */
export function nestedMounts(env: FakeEnv, state: State, name: string): Set<string> {
  const mp = mountedAt(state, name);
  const out = new Set<string>();
  if (mp === undefined) return out;
  for (const [n, p] of mountedList(state)) if (n !== name && under(p, mp)) out.add(hostPath(env, p));
  return out;
}

/** Where the filesystem's files are right now. */
export function liveDir(env: FakeEnv, state: State, name: string): string {
  const mp = mountedAt(state, name);
  const o = state.objects[name];
  return mp !== undefined ? hostPath(env, mp) : headDir(env, o?.id ?? 'missing');
}

/** Whether `zfs mount -a` (and create/clone/receive) would mount it. */
function autoMountable(state: State, name: string): boolean {
  const o = state.objects[name];
  if (o?.type !== 'filesystem' || o.mounted) return false;
  if (resolve(state, name, 'zoned')?.value === 'on') return false;
  if (resolve(state, name, 'canmount')?.value !== 'on') return false;
  return mountpointOf(state, name).value.startsWith('/');
}

export function mountOne(env: FakeEnv, state: State, name: string): void {
  const o = state.objects[name];
  if (!o || o.type !== 'filesystem' || o.mounted) return;
  const mp = mountpointOf(state, name).value;
  const target = hostPath(env, mp);
  mkdirSync(target, { recursive: true });
  moveTree(headDir(env, o.id), target);
  rmSync(headDir(env, o.id), { recursive: true, force: true });
  o.mounted = true;
}

/** Mounts every auto-mountable filesystem among `names`, parents first. */
export function mountAll(env: FakeEnv, state: State, names: readonly string[]): void {
  const todo = names
    .filter((n) => autoMountable(state, n))
    .sort((a, b) => mountpointOf(state, a).value.length - mountpointOf(state, b).value.length);
  for (const n of todo) mountOne(env, state, n);
}

/**
 * Unmounts `name` and its mounted descendants, deepest first. Refuses with
 * "pool or dataset is busy" when a filesystem outside that set is mounted
 * inside one of them (Linux umount2 gives EBUSY).
 */
export function unmountTree(env: FakeEnv, state: State, name: string): void {
  const set = mountedList(state).filter(([n]) => isWithin(n, name) && !n.includes('@'));
  const names = new Set(set.map(([n]) => n));
  for (const [n, p] of mountedList(state)) {
    if (names.has(n)) continue;
    const holder = set.find(([, q]) => under(p, q));
    if (holder) fail(`cannot unmount '${holder[1]}'`, 'pool or dataset is busy');
  }
  set.sort((a, b) => b[1].length - a[1].length);
  for (const [n] of set) unmountOne(env, state, n);
}

function unmountOne(env: FakeEnv, state: State, name: string): void {
  const o = state.objects[name];
  if (!o?.mounted) return;
  const live = liveDir(env, state, name);
  moveTree(live, headDir(env, o.id), nestedMounts(env, state, name));
  o.mounted = false;
}

/** Deletes a filesystem's files wherever they are (destroy). */
export function discardFiles(env: FakeEnv, state: State, name: string): void {
  const o = state.objects[name];
  if (!o) return;
  if (o.mounted) {
    const live = liveDir(env, state, name);
    clearTree(live, nestedMounts(env, state, name));
    o.mounted = false;
    const src = mountpointOf(state, name).source.kind;
    if (src === 'default' || src === 'inherited') rmdirQuiet(live);
  }
  rmSync(headDir(env, o.id), { recursive: true, force: true });
}
