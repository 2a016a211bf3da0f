// --dry-run: the restore plan's steps exactly as the executor runs them, with
// what each one's undo is, so an operator sees what a failure would take back.
import type { Log } from './commands.js';
import type { RestorePlan } from '../plan/restore-plan.js';
import { stepLine } from './step-line.js';
import { humanBytes } from '../model/bytes.js';
import { printable } from '../model/printable.js';

export function printRestorePlan(plan: RestorePlan, rawLog: Log, notes: readonly string[] = []): void {
  // Alias, image names and payload notes come from the archive.
  const log: Log = (line) => rawLog(printable(line));
  log(`plan: restore zone ${plan.uuid}${plan.alias ? ` (${plan.alias})` : ''} into pool ${plan.pool}`);
  if (plan.space) log(`  space: needs about ${humanBytes(plan.space.needed)}; pool has ${humanBytes(plan.space.available)}`);
  if (plan.replaces) {
    log(`  --force: the existing zone is kept aside until the new one is complete, then its datasets are destroyed: ${plan.replaces.datasets.join(', ')}`);
  }
  if (plan.payloadChanges.length > 0) log(`  vmadm create payload: ${plan.payloadChanges.join(', ')}`);
  for (const line of globalReachLines(plan)) log(`  ${line}`);
  log('  on any failure or interrupt before "commit", the undo steps of what was done run newest first');
  for (const note of notes) log(`  ${note}`);
  plan.steps.forEach((step, i) => {
    log(`  ${i + 1}. ${stepLine(step)}`);
    for (const u of step.undo ?? []) log(`       undo: ${stepLine(u)}`);
  });
}

/** What restore withholds from (or, on request, keeps in) the payload; shown with the plan and after a restore. */
export function globalReachLines(plan: RestorePlan): string[] {
  const { withheld, allowed } = plan.globalReach;
  return [
    ...withheld.map((w) => `withheld (global-zone reach; --allow-global-reach restores it): ${w}`),
    ...allowed.map((a) => `restored on request (--allow-global-reach): ${a}`),
  ];
}
