// zfs get.
import { ZfsError } from './errors.js';
import type { FakeEnv } from './env.js';
import { getopt, has, last, usageError } from './getopt.js';
import { compareNames, iterate, typeAndDepth } from './iterate.js';
import { isWithin, splitSnap } from './names.js';
import { PROPS, findProp, isUserProp, propertyTable } from './props.js';
import { type State, readState } from './state.js';
import { type Column, renderTable } from './table.js';
import { Viewer } from './values.js';

const USAGE =
  '\tget [-rHp] [-d max] [-o "all" | field[,...]]\n' +
  '\t    [-t type[,...]] [-s source[,...]]\n' +
  '\t    <"all" | property[,...]> [filesystem|volume|snapshot|bookmark] ...';

const FIELDS = ['name', 'property', 'value', 'received', 'source'] as const;
type Field = (typeof FIELDS)[number];
const SOURCES = ['local', 'default', 'inherited', 'temporary', 'received', 'none'];

/** User properties visible on a dataset: set on it or on an ancestor. */
function userPropsOf(state: State, name: string): string[] {
  const ds = splitSnap(name)[0];
  const out = new Set<string>();
  for (const [n, o] of Object.entries(state.objects)) {
    const applies = n === name || (!n.includes('@') && isWithin(ds, n));
    if (!applies) continue;
    for (const k of Object.keys(o.props)) if (isUserProp(k) && !findProp(k)) out.add(k);
  }
  return [...out].sort();
}

function sourceKind(source: string): string {
  if (source === '-') return 'none';
  return source.startsWith('inherited') ? 'inherited' : source;
}

export async function zfsGet(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'd:o:s:rt:Hp', usage: USAGE, trailer: propertyTable() };
  const p = getopt(argv, spec);
  const fieldArg = last(p, 'o');
  const fields: Field[] =
    fieldArg === undefined || fieldArg === 'all'
      ? fieldArg === 'all' ? [...FIELDS] : ['name', 'property', 'value', 'source']
      : fieldArg.split(',').map((f) => {
          if (!(FIELDS as readonly string[]).includes(f)) usageError(spec, `invalid column name '${f}'`);
          return f as Field;
        });
  const sourceFilter = last(p, 's')?.split(',');
  for (const s of sourceFilter ?? []) if (!SOURCES.includes(s)) usageError(spec, `invalid source '${s}'`);
  const { types, depth } = typeAndDepth(p, spec, ['filesystem', 'volume', 'snapshot']);
  const [propArg, ...datasets] = p.args;
  if (propArg === undefined) usageError(spec, 'missing property argument');
  const all = propArg === 'all';
  const props = all ? [] : propArg.split(',');
  for (const pr of props) {
    if (pr !== 'name' && !findProp(pr) && !isUserProp(pr)) {
      throw new ZfsError(`bad property list: invalid property '${pr}'\nusage:\n${USAGE}\n${propertyTable()}`, 2);
    }
  }
  const literal = has(p, 'p');
  const state = readState(env);
  const { names, errors } = iterate(state, datasets, {
    recurse: has(p, 'r') || depth !== undefined,
    depth,
    types,
    includeSnaps: types.has('snapshot'),
  });
  names.sort((a, b) => compareNames(state, a, b));
  const viewer = new Viewer(env, state);
  const rows: string[][] = [];
  for (const n of names) {
    const o = state.objects[n];
    const list = all
      ? [...PROPS.filter((d) => o && d.types.includes(o.type)).map((d) => d.name), ...userPropsOf(state, n)]
      : props.map((pr) => findProp(pr)?.name ?? pr);
    for (const pr of list) {
      const found = viewer.lookup(n, pr, literal);
      if (all && found === undefined) continue;
      const v = found ?? { value: '-', source: '-' };
      if (sourceFilter && !sourceFilter.includes(sourceKind(v.source))) continue;
      const cells: Record<Field, string> = {
        name: n,
        property: pr,
        value: v.value,
        received: v.source === 'received' ? v.value : '-',
        source: v.source,
      };
      rows.push(fields.map((f) => cells[f]));
    }
  }
  process.stderr.write(errors);
  const cols: Column[] = fields.map((f) => ({ header: f.toUpperCase(), rightAlign: false }));
  if (rows.length > 0) process.stdout.write(renderTable(cols, rows, has(p, 'H')));
  return errors === '' ? 0 : 1;
}
