// zfs_for_each(): which datasets `zfs list` and `zfs get` visit, and in what
// order (by name, a dataset's snapshots by createtxg right after it).
import { ZfsError } from './errors.js';
import { type GetoptSpec, type ParsedArgs, last, usageError } from './getopt.js';
import { childrenOf, cmp, openTyped, snapshotsOf } from './model.js';
import { nameProblem, splitSnap } from './names.js';
import { mountedAt } from './mount.js';
import type { State, ZType } from './state.js';

export interface IterOptions {
  recurse: boolean;
  /** -d N; undefined when unlimited. */
  depth?: number;
  types: ReadonlySet<ZType>;
  /** Snapshots are listed when recursing (false for plain `zfs list`). */
  includeSnaps: boolean;
  /** `zfs list` accepts mountpoint paths as arguments. */
  pathsAllowed?: boolean;
}

export interface IterResult {
  names: string[];
  errors: string;
}

/** zfs_compare(): name order, a dataset before its snapshots, snapshots by txg. */
export function compareNames(state: State, a: string, b: string): number {
  const [da, sa] = splitSnap(a);
  const [db, sb] = splitSnap(b);
  const c = cmp(da, db);
  if (c !== 0) return c;
  if (!a.includes('@')) return b.includes('@') ? -1 : 0;
  if (!b.includes('@')) return 1;
  const ta = state.objects[a]?.createtxg ?? 0;
  const tb = state.objects[b]?.createtxg ?? 0;
  return ta - tb || cmp(sa, sb);
}

function resolveArg(state: State, arg: string, allowed: ReadonlySet<ZType>, paths: boolean): string {
  let name = arg;
  if (paths && arg.startsWith('/')) {
    const hit = Object.keys(state.objects).find((n) => mountedAt(state, n) === arg);
    if (!hit) throw new ZfsError(`cannot open '${arg}': not a ZFS filesystem\n`);
    name = hit;
  }
  const why = nameProblem(name, 'any');
  if (why) throw new ZfsError(`cannot open '${name}': ${why}\n`);
  openTyped(state, name, [...allowed]);
  return name;
}

export function iterate(state: State, args: readonly string[], opt: IterOptions): IterResult {
  const found = new Set<string>();
  let errors = '';
  // With no arguments every pool is walked recursively.
  const recurse = opt.recurse || args.length === 0;
  const visit = (name: string, depth: number): void => {
    const o = state.objects[name];
    if (!o) return;
    if (opt.types.has(o.type)) found.add(name);
    if (!recurse || (opt.depth !== undefined && depth >= opt.depth)) return;
    const next = depth + 1;
    const wantFs = opt.types.has('filesystem') || opt.types.has('volume');
    if (o.type === 'filesystem' && (opt.depth === undefined || next < opt.depth || wantFs)) {
      for (const c of childrenOf(state, name)) visit(c, next);
    }
    if (o.type !== 'snapshot' && opt.includeSnaps) {
      for (const s of snapshotsOf(state, name)) visit(s, next);
    }
  };
  if (args.length === 0) {
    const roots = Object.keys(state.pools).filter((p) => state.objects[p]).sort(cmp);
    for (const r of roots) visit(r, 0);
  } else {
    const argTypes = new Set(opt.types);
    if (opt.recurse) {
      argTypes.add('filesystem');
      if (opt.types.has('snapshot')) argTypes.add('volume');
    }
    for (const a of args) {
      try {
        visit(resolveArg(state, a, argTypes, opt.pathsAllowed === true), 0);
      } catch (e) {
        if (!(e instanceof ZfsError)) throw e;
        errors += e.stderr;
      }
    }
  }
  return { names: [...found], errors };
}

/** -t (types, else `fallback`) and -d (depth) as zfs list and zfs get parse them. */
export function typeAndDepth(p: ParsedArgs, spec: GetoptSpec, fallback: readonly ZType[]): { types: Set<ZType>; depth?: number } {
  let types = new Set<ZType>(fallback);
  const typeArg = last(p, 't');
  if (typeArg !== undefined) {
    const t = parseTypes(typeArg);
    if (typeof t === 'string') usageError(spec, `invalid type '${t}'`);
    types = t;
  }
  const depthArg = last(p, 'd');
  if (depthArg === undefined) return { types };
  // parse_depth() of zfs_main.c
  const depth = Number(depthArg);
  if (!Number.isInteger(depth)) usageError(spec, `${depthArg} is not an integer`);
  if (depth < 0) usageError(spec, 'Depth can not be negative.');
  return { types, depth };
}

/** Parses -t: "filesystem,volume,snapshot,snap,all" (bookmarks are ignored). */
function parseTypes(text: string): Set<ZType> | string {
  const out = new Set<ZType>();
  for (const t of text.split(',')) {
    if (t === 'filesystem' || t === 'volume' || t === 'snapshot') out.add(t);
    else if (t === 'snap') out.add('snapshot');
    else if (t === 'all') ['filesystem', 'volume', 'snapshot'].forEach((x) => out.add(x as ZType));
    else if (t !== 'bookmark') return t;
  }
  return out;
}
