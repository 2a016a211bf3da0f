// zfs destroy of datasets (with -r/-R) and of snapshots (with %ranges and
// commas), with the dependency refusals of zfs_main.c.
import { ZfsError } from './errors.js';
import { type FakeEnv, hostPath } from './env.js';
import { mountpointOf } from './inherit.js';
import { rmdirQuiet } from './tree.js';
import { getopt, has, usageError } from './getopt.js';
import { dependentsOf } from './dependents.js';
import { descendantsOf, holdCount, openTyped, snapshotsOf } from './model.js';
import { mountedAt, unmountTree } from './mount.js';
import { nicebytes } from './nicenum.js';
import { Space } from './space.js';
import { type State, mutate } from './state.js';
import { destroyObject } from './content.js';

const USAGE =
  '\tdestroy [-fnpRrv] <filesystem|volume>\n' +
  '\tdestroy [-dnpRrv] <filesystem|volume>@<snap>[%<snap>][,...]\n' +
  '\tdestroy <filesystem|volume>#<bookmark>';

interface Flags {
  verbose: boolean;
  parsable: boolean;
  dryrun: boolean;
  recurse: boolean;
  clones: boolean;
}

class Out {
  stdout = '';
  stderr = '';
}

/** destroy_check_dependent(): one header for the first problem, then every name. */
function checkDependents(state: State, target: string, f: Flags, out: Out): boolean {
  let first = true;
  const kind = state.objects[target]?.type ?? 'filesystem';
  for (const d of dependentsOf(state, target)) {
    const direct = d.startsWith(`${target}/`) || d.startsWith(`${target}@`);
    if (direct) {
      if (f.recurse) continue;
      if (first) out.stderr += `cannot destroy '${target}': ${kind} has children\nuse '-r' to destroy the following datasets:\n`;
    } else {
      if (!f.recurse && kind !== 'snapshot') continue;
      if (first) out.stderr += `cannot destroy '${target}': ${kind} has dependent clones\nuse '-R' to destroy the following datasets:\n`;
    }
    first = false;
    out.stderr += `${d}\n`;
  }
  return first;
}

/** Snapshot names matching "a,b%c" in one dataset ("%" is an inclusive range). */
function matchSpec(state: State, ds: string, spec: string): string[] {
  const snaps = snapshotsOf(state, ds);
  const out = new Set<string>();
  for (const part of spec.split(',')) {
    const pct = part.indexOf('%');
    if (pct < 0) {
      if (state.objects[`${ds}@${part}`]) out.add(`${ds}@${part}`);
      continue;
    }
    const from = part.slice(0, pct);
    const to = part.slice(pct + 1);
    const i = from === '' ? 0 : snaps.indexOf(`${ds}@${from}`);
    const j = to === '' ? snaps.length - 1 : snaps.indexOf(`${ds}@${to}`);
    if (i < 0 || j < 0) continue;
    for (const s of snaps.slice(i, j + 1)) out.add(s);
  }
  return snaps.filter((s) => out.has(s));
}

function say(out: Out, f: Flags, name: string): void {
  if (!f.verbose) return;
  if (f.parsable) out.stdout += `destroy\t${name}\n`;
  else out.stdout += `${f.dryrun ? 'would' : 'will'} destroy ${name}\n`;
}

/** lzc_destroy_snaps(): all or none; held snapshots make it fail. */
function destroySnaps(env: FakeEnv, state: State, snaps: readonly string[], out: Out): boolean {
  const held = snaps.filter((s) => holdCount(state, s) > 0);
  if (held.length > 0) {
    for (const h of held) out.stderr += `cannot destroy snapshot ${h}: dataset is busy\n`;
    return false;
  }
  for (const s of snaps) destroyObject(env, state, s);
  return true;
}

