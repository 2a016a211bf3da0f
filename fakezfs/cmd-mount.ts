// zfs mount / zfs unmount (umount).
import { ZfsError } from './errors.js';
import type { FakeEnv } from './env.js';
import { getopt, has, usageError } from './getopt.js';
import { mountpointOf, resolve } from './inherit.js';
import { datasetNames, openTyped } from './model.js';
import { mountAll, mountOne, mountedAt, unmountTree } from './mount.js';
import { mutate, readState, type State } from './state.js';

const MOUNT_USAGE = '\tmount [-j]\n\tmount [-flvO] [-o opts] <-a | filesystem>';
const UMOUNT_USAGE = '\tunmount [-fu] <-a | filesystem|mountpoint>';

/** share_mount_one() for an explicitly named filesystem. */
function checkMountable(state: State, name: string): void {
  const why = (text: string): never => {
    throw new ZfsError(`cannot mount '${name}': ${text}\n`);
  };
  if (resolve(state, name, 'zoned')?.value === 'on') why('dataset is exported to a local zone');
  const mp = mountpointOf(state, name).value;
  if (mp === 'legacy') why('legacy mountpoint\nuse mount(8) to mount this filesystem');
  if (mp === 'none') why('no mountpoint set');
  if (resolve(state, name, 'canmount')?.value === 'off') why("'canmount' property is set to 'off'");
  if (state.objects[name]?.mounted) why('filesystem already mounted');
}

export async function zfsMount(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'ajflvOo:', usage: MOUNT_USAGE };
  const p = getopt(argv, spec);
  if (has(p, 'a')) {
    await mutate(env, (state) => mountAll(env, state, datasetNames(state)));
    return 0;
  }
  if (p.args.length === 0) {
    const state = readState(env);
    let out = '';
    for (const n of datasetNames(state).sort()) {
      const mp = mountedAt(state, n);
      if (mp !== undefined) out += `${n.padEnd(30)}  ${mp}\n`;
    }
    process.stdout.write(out);
    return 0;
  }
  if (p.args.length > 1) usageError(spec, 'too many arguments');
  const name = p.args[0] ?? '';
  await mutate(env, (state) => {
    openTyped(state, name, ['filesystem']);
    checkMountable(state, name);
    mountOne(env, state, name);
  });
  return 0;
}

export async function zfsUnmount(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'afu', usage: UMOUNT_USAGE };
  const p = getopt(argv, spec);
  if (has(p, 'a')) {
    await mutate(env, (state) => {
      const roots = datasetNames(state).filter((n) => !n.includes('/'));
      for (const r of roots) unmountTree(env, state, r);
    });
    return 0;
  }
  if (p.args.length !== 1) usageError(spec, p.args.length === 0 ? 'missing filesystem argument' : 'too many arguments');
  const arg = p.args[0] ?? '';
  await mutate(env, (state) => {
    let name = arg;
    if (arg.startsWith('/')) {
      const hit = datasetNames(state).find((n) => mountedAt(state, n) === arg);
      if (!hit) throw new ZfsError(`cannot unmount '${arg}': not a mountpoint\n`);
      name = hit;
    }
    openTyped(state, name, ['filesystem']);
    if (mountpointOf(state, name).value === 'legacy') {
      throw new ZfsError(`cannot unmount '${name}': legacy mountpoint\nuse umount(8) to unmount this filesystem\n`);
    }
    if (!state.objects[name]?.mounted) throw new ZfsError(`cannot unmount '${name}': not currently mounted\n`);
    unmountTree(env, state, name);
  });
  return 0;
}
