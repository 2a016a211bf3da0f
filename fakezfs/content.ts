// Freezing and removing the content behind snapshots and datasets.
import { copyFileSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type FakeEnv, manifestFile, snapDir, snapVolFile, volFile } from './env.js';
import { discardFiles, liveDir, nestedMounts } from './mount.js';
import { volumeEntries } from './space.js';
import type { State } from './state.js';
import { copyTree } from './tree.js';

/** Copies a dataset's current content into the store for snapshot `id`. */
export function freezeSnapshot(env: FakeEnv, state: State, ds: string, id: string): void {
  const o = state.objects[ds];
  mkdirSync(dirname(snapDir(env, id)), { recursive: true });
  let manifest;
  if (o?.type === 'volume') {
    copyFileSync(volFile(env, ds), snapVolFile(env, id), constants.COPYFILE_FICLONE);
    manifest = volumeEntries(snapVolFile(env, id));
  } else {
    manifest = copyTree(liveDir(env, state, ds), snapDir(env, id), nestedMounts(env, state, ds));
  }
  writeFileSync(manifestFile(env, id), JSON.stringify(manifest));
}

export function dropSnapshotContent(env: FakeEnv, id: string): void {
  rmSync(snapDir(env, id), { recursive: true, force: true });
  rmSync(snapVolFile(env, id), { force: true });
  rmSync(manifestFile(env, id), { force: true });
}

/** Removes a dataset's or snapshot's content and its state entry. */
export function destroyObject(env: FakeEnv, state: State, name: string): void {
  const o = state.objects[name];
  if (!o) return;
  if (o.type === 'snapshot') dropSnapshotContent(env, o.id);
  else if (o.type === 'volume') rmSync(volFile(env, name), { force: true });
  else discardFiles(env, state, name);
  delete state.objects[name];
}
