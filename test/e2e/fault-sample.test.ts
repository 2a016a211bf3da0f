// A deterministic sample of the fault matrix (scripts/fault-matrix.ts runs
// every cell): each cell faults one command of a save, restore or
// restore --force on a pristine fake host and asserts the host ends old or
// new, never half, and that the next run without a fault gives the new state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanRun, plannedRun, runCell, type Expected } from '../../scripts/lib/fault-check.js';
import { buildLab, type Fault, type Lab, type ScenarioName } from '../../scripts/lib/fault-lab.js';

let work: string;
let lab: Lab;
const expected = new Map<ScenarioName, Expected>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'zbak-fault-sample-'));
  lab = await buildLab(work);
  const restore = await cleanRun(lab, lab.scenarios.restore, join(work, 'clean'));
  expected.set('restore', restore);
  // --force ends where a plain restore ends; its commands are its dry run's (the plan is the program).
  expected.set('restore --force', await plannedRun(lab, lab.scenarios['restore --force'], join(work, 'clean'), restore.new));
  expected.set('save', await cleanRun(lab, lab.scenarios.save, join(work, 'clean')));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The 1-based index of the `nth` command matching `re` in the scenario's clean run. */
function commandAt(scenario: ScenarioName, re: RegExp, nth = 1): number {
  const commands = expected.get(scenario)!.commands;
  const hits = commands.flatMap((c, i) => (re.test(c) ? [i + 1] : []));
  expect(hits.length, `${scenario}: commands matching ${re}:\n${commands.join('\n')}`).toBeGreaterThanOrEqual(nth);
  return hits[nth - 1]!;
}

const cells: Array<{ title: string; scenario: ScenarioName; fault: Fault; at: () => number; verdict: 'old' | 'new' | 'journaled' }> = [
  // After vmadm create: the journal is left and the next run takes the half-made zone back first.
  { title: 'restore: SIGKILL at the third zone receive', scenario: 'restore', fault: 'SIGKILL', at: () => commandAt('restore', /^zfs receive -u -F zones\//, 3), verdict: 'journaled' },
  {
    title: '--force: SIGKILL right after the old datasets were renamed aside (before vmadm delete)',
    scenario: 'restore --force',
    fault: 'SIGKILL',
    at: () => commandAt('restore --force', /^vmadm delete /),
    verdict: 'journaled',
  },
  { title: 'restore: fail at vmadm create', scenario: 'restore', fault: 'fail', at: () => commandAt('restore', /^vmadm create/), verdict: 'old' },
  { title: '--force: SIGINT at the second zone receive (old zone aside, new one half received)', scenario: 'restore --force', fault: 'SIGINT', at: () => commandAt('restore --force', /^zfs receive -u -F zones\//, 2), verdict: 'old' },
  { title: 'save: fail at the second send', scenario: 'save', fault: 'fail', at: () => commandAt('save', /^zfs send /, 2), verdict: 'old' },
  { title: 'save: SIGKILL at the fourth send', scenario: 'save', fault: 'SIGKILL', at: () => commandAt('save', /^zfs send /, 4), verdict: 'old' },
];

describe('fault sample: old or new, never half; the next run succeeds', () => {
  for (const c of cells) {
    it(c.title, async () => {
      const n = c.at();
      const r = await runCell(lab, lab.scenarios[c.scenario], expected.get(c.scenario)!, n, c.fault, join(work, 'cell'));
      expect(r.verdict, `${c.scenario} n=${n} ${c.fault}: ${r.reason}`).not.toBe('FAILED');
      expect(r.verdict).toBe(c.verdict);
    });
  }
});
