// Where the simulated pool keeps its state and where the simulated host's
// root is. Both come from the environment so tests can run in temp dirs.
import { join } from 'node:path';
import { ZfsError } from './errors.js';

export interface FakeEnv {
  /** $ZBAK_FAKE_STATE: pool state, snapshot contents, lock. */
  stateDir: string;
  /** $ZBAK_ROOT: stands for the host's `/`. */
  rootDir: string;
}

export function loadEnv(env: NodeJS.ProcessEnv = process.env): FakeEnv {
  const stateDir = env['ZBAK_FAKE_STATE'];
  const rootDir = env['ZBAK_ROOT'];
  const missing = [
    stateDir ? undefined : 'ZBAK_FAKE_STATE',
    rootDir ? undefined : 'ZBAK_ROOT',
  ].filter((v): v is string => v !== undefined);
  if (missing.length > 0 || !stateDir || !rootDir) {
    throw new ZfsError(
      `fakezfs: ${missing.join(' and ')} must be set (state directory and host root directory)\n`,
      2,
    );
  }
  return { stateDir, rootDir };
}

/** A host path (absolute, e.g. /zones/x) inside the simulated root. */
export function hostPath(env: FakeEnv, p: string): string {
  return join(env.rootDir, p);
}

/** Frozen files of a filesystem snapshot (a directory). */
export function snapDir(env: FakeEnv, guid: string): string {
  return join(env.stateDir, 'snaps', guid);
}

/** Frozen bytes of a volume snapshot (a regular file). */
export function snapVolFile(env: FakeEnv, guid: string): string {
  return join(env.stateDir, 'snaps', `${guid}.zvol`);
}

/** Per-snapshot list of files with sizes, for space accounting. */
export function manifestFile(env: FakeEnv, guid: string): string {
  return join(env.stateDir, 'snaps', `${guid}.manifest.json`);
}

/** Files of an unmounted filesystem, keyed by the dataset's guid. */
export function headDir(env: FakeEnv, guid: string): string {
  return join(env.stateDir, 'heads', guid);
}

/** A volume's live bytes: $ZBAK_ROOT/dev/zvol/rdsk/<pool>/<name>. */
export function volFile(env: FakeEnv, name: string): string {
  return join(env.rootDir, 'dev', 'zvol', 'rdsk', name);
}

export function tmpDir(env: FakeEnv): string {
  return join(env.stateDir, 'tmp');
}
