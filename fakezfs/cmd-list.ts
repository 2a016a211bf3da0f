// zfs list.
import { ZfsError } from './errors.js';
import type { FakeEnv } from './env.js';
import { getopt, has, last, usageError } from './getopt.js';
import { compareNames, iterate, typeAndDepth } from './iterate.js';
import { cmp } from './model.js';
import { findProp, isUserProp, propertyTable } from './props.js';
import { readState } from './state.js';
import { type Column, renderTable } from './table.js';
import { Viewer } from './values.js';

const USAGE =
  '\tlist [-Hp] [-r|-d max] [-o property[,...]] [-s property]...\n' +
  '\t    [-S property]... [-t type[,...]] [filesystem|volume|snapshot] ...';

function isNumeric(prop: string): boolean {
  const k = findProp(prop)?.kind;
  return k === 'size' || k === 'number' || k === 'date' || k === 'ratio';
}

function column(prop: string): Column {
  if (prop === 'name') return { header: 'NAME', rightAlign: false };
  const def = findProp(prop);
  return { header: def ? def.column : prop.toUpperCase(), rightAlign: isNumeric(prop) };
}

function checkProp(spec: { usage: string }, prop: string): void {
  if (prop === 'name' || findProp(prop) || isUserProp(prop)) return;
  throw new ZfsError(`bad property list: invalid property '${prop}'\nusage:\n${spec.usage}\n${propertyTable()}`, 2);
}

export async function zfsList(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'HS:d:o:prs:t:', usage: USAGE, trailer: propertyTable() };
  const p = getopt(argv, spec);
  const fields = (last(p, 'o') ?? 'name,used,available,referenced,mountpoint').split(',');
  for (const f of fields) checkProp(spec, f);
  const sorts: Array<[string, boolean]> = p.opts
    .filter(([k]) => k === 's' || k === 'S')
    .map(([k, v]) => [v ?? '', k === 'S']);
  for (const [s] of sorts) if (s !== 'name' && !findProp(s) && !isUserProp(s)) usageError(spec, `invalid property '${s}'`);
  const parsed = typeAndDepth(p, spec, ['filesystem', 'volume']);
  const types = parsed.types;
  let depth = parsed.depth;
  let recurse = has(p, 'r') || depth !== undefined;
  // `zfs list -t snapshot <dataset>` lists that dataset's snapshots.
  if (types.size === 1 && types.has('snapshot') && p.args.length > 0 && !recurse) {
    recurse = true;
    depth = 1;
  }
  const literal = has(p, 'p');
  const state = readState(env);
  const { names, errors } = iterate(state, p.args, {
    recurse,
    depth,
    types,
    includeSnaps: types.has('snapshot'),
    pathsAllowed: true,
  });
  const viewer = new Viewer(env, state);
  const cell = (n: string, prop: string, lit: boolean): string => viewer.show(n, prop, lit).value;
  const sortKey = (n: string, prop: string): string | bigint | undefined => {
    const o = state.objects[n];
    const def = findProp(prop);
    if (def && o && !def.types.includes(o.type)) return undefined;
    const v = cell(n, prop, true);
    if (v === '-' && prop !== 'name') return undefined;
    return isNumeric(prop) && /^[0-9]+$/.test(v) ? BigInt(v) : v;
  };
  names.sort((a, b) => {
    for (const [prop, reverse] of sorts) {
      const ka = sortKey(a, prop);
      const kb = sortKey(b, prop);
      if (ka === undefined && kb === undefined) continue;
      if (ka === undefined) return 1;
      if (kb === undefined) return -1;
      const c = typeof ka === 'bigint' && typeof kb === 'bigint' ? (ka < kb ? -1 : ka > kb ? 1 : 0) : cmp(String(ka), String(kb));
      if (c !== 0) return reverse ? -c : c;
    }
    return compareNames(state, a, b);
  });
  const rows = names.map((n) => fields.map((f) => cell(n, f, literal)));
  process.stderr.write(errors);
  if (rows.length > 0) process.stdout.write(renderTable(fields.map(column), rows, has(p, 'H')));
  else if (!has(p, 'H') && errors === '') process.stderr.write('no datasets available\n');
  return errors === '' ? 0 : 1;
}
