// zfs set and zfs inherit, with the side effects that matter here: mountpoint
// and canmount changes remount, volsize resizes the volume's bytes.
import { truncateSync } from 'node:fs';
import { ZfsError, fail } from './errors.js';
import { type FakeEnv, volFile } from './env.js';
import { getopt, has, usageError } from './getopt.js';
import { mountpointOf } from './inherit.js';
import { descendantsOf, open } from './model.js';
import { mountAll, mountedAt, unmountTree } from './mount.js';
import { checkProps, parsePropArgs } from './propargs.js';
import { thickReservation } from './cmd-create.js';
import { findProp, isUserProp, propertyTable } from './props.js';
import { Space } from './space.js';
import { type State, type ZObject, mutate } from './state.js';

const SET_USAGE = '\tset <property=value> ... <filesystem|volume|snapshot> ...';
const INHERIT_USAGE = '\tinherit [-rS] <property> <filesystem|volume|snapshot> ...';

/** Runs a property change that can move mountpoints: unmount, change, remount. */
function withRemount(env: FakeEnv, state: State, name: string, change: () => void): void {
  if (state.objects[name]?.type !== 'filesystem') {
    change();
    return;
  }
  const tree = [name, ...descendantsOf(state, name)];
  const before = new Map(tree.map((n) => [n, mountedAt(state, n)]));
  const wasLegacy = mountpointOf(state, name).value === 'legacy';
  unmountTree(env, state, name);
  change();
  // changelist_postfix(): remount what was mounted, and a filesystem whose
  // mountpoint was legacy.
  mountAll(env, state, tree.filter((n) => before.get(n) !== undefined || (n === name && wasLegacy)));
}

function checkSpace(env: FakeEnv, state: State, name: string, props: ZObject['props'], action: string): void {
  const sp = new Space(env, state);
  for (const k of ['quota', 'refquota'] as const) {
    const v = props[k]?.value;
    if (v === undefined || v === '0') continue;
    const used = k === 'quota' ? sp.used(name) : sp.referenced(name);
    if (BigInt(v) < used) fail(action, 'size is less than current used or reserved space');
  }
}

function applyVolsize(env: FakeEnv, name: string, o: ZObject, props: ZObject['props'], action: string): void {
  const v = props['volsize']?.value;
  if (v === undefined) return;
  const bs = BigInt(o.props['volblocksize']?.value ?? '8192');
  if (BigInt(v) % bs !== 0n) fail(action, 'volsize must be a multiple of volume block size');
  if (BigInt(v) === 0n) fail(action, 'volsize cannot be zero');
  truncateSync(volFile(env, name), Number(v));
  // A thick volume's refreservation follows its size, as zfs_prop_set does.
  const old = o.props['volsize']?.value;
  const refres = o.props['refreservation'];
  if (old !== undefined && refres && !props['refreservation'] && refres.value === thickReservation(BigInt(old)).toString()) {
    props['refreservation'] = { value: thickReservation(BigInt(v)).toString(), source: refres.source };
  }
}

export async function zfsSet(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'u', usage: SET_USAGE, trailer: propertyTable() };
  const p = getopt(argv, spec);
  const assignments = p.args.filter((a) => a.includes('='));
  const datasets = p.args.slice(assignments.length);
  if (assignments.length === 0) usageError(spec, p.args.length === 0 ? 'missing arguments' : "missing property=value argument(s)");
  if (datasets.length === 0) usageError(spec, 'missing dataset name(s)');
  const wanted = parsePropArgs(assignments);
  await mutate(env, (state) => {
    for (const name of datasets) {
      const o = open(state, name);
      const action = `cannot set property for '${name}'`;
      const props = checkProps(wanted, o.type, action, false);
      checkSpace(env, state, name, props, action);
      if (o.type === 'volume') applyVolsize(env, name, o, props, action);
      const remount = 'mountpoint' in props || props['canmount']?.value === 'off';
      const change = (): void => {
        Object.assign(o.props, props);
      };
      if (remount) withRemount(env, state, name, change);
      else change();
    }
  });
  return 0;
}

export async function zfsInherit(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'rS', usage: INHERIT_USAGE, trailer: propertyTable() };
  const p = getopt(argv, spec);
  const [prop, ...datasets] = p.args;
  if (prop === undefined) usageError(spec, 'missing property argument');
  if (datasets.length === 0) usageError(spec, 'missing dataset argument');
  const def = findProp(prop);
  const received = has(p, 'S');
  if (def) {
    if (def.readonly) throw new ZfsError(`${prop} property is read-only\n`);
    if (!def.inherit && !received) {
      let text = `'${prop}' property cannot be inherited\n`;
      if (def.noneIsZero) text += `use 'zfs set ${prop}=none' to clear\nuse 'zfs inherit -S ${prop}' to revert to received value\n`;
      throw new ZfsError(text);
    }
  } else if (!isUserProp(prop)) usageError(spec, `invalid property '${prop}'`);
  const key = def?.name ?? prop;
  await mutate(env, (state) => {
    for (const name of datasets) {
      open(state, name);
      const tree = has(p, 'r') ? [name, ...descendantsOf(state, name)] : [name];
      for (const n of tree) {
        const o = state.objects[n];
        if (!o) continue;
        const change = (): void => {
          if (!(received && o.props[key]?.source === 'received')) delete o.props[key];
        };
        if (key === 'mountpoint') withRemount(env, state, n, change);
        else change();
      }
    }
  });
  return 0;
}