/** Destroys one filesystem or volume after its snapshots; false on refusal. */
function destroyDataset(env: FakeEnv, state: State, name: string, out: Out): boolean {
  const snaps = snapshotsOf(state, name);
  if (!destroySnaps(env, state, snaps, out)) {
    out.stderr += `cannot destroy '${name}': dataset is busy\n`;
    return false;
  }
  const mp = mountedAt(state, name);
  const src = mountpointOf(state, name).source.kind;
  try {
    if (state.objects[name]?.type === 'filesystem') unmountTree(env, state, name);
  } catch (e) {
    if (e instanceof ZfsError) {
      out.stderr += e.stderr;
      return false;
    }
    throw e;
  }
  destroyObject(env, state, name);
  // remove_mountpoint(): an inherited or default mountpoint directory goes too.
  if (mp !== undefined && (src === 'default' || src === 'inherited')) rmdirQuiet(hostPath(env, mp));
  return true;
}

function destroySnapshotArg(env: FakeEnv, state: State, arg: string, f: Flags, out: Out): number {
  const at = arg.indexOf('@');
  const ds = arg.slice(0, at);
  openTyped(state, ds, ['filesystem', 'volume']);
  const spec = arg.slice(at + 1);
  const targets: string[] = [];
  let error = false;
  for (const d of [ds, ...(f.recurse ? descendantsOf(state, ds) : [])]) {
    for (const s of matchSpec(state, d, spec)) {
      if (!f.clones && !checkDependents(state, s, { ...f, recurse: false }, out)) error = true;
      targets.push(s);
    }
  }
  if (error) return 1;
  if (targets.length === 0) {
    out.stderr += 'could not find any snapshots to destroy; check snapshot names.\n';
    return 1;
  }
  if (f.verbose) {
    const sp = new Space(env, state);
    let reclaim = 0n;
    for (const t of targets) {
      say(out, f, t);
      reclaim += sp.used(t);
    }
    if (f.parsable) out.stdout += `reclaim\t${reclaim}\n`;
    else out.stdout += `${f.dryrun ? 'would' : 'will'} reclaim ${nicebytes(reclaim)}\n`;
  }
  if (f.dryrun) return 0;
  if (f.clones) {
    for (const t of targets) {
      for (const d of dependentsOf(state, t)) {
        if (!state.objects[d]) continue;
        say(out, f, d);
        if (d.includes('@')) destroySnaps(env, state, [d], out);
        else destroyDataset(env, state, d, out);
      }
    }
  }
  return destroySnaps(env, state, targets, out) ? 0 : 1;
}

function destroyDatasetArg(env: FakeEnv, state: State, arg: string, f: Flags, out: Out): number {
  openTyped(state, arg, ['filesystem', 'volume']);
  if (!f.recurse && !arg.includes('/')) {
    out.stderr +=
      `cannot destroy '${arg}': operation does not apply to pools\n` +
      `use 'zfs destroy -r ${arg}' to destroy all datasets in the pool\n` +
      `use 'zpool destroy ${arg}' to destroy the pool itself\n`;
    return 1;
  }
  if (!f.clones && !checkDependents(state, arg, f, out)) return 1;
  let failed = false;
  const order = [...dependentsOf(state, arg), arg];
  for (const d of order) {
    if (!state.objects[d]) continue;
    say(out, f, d);
    if (f.dryrun || d.includes('@')) continue;
    // The pool's root dataset stays (only its snapshots go), as in destroy_callback().
    const ok = d.includes('/')
      ? destroyDataset(env, state, d, out)
      : destroySnaps(env, state, snapshotsOf(state, d), out);
    if (!ok) {
      failed = true;
      if (!f.recurse) break;
    }
  }
  return failed ? 1 : 0;
}

export async function zfsDestroy(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'vpndfrR', usage: USAGE };
  const p = getopt(argv, spec);
  if (p.args.length === 0) usageError(spec, 'missing dataset argument');
  if (p.args.length > 1) usageError(spec, 'too many arguments');
  const arg = p.args[0] ?? '';
  const f: Flags = {
    verbose: has(p, 'v') || has(p, 'p'),
    parsable: has(p, 'p'),
    dryrun: has(p, 'n'),
    recurse: has(p, 'r') || has(p, 'R'),
    clones: has(p, 'R'),
  };
  const out = new Out();
  try {
    return await mutate(env, (state) =>
      arg.includes('@') ? destroySnapshotArg(env, state, arg, f, out) : destroyDatasetArg(env, state, arg, f, out),
    );
  } finally {
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
  }
}
