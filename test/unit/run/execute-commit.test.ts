// After the commit the undo list gives way to the clean-up still to run, so a
// restore killed (or failing) between the commit and its clean-up is finished
// by the next run's recovery instead of leaving the work dataset behind.
import { describe, expect, it } from 'vitest';
import type { Host, RunResult } from '../../../src/host/host.js';
import type { Step } from '../../../src/plan/steps.js';
import { executeSteps, runUndo } from '../../../src/run/execute.js';
import { Journal, journalPath } from '../../../src/run/journal.js';

/** A host that records commands, fails those in `failing`, and keeps files in memory. */
function memoryHost(failing: string[] = []): Host & { ran: string[]; files: Map<string, string> } {
  const files = new Map<string, string>();
  const ran: string[] = [];
  const result = (argv: readonly string[], ok: boolean): RunResult => ({ argv, exitCode: ok ? 0 : 1, signal: null, stdout: '', stderrTail: ok ? '' : 'boom\n', durationMs: 0 });
  return {
    ran,
    files,
    run: async (argv) => {
      ran.push(argv.join(' '));
      return result(argv, !failing.includes(argv.join(' ')));
    },
    spawn: () => {
      throw new Error('no streams here');
    },
    readFile: async (p) => files.get(p),
    writeFile: async (p, d) => void files.set(p, d),
    appendFile: async (p, d) => void files.set(p, (files.get(p) ?? '') + d),
    removeFile: async (p) => void files.delete(p),
    lock: async () => async () => undefined,
  };
}

const run = (kind: Step['kind'], cmd: string, undo?: Step[]): Step => ({ kind, op: 'run', what: cmd, argv: cmd.split(' '), ...(undo ? { undo } : {}) });
const steps: Step[] = [
  run('make-work', 'zfs create zones/zbak-u', [run('undo', 'zfs destroy zones/zbak-u')]),
  { kind: 'commit', op: 'commit', what: 'commit' },
  run('clean-up', 'zfs destroy -r zones/zbak-u'),
];
const log = (): void => undefined;

describe('executeSteps around the commit', () => {
  it('a clean run leaves no journal', async () => {
    const host = memoryHost();
    await executeSteps(host, steps, { journal: Journal.create(host, 'u'), log });
    expect(host.ran).toEqual(['zfs create zones/zbak-u', 'zfs destroy -r zones/zbak-u']);
    expect(host.files.has(journalPath('u'))).toBe(false);
  });

  it('a failed clean-up is not undone; the journal holds it and the next recovery runs it', async () => {
    const host = memoryHost(['zfs destroy -r zones/zbak-u']);
    await expect(executeSteps(host, steps, { journal: Journal.create(host, 'u'), log })).rejects.toThrow(/failed after the zone was complete/);
    expect(host.ran).not.toContain('zfs destroy zones/zbak-u');
    const left = await Journal.load(host, 'u');
    expect(left && (await left.groups()).flat().map((s) => s.kind)).toEqual(['clean-up']);
    const next = memoryHost();
    for (const [p, d] of host.files) next.files.set(p, d);
    expect(await runUndo(next, (await Journal.load(next, 'u'))!, log)).toBe(true);
    expect(next.ran).toEqual(['zfs destroy -r zones/zbak-u']);
    expect(next.files.has(journalPath('u'))).toBe(false);
  });
});
