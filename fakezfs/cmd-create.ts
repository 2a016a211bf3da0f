// zfs create (filesystems and volumes) and zfs clone.
import { copyFileSync, mkdirSync, openSync, closeSync, ftruncateSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import { fail } from './errors.js';
import { type FakeEnv, headDir, snapDir, snapVolFile, volFile } from './env.js';
import { getopt, has, last, usageError, values } from './getopt.js';
import { open, openTyped } from './model.js';
import { mountAll } from './mount.js';
import { nameProblem, parentOf, poolOf } from './names.js';
import { parseSize } from './nicenum.js';
import { checkProps, parsePropArgs } from './propargs.js';
import { type State, type ZObject, mutate, newGuid, newId, nextTxg, nowSeconds } from './state.js';
import { copyTree } from './tree.js';

const CREATE_USAGE =
  '\tcreate [-Pnpuv] [-o property=value] ... <filesystem>\n' +
  '\tcreate [-Pnpsv] [-b blocksize] [-o property=value] ... -V <size> <volume>';
const CLONE_USAGE = '\tclone [-p] [-o property=value] ... <snapshot> <filesystem|volume>';

/** check_parents(): the pool and the parent filesystem must exist. */
export function checkParents(state: State, name: string, action: string, createMissing: boolean): string[] {
  const parent = parentOf(name);
  if (parent === undefined) fail(action, 'missing dataset name');
  const pool = poolOf(name);
  if (!state.pools[pool] || !state.objects[pool]) fail(action, `no such pool '${pool}'`);
  const missing: string[] = [];
  let p: string | undefined = parent;
  while (p !== undefined && !state.objects[p]) {
    missing.unshift(p);
    p = parentOf(p);
  }
  if (missing.length > 0 && !createMissing) fail(action, 'parent does not exist');
  const nearest = p === undefined ? undefined : state.objects[p];
  if (nearest && nearest.type !== 'filesystem') fail(action, 'parent is not a filesystem');
  return missing;
}

/** Adds an empty, unmounted filesystem (parents created by -p, zpool roots). */
export function addFilesystem(env: FakeEnv, state: State, name: string, props: ZObject['props'], txg: number): void {
  const o: ZObject = { type: 'filesystem', guid: newGuid(state), id: newId(), createtxg: txg, creation: nowSeconds(), props };
  state.objects[name] = o;
  mkdirSync(headDir(env, o.id), { recursive: true });
}

/** What a thick (non -s) volume reserves: its size plus metadata. */
export function thickReservation(volsize: bigint): bigint {
  const mib = 1024n * 1024n;
  return volsize + ((volsize + mib - 1n) / mib) * 8192n;
}

export async function zfsCreate(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'Pnpuvso:V:b:', usage: CREATE_USAGE };
  const p = getopt(argv, spec);
  if (p.args.length !== 1) usageError(spec, p.args.length === 0 ? 'missing filesystem argument' : 'too many arguments');
  const name = p.args[0] ?? '';
  const volsizeText = last(p, 'V');
  const isVol = volsizeText !== undefined;
  if (!isVol && (has(p, 's') || has(p, 'b'))) usageError(spec, "'-s' and '-b' can only be used when creating a volume");
  const action = `cannot create '${name}'`;
  const propArgs = parsePropArgs(values(p, 'o'));
  const blocksize = last(p, 'b');
  if (blocksize !== undefined) propArgs.set('volblocksize', blocksize);
  let volsize: bigint | undefined;
  if (isVol) {
    volsize = parseSize(volsizeText);
    if (volsize === undefined) usageError(spec, `bad volume size '${volsizeText}': bad numeric value '${volsizeText}'`);
  }
  await mutate(env, (state) => {
    const why = nameProblem(name, 'dataset');
    if (why) fail(action, why);
    if (has(p, 'p') && state.objects[name]) return;
    const missing = checkParents(state, name, action, has(p, 'p'));
    if (state.objects[name]) fail(action, 'dataset already exists');
    const props = checkProps(propArgs, isVol ? 'volume' : 'filesystem', action, true);
    const txg = nextTxg(state, poolOf(name));
    for (const m of missing) addFilesystem(env, state, m, {}, txg);
    if (isVol && volsize !== undefined) {
      const bs = BigInt(props['volblocksize']?.value ?? '8192');
      if (volsize === 0n) fail(action, 'volume size cannot be zero');
      if (volsize % bs !== 0n) fail(action, 'volume size must be a multiple of volume block size');
      props['volsize'] = { value: volsize.toString(), source: 'local' };
      if (!has(p, 's') && !props['refreservation']) {
        props['refreservation'] = { value: thickReservation(volsize).toString(), source: 'local' };
      }
      state.objects[name] = { type: 'volume', guid: newGuid(state), id: newId(), createtxg: txg, creation: nowSeconds(), props };
      const file = volFile(env, name);
      mkdirSync(dirname(file), { recursive: true });
      const fd = openSync(file, 'w');
      ftruncateSync(fd, Number(volsize));
      closeSync(fd);
    } else {
      addFilesystem(env, state, name, props, txg);
    }
    mountAll(env, state, [...missing, name]);
  });
  return 0;
}

export async function zfsClone(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'po:', usage: CLONE_USAGE };
  const p = getopt(argv, spec);
  if (p.args.length < 1) usageError(spec, 'missing source dataset argument');
  if (p.args.length < 2) usageError(spec, 'missing target dataset argument');
  if (p.args.length > 2) usageError(spec, 'too many arguments');
  const [snap = '', target = ''] = p.args;
  const action = `cannot create '${target}'`;
  const propArgs = parsePropArgs(values(p, 'o'));
  await mutate(env, (state) => {
    const s = openTyped(state, snap, ['snapshot']);
    const why = nameProblem(target, 'dataset');
    if (why) fail(action, why);
    if (has(p, 'p') && state.objects[target]) return;
    const missing = checkParents(state, target, action, has(p, 'p'));
    if (poolOf(snap) !== poolOf(target)) fail(action, 'source and target pools differ');
    if (state.objects[target]) fail(action, 'dataset already exists');
    const src = open(state, snap.split('@')[0] ?? '');
    const props = checkProps(propArgs, src.type, action, true);
    const txg = nextTxg(state, poolOf(target));
    for (const m of missing) addFilesystem(env, state, m, {}, txg);
    const guid = newGuid(state);
    const id = newId();
    if (src.type === 'volume') {
      for (const k of ['volsize', 'volblocksize'] as const) {
        const v = src.props[k];
        if (v && !props[k]) props[k] = { value: v.value, source: 'local' };
      }
      const file = volFile(env, target);
      mkdirSync(dirname(file), { recursive: true });
      copyFileSync(snapVolFile(env, s.id), file, constants.COPYFILE_FICLONE);
    } else {
      copyTree(snapDir(env, s.id), headDir(env, id));
    }
    state.objects[target] = { type: src.type, guid, id, createtxg: txg, creation: nowSeconds(), props, originId: s.id };
    mountAll(env, state, [...missing, target]);
  });
  return 0;
}
