// zfs_iter_dependents(): everything that must go before a dataset or
// snapshot can be destroyed, in the post-order real zfs visits them
// (children, then snapshots with their clones, each after its own dependents).
import { childrenOf, clonesOf, snapshotsOf } from './model.js';
import type { State } from './state.js';

export function dependentsOf(state: State, name: string): string[] {
  const out: string[] = [];
  const stack = new Set<string>();
  const visit = (n: string, first: boolean): void => {
    if (stack.has(n)) return;
    stack.add(n);
    if (n.includes('@')) {
      for (const c of clonesOf(state, n)) visit(c, false);
    } else {
      for (const c of childrenOf(state, n)) visit(c, false);
      for (const s of snapshotsOf(state, n)) visit(s, false);
    }
    stack.delete(n);
    if (!first) out.push(n);
  };
  visit(name, true);
  return out;
}
