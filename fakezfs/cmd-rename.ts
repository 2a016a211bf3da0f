// zfs rename of datasets (remounting what was mounted) and of snapshots
// (one, or with -r the same snapshot of every descendant).
import { mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { fail } from './errors.js';
import { type FakeEnv, hostPath, volFile } from './env.js';
import { rmdirQuiet } from './tree.js';
import { getopt, has, usageError } from './getopt.js';
import { addFilesystem, checkParents } from './cmd-create.js';
import { mountpointOf, resolve } from './inherit.js';
import { descendantsOf, open, renameTree } from './model.js';
import { mountAll, mountedAt, unmountTree } from './mount.js';
import { isWithin, nameProblem, poolOf, splitSnap } from './names.js';
import { type State, mutate, nextTxg } from './state.js';

const USAGE =
  '\trename [-f] <filesystem|volume|snapshot> <filesystem|volume|snapshot>\n' +
  '\trename -p [-f] <filesystem|volume> <filesystem|volume>\n' +
  '\trename -u [-f] <filesystem> <filesystem>\n' +
  '\trename -r <snapshot> <snapshot>';

function renameSnapshot(state: State, from: string, rawTo: string, recursive: boolean): void {
  const [ds, oldSnap] = splitSnap(from);
  const to = rawTo.startsWith('@') ? ds + rawTo : rawTo.includes('@') ? rawTo : `${ds}@${rawTo}`;
  const toAction = `cannot rename to '${to}'`;
  if (splitSnap(to)[0] !== ds) fail(toAction, 'snapshots must be part of same dataset');
  const why = nameProblem(to, 'snapshot');
  if (why) fail(toAction, why);
  const newSnap = splitSnap(to)[1];
  const pairs: Array<[string, string]> = [[from, to]];
  if (recursive) {
    for (const d of descendantsOf(state, ds)) {
      if (state.objects[`${d}@${oldSnap}`]) pairs.push([`${d}@${oldSnap}`, `${d}@${newSnap}`]);
    }
  }
  for (const [a, b] of pairs) {
    if (state.objects[b]) {
      const why = recursive ? 'a child dataset already has a snapshot with the new name' : 'dataset already exists';
      fail(`cannot rename '${a}'`, why);
    }
  }
  for (const [a, b] of pairs) renameTree(state, a, b);
}

function renameDataset(env: FakeEnv, state: State, from: string, to: string, createParents: boolean, nounmount: boolean): void {
  const toAction = `cannot rename to '${to}'`;
  const why = nameProblem(to, 'dataset');
  if (why) fail(toAction, why);
  const missing = checkParents(state, to, `cannot create '${to}'`, createParents);
  if (poolOf(from) !== poolOf(to)) fail(toAction, 'datasets must be within same pool');
  if (isWithin(to, from)) fail(toAction, 'New dataset name cannot be a descendant of current dataset name');
  const action = `cannot rename '${from}'`;
  if (resolve(state, from, 'zoned')?.value === 'on') fail(action, 'dataset is used in a non-global zone');
  // The rename's changelist holds the *mounted* descendants (zfs_iter_mounted);
  // a zoned one among them refuses. Zoned filesystems are not mounted in the
  // global zone, so in practice this only happens after an explicit mount elsewhere.
  const zonedChild = descendantsOf(state, from).some(
    (d) => mountedAt(state, d) !== undefined && resolve(state, d, 'zoned')?.value === 'on',
  );
  if (zonedChild) fail(action, 'child dataset with inherited mountpoint is used in a non-global zone');
  if (state.objects[to]) fail(action, 'dataset already exists');
  if (missing.length > 0) {
    const txg = nextTxg(state, poolOf(to));
    for (const m of missing) addFilesystem(env, state, m, {}, txg);
    mountAll(env, state, missing);
  }
  const mp = mountpointOf(state, from).value;
  const keepMounted = nounmount || mp === 'legacy' || mp === 'none';
  const wasMounted = [from, ...descendantsOf(state, from)].filter((n) => mountedAt(state, n) !== undefined);
  if (!keepMounted && state.objects[from]?.type === 'filesystem') {
    const oldPaths = wasMounted.map((n) => mountedAt(state, n) ?? '').sort((a, b) => b.length - a.length);
    unmountTree(env, state, from);
    // remove_mountpoint(): the old, now empty, mountpoint directories go.
    for (const mp of oldPaths) rmdirQuiet(hostPath(env, mp));
  }
  const volumes = [from, ...descendantsOf(state, from)].filter((n) => state.objects[n]?.type === 'volume');
  renameTree(state, from, to);
  for (const v of volumes) {
    const dst = volFile(env, to + v.slice(from.length));
    mkdirSync(dirname(dst), { recursive: true });
    renameSync(volFile(env, v), dst);
  }
  if (!keepMounted) mountAll(env, state, wasMounted.map((n) => to + n.slice(from.length)));
}

export async function zfsRename(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'fpru', usage: USAGE };
  const p = getopt(argv, spec);
  if (p.args.length < 1) usageError(spec, 'missing source dataset argument');
  if (p.args.length < 2) usageError(spec, 'missing target dataset argument');
  if (p.args.length > 2) usageError(spec, 'too many arguments');
  if (has(p, 'p') && has(p, 'r')) usageError(spec, '-p and -r options are mutually exclusive');
  const [from = '', to = ''] = p.args;
  if (has(p, 'r') && !from.includes('@')) {
    usageError(spec, 'source dataset for recursive rename must be a snapshot');
  }
  await mutate(env, (state) => {
    open(state, from);
    if (from.includes('@')) renameSnapshot(state, from, to, has(p, 'r'));
    else renameDataset(env, state, from, to, has(p, 'p'), has(p, 'u'));
  });
  return 0;
}
