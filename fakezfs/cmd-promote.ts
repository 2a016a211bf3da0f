// zfs promote: the clone takes over the origin's snapshots up to the origin
// point, and the former parent becomes a clone of it.
import { fail } from './errors.js';
import type { FakeEnv } from './env.js';
import { getopt, usageError } from './getopt.js';
import { openTyped, originName, renameTree, snapshotsOf } from './model.js';
import { splitSnap } from './names.js';
import { mutate } from './state.js';

export async function zfsPromote(env: FakeEnv, argv: readonly string[]): Promise<number> {
  const spec = { short: '', usage: '\tpromote <clone-filesystem>' };
  const p = getopt(argv, spec);
  if (p.args.length !== 1) usageError(spec, p.args.length === 0 ? 'missing clone filesystem argument' : 'too many arguments');
  const name = p.args[0] ?? '';
  await mutate(env, (state) => {
    const clone = openTyped(state, name, ['filesystem', 'volume']);
    const action = `cannot promote '${name}'`;
    const origin = originName(state, name);
    if (origin === undefined) fail(action, 'not a cloned filesystem');
    const [parent] = splitSnap(origin);
    const parentObj = openTyped(state, parent, ['filesystem', 'volume']);
    const limit = state.objects[origin]?.createtxg ?? 0;
    const moving = snapshotsOf(state, parent).filter((s) => (state.objects[s]?.createtxg ?? 0) <= limit);
    for (const s of moving) {
      const snap = splitSnap(s)[1];
      if (state.objects[`${name}@${snap}`]) fail(action, `conflicting snapshot '${snap}' from parent '${parent}'`);
    }
    for (const s of moving) renameTree(state, s, `${name}@${splitSnap(s)[1]}`);
    const originId = clone.originId;
    if (parentObj.originId === undefined) delete clone.originId;
    else clone.originId = parentObj.originId;
    parentObj.originId = originId;
  });
  return 0;
}
