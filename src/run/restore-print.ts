// --dry-run: the restore plan's steps exactly as the executor runs them, with
// what each one's undo is, so an operator sees what a failure would take back.
import { quoteArgv, type Log } from './commands.js';
import type { RestorePlan } from '../plan/restore-plan.js';
import type { Step } from '../plan/steps.js';
import { humanBytes } from '../model/bytes.js';
import { printable } from '../model/printable.js';

/** One line per step: the command (or file / stream action) and why. */
export function stepLine(step: Step): string {
  switch (step.op) {
    case 'run':
      return `${quoteArgv(step.argv)}${step.input !== undefined ? ' < payload' : ''}   # ${step.what}`;
    case 'receive':
      return `${quoteArgv(step.argv)} < stream ${step.streamId}   # ${step.what}`;
    case 'drain':
      return `read stream ${step.streamId}   # ${step.what}`;
    case 'write-file':
      return `write ${step.path}   # ${step.what}`;
    case 'remove-file':
      return `remove ${step.path}   # ${step.what}`;
    case 'expect-snapshots':
      return `${quoteArgv(step.argv)}   # check: ${step.what}`;
    case 'archive-end':
      return `read to the end of the archive   # ${step.what}`;
    case 'commit':
      return `commit   # ${step.what}`;
    case 'read':
      return `${quoteArgv(step.argv)}   # ${step.what}`;
    case 'send':
      return `${quoteArgv(step.argv)} > stream ${step.streamId}   # ${step.what}`;
    case 'publish':
      return `publish ${step.path}   # ${step.what}`;
  }
}

export function printRestorePlan(plan: RestorePlan, rawLog: Log): void {
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
