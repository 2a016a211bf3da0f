// One printed line per plan step, shared by the save and restore dry runs (and the
// e2e check that compares them with what runs).
import { quoteArgv } from './commands.js';
import type { Step } from '../plan/steps.js';

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
    case 'compress':
      return `${quoteArgv(step.argv)}   # ${step.what}`;
    case 'send':
      return `${quoteArgv(step.argv)} > stream ${step.streamId}   # ${step.what}`;
    case 'publish':
      return `publish ${step.path}   # ${step.what}`;
  }
}
