#!/usr/bin/env node
// The fake `zpool`: create (no vdevs needed), list -H -o name, destroy.
import { rmSync } from 'node:fs';
import { ZfsError, fail, runMain } from './errors.js';
import { loadEnv } from './env.js';
import { getopt, usageError, values } from './getopt.js';
import { checkInjectedFailure } from './inject.js';
import { isWithin, nameProblem } from './names.js';
import { checkProps, parsePropArgs } from './propargs.js';
import { mountAll, unmountTree } from './mount.js';
import { destroyObject } from './content.js';
import { mutate, newGuid, newId, nowSeconds, readState } from './state.js';
import { renderTable } from './table.js';

async function create(argv: readonly string[]): Promise<number> {
  const spec = { short: 'fnO:o:m:R:t:', usage: '\tcreate [-fnd] [-o property=value] ... \n\t    [-O file-system-property=value] ... \n\t    [-m mountpoint] [-R root] <pool> <vdev> ...' };
  const p = getopt(argv, spec);
  const pool = p.args[0];
  if (pool === undefined) usageError(spec, 'missing pool name argument');
  const env = loadEnv();
  const props = parsePropArgs(values(p, 'O'));
  const mp = values(p, 'm').at(-1);
  if (mp !== undefined) props.set('mountpoint', mp);
  await mutate(env, (state) => {
    const action = `cannot create '${pool}'`;
    const why = nameProblem(pool, 'dataset');
    if (why || pool.includes('/')) fail(action, why ?? 'invalid character \'/\' in pool name');
    if (state.pools[pool]) fail(action, 'pool already exists');
    const stored = checkProps(props, 'filesystem', action, true);
    state.pools[pool] = { guid: newGuid(state), txg: 1 };
    state.objects[pool] = { type: 'filesystem', guid: newGuid(state), id: newId(), createtxg: 1, creation: nowSeconds(), props: stored };
    mountAll(env, state, [pool]);
  });
  return 0;
}

async function list(argv: readonly string[]): Promise<number> {
  const spec = { short: 'gHLpPvo:T:', usage: '\tlist [-gHLpPv] [-o property[,...]] [-T d|u] [pool] ...' };
  const p = getopt(argv, spec);
  const fields = (values(p, 'o').at(-1) ?? 'name').split(',');
  if (fields.some((f) => f !== 'name')) usageError(spec, 'fakezfs: zpool list supports only -o name');
  const state = readState(loadEnv());
  const pools = p.args.length > 0 ? p.args : Object.keys(state.pools).sort();
  let err = '';
  const rows: string[][] = [];
  for (const name of pools) {
    if (state.pools[name]) rows.push([name]);
    else err += `cannot open '${name}': no such pool\n`;
  }
  if (rows.length === 0 && err === '') process.stdout.write('no pools available\n');
  else process.stdout.write(renderTable([{ header: 'NAME', rightAlign: false }], rows, p.opts.some(([k]) => k === 'H')));
  process.stderr.write(err);
  return err === '' ? 0 : 1;
}

async function destroy(argv: readonly string[]): Promise<number> {
  const spec = { short: 'f', usage: '\tdestroy [-f] <pool>' };
  const p = getopt(argv, spec);
  const pool = p.args[0];
  if (pool === undefined) usageError(spec, 'missing pool argument');
  const env = loadEnv();
  await mutate(env, (state) => {
    if (!state.pools[pool]) fail(`cannot open '${pool}'`, 'no such pool');
    unmountTree(env, state, pool);
    const names = Object.keys(state.objects).filter((n) => isWithin(n, pool) || n.startsWith(`${pool}/`));
    for (const n of names.sort().reverse()) destroyObject(env, state, n);
    delete state.pools[pool];
  });
  rmSync(`${env.rootDir}/dev/zvol/rdsk/${pool}`, { recursive: true, force: true });
  return 0;
}

const COMMANDS: Record<string, (argv: readonly string[]) => Promise<number>> = { create, list, destroy };

async function main(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const cmd = sub === undefined ? undefined : COMMANDS[sub];
  if (!cmd) throw new ZfsError(`usage: zpool command args ...\nwhere 'command' is one of the following:\n\n\tcreate\n\tdestroy\n\tlist\n`, 2);
  checkInjectedFailure('zpool', argv);
  return cmd(rest);
}

runMain('fakezpool', () => main(process.argv.slice(2)));
