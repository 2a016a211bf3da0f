// Stored property values and where they come from: set here (local or
// received), inherited from an ancestor, or the default.
import { parentOf, splitSnap } from './names.js';
import { findProp } from './props.js';
import type { State } from './state.js';

export type Source =
  | { kind: 'local' }
  | { kind: 'received' }
  | { kind: 'inherited'; from: string }
  | { kind: 'default' }
  | { kind: 'none' };

export interface Resolved {
  value: string;
  source: Source;
}

export function sourceText(s: Source): string {
  switch (s.kind) {
    case 'inherited':
      return `inherited from ${s.from}`;
    case 'none':
      return '-';
    default:
      return s.kind;
  }
}

/** The stored value of a settable or user property, following inheritance. */
export function resolve(state: State, name: string, prop: string): Resolved | undefined {
  const def = findProp(prop);
  const inheritable = def ? def.inherit === true : true;
  const own = state.objects[name]?.props[prop];
  if (own) return { value: own.value, source: { kind: own.source } };
  if (inheritable) {
    let up = name.includes('@') ? splitSnap(name)[0] : parentOf(name);
    while (up !== undefined) {
      const p = state.objects[up]?.props[prop];
      if (p) return { value: p.value, source: { kind: 'inherited', from: up } };
      up = parentOf(up);
    }
  }
  if (def?.default !== undefined) return { value: def.default, source: { kind: 'default' } };
  return undefined;
}

/** The effective mountpoint: "none", "legacy" or an absolute host path. */
export function mountpointOf(state: State, name: string): Resolved {
  const r = resolve(state, name, 'mountpoint') ?? { value: '/', source: { kind: 'default' } as Source };
  if (!r.value.startsWith('/')) return r;
  let rel = '';
  if (r.source.kind === 'inherited') rel = name.slice(r.source.from.length + 1);
  else if (r.source.kind === 'default') rel = name;
  const base = r.value === '/' && rel !== '' ? '' : r.value;
  return { value: rel === '' ? base : `${base}/${rel}`, source: r.source };
}
