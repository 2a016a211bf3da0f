// -o property=value arguments shared by create, clone, snapshot and set:
// parsed like zfs_main.c parseprop() and checked like zfs_valid_proplist().
import { ZfsError, fail } from './errors.js';
import { checkValue, findProp, isUserProp } from './props.js';
import type { State, ZType } from './state.js';

export function parsePropArgs(list: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of list) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new ZfsError("missing '=' for property=value argument\n");
    const k = arg.slice(0, eq);
    if (out.has(k)) throw new ZfsError(`property '${k}' specified multiple times\n`);
    out.set(k, arg.slice(eq + 1));
  }
  return out;
}

/**
 * Validates properties for a dataset of `type` and returns the values to
 * store under their canonical names. `creating` allows one-time properties.
 */
export function checkProps(
  props: ReadonlyMap<string, string>,
  type: ZType,
  action: string,
  creating: boolean,
): State['objects'][string]['props'] {
  const out: State['objects'][string]['props'] = {};
  for (const [k, raw] of props) {
    const def = findProp(k);
    if (!def) {
      if (!isUserProp(k)) fail(action, `invalid property '${k}'`);
      out[k] = { value: raw, source: 'local' };
      continue;
    }
    if (def.readonly || (def.onetime && !creating)) fail(action, `'${def.name}' is readonly`);
    if (type === 'snapshot') fail(action, 'this property can not be modified for snapshots');
    if (!def.types.includes(type)) fail(action, `'${def.name}' does not apply to datasets of this type`);
    const c = checkValue(def, raw);
    if (!c.ok) fail(action, c.why);
    out[def.name] = { value: c.value, source: 'local' };
  }
  return out;
}
