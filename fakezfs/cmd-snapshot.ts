// zfs snapshot: several names in one call are one atomic operation.
import { ZfsError } from './errors.js';
import type { FakeEnv } from './env.js';
import { getopt, has, usageError, values } from './getopt.js';
import { descendantsOf } from './model.js';
import { nameProblem, poolOf, splitSnap } from './names.js';
import { checkProps, parsePropArgs } from './propargs.js';
import { freezeSnapshot, dropSnapshotContent } from './content.js';
import { mutate, newGuid, newId, nextTxg, nowSeconds } from './state.js';

const USAGE = '\tsnapshot [-r] [-o property=value] ... <filesystem|volume>@<snap> ...';

export async function zfsSnapshot(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: 'ro:', usage: USAGE };
  const p = getopt(argv, spec);
  if (p.args.length === 0) usageError(spec, 'missing snapshot argument');
  const multiple = p.args.length > 1 || has(p, 'r');
  const propArgs = parsePropArgs(values(p, 'o'));
  await mutate(env, (state) => {
    const wanted: string[] = [];
    for (const arg of p.args) {
      if (!arg.includes('@')) usageError(spec);
      const [ds, snap] = splitSnap(arg);
      const o = state.objects[ds];
      if (!o || o.type === 'snapshot') {
        const why = o ? 'operation not applicable to datasets of this type' : 'dataset does not exist';
        usageError(spec, `cannot open '${ds}': ${why}`);
      }
      wanted.push(arg);
      if (has(p, 'r')) for (const d of descendantsOf(state, ds)) wanted.push(`${d}@${snap}`);
    }
    for (const w of wanted) {
      const why = nameProblem(w, 'snapshot');
      if (why) throw new ZfsError(`cannot create snapshot '${w}': ${why}\n`);
    }
    const seen = new Set<string>();
    for (const w of wanted) {
      const ds = splitSnap(w)[0];
      if (seen.has(ds)) {
        throw new ZfsError(`cannot create snapshots : multiple snapshots of same fs not allowed\n${multiple ? 'no snapshots were created\n' : ''}`);
      }
      seen.add(ds);
    }
    const props = checkProps(propArgs, 'snapshot', `cannot create snapshot '${wanted[0]}'`, true);
    const existing = wanted.filter((w) => state.objects[w]);
    if (existing.length > 0) {
      const lines = existing.map((w) => `cannot create snapshot '${w}': dataset already exists\n`).join('');
      throw new ZfsError(lines + (multiple ? 'no snapshots were created\n' : ''));
    }
    const txg = nextTxg(state, poolOf(wanted[0] ?? ''));
    const made: string[] = [];
    try {
      for (const w of wanted) {
        const id = newId();
        freezeSnapshot(env, state, splitSnap(w)[0], id);
        made.push(id);
        state.objects[w] = { type: 'snapshot', guid: newGuid(state), id, createtxg: txg, creation: nowSeconds(), props: { ...props } };
      }
    } catch (e) {
      // All or none: drop what was already frozen; the state is not saved.
      for (const g of made) dropSnapshotContent(env, g);
      throw e;
    }
  });
  return 0;
}
