// zfs hold / release / holds: user holds keep a snapshot from being destroyed.
import { ZfsError } from './errors.js';
import type { FakeEnv } from './env.js';
import { getopt, has, usageError } from './getopt.js';
import { descendantsOf, openTyped } from './model.js';
import { splitSnap } from './names.js';
import { type State, mutate, nowSeconds, readState } from './state.js';
import { renderTable } from './table.js';
import { formatCreation } from './nicenum.js';

const HOLD_USAGE = '\thold [-r] <tag> <snapshot> ...';
const RELEASE_USAGE = '\trelease [-r] <tag> <snapshot> ...';
const HOLDS_USAGE = '\tholds [-rH] <snapshot> ...';

/** The named snapshots, plus with -r the same snapshot of every descendant. */
function targets(state: State, snaps: readonly string[], recursive: boolean, spec: { usage: string }): string[] {
  const out: string[] = [];
  for (const s of snaps) {
    if (!s.includes('@')) usageError(spec, `'${s}' is not a snapshot`);
    const [ds, snap] = splitSnap(s);
    openTyped(state, ds, ['filesystem', 'volume']);
    out.push(s);
    if (recursive) for (const d of descendantsOf(state, ds)) if (state.objects[`${d}@${snap}`]) out.push(`${d}@${snap}`);
  }
  return out;
}

async function holdOrRelease(env: FakeEnv, argv: readonly string[], hold: boolean): Promise<number> {
  const spec = { short: 'rt', usage: hold ? HOLD_USAGE : RELEASE_USAGE };
  const p = getopt(argv, spec);
  const [tag, ...snaps] = p.args;
  if (tag === undefined || snaps.length === 0) usageError(spec, tag === undefined ? 'missing tag argument' : 'missing snapshot argument');
  if (hold && tag.startsWith('.')) usageError(spec, "tag may not start with '.'");
  await mutate(env, (state) => {
    const list = targets(state, snaps, has(p, 'r'), spec);
    let errors = '';
    for (const s of list) {
      const o = state.objects[s];
      const what = hold ? `cannot hold snapshot '${s}'` : `cannot release hold from snapshot '${s}'`;
      if (!o) errors += `${what}: dataset does not exist\n`;
      else if (hold && o.holds?.[tag] !== undefined) errors += `${what}: tag already exists on this dataset\n`;
      else if (!hold && o.holds?.[tag] === undefined) errors += `${what}: no such tag on this dataset\n`;
    }
    if (errors !== '') throw new ZfsError(errors);
    for (const s of list) {
      const o = state.objects[s];
      if (!o) continue;
      const holds = { ...(o.holds ?? {}) };
      if (hold) holds[tag] = nowSeconds();
      else delete holds[tag];
      o.holds = holds;
    }
  });
  return 0;
}

export const zfsHold = (env: FakeEnv, argv: readonly string[]) => holdOrRelease(env, argv, true);
export const zfsRelease = (env: FakeEnv, argv: readonly string[]) => holdOrRelease(env, argv, false);

export async function zfsHolds(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'rHp', usage: HOLDS_USAGE };
  const p = getopt(argv, spec);
  if (p.args.length === 0) usageError(spec, 'missing snapshot argument');
  const state = readState(env);
  const rows: string[][] = [];
  for (const s of targets(state, p.args, has(p, 'r'), spec)) {
    const o = state.objects[s];
    if (!o) throw new ZfsError(`cannot open '${s}': dataset does not exist\n`);
    for (const [tag, t] of Object.entries(o.holds ?? {}).sort()) {
      rows.push([s, tag, has(p, 'p') ? String(t) : formatCreation(t, '0')]);
    }
  }
  const cols = ['NAME', 'TAG', 'TIMESTAMP'].map((header) => ({ header, rightAlign: false }));
  if (rows.length > 0 || !has(p, 'H')) process.stdout.write(renderTable(cols, rows, has(p, 'H')));
  return 0;
}
