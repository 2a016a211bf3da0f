// save --compress: the flag's grammar, the compress step's place and argv in the plan, its
// printed line (which the e2e plan check reads back as a command), and the executor handing
// it to the archive sink.
import { describe, expect, it } from 'vitest';
import { planSave } from '../../../src/plan/save-plan.js';
import { parseCompress } from '../../../src/cli/commands.js';
import { stepLine } from '../../../src/run/step-line.js';
import { plannedCommands } from '../../../scripts/lib/plan-check.js';
import { executeSteps } from '../../../src/run/execute.js';
import { Journal } from '../../../src/run/journal.js';
import type { Host } from '../../../src/host/host.js';
import type { Step } from '../../../src/plan/steps.js';
import { hostAInventory, HOST_A } from '../../support/fixtures.js';

const SNAP = 'zbak-20261122T050000Z';

describe('--compress', () => {
  it('zstd is level 3, zstd:N takes 1 to 19, anything else is a usage error naming the form', () => {
    expect(parseCompress(undefined)).toEqual({});
    expect(parseCompress('zstd')).toEqual({ compress: { level: 3 } });
    expect(parseCompress('zstd:1')).toEqual({ compress: { level: 1 } });
    expect(parseCompress('zstd:19')).toEqual({ compress: { level: 19 } });
    for (const bad of ['zstd:0', 'zstd:20', 'zstd:', 'gzip', 'zstd:3 ', 'zstd:-1', 'ZSTD'])
      expect(() => parseCompress(bad), bad).toThrow(/^--compress '.*' is not a compression; use zstd or zstd:LEVEL with LEVEL 1 to 19 \(default 3\)$/);
  });
});

describe('planSave with compression', () => {
  it('without it: no compress step (the plan is as before)', () => {
    expect(planSave(hostAInventory(HOST_A.joyent), SNAP, { path: '/a/x.zbak', keep: 1 }).steps.some((s) => s.op === 'compress')).toBe(false);
  });

  it('starts zstd after the GUIDs are read and before the first send, printed as the command it runs', () => {
    const plan = planSave(hostAInventory(HOST_A.joyent), SNAP, { path: '/a/x.zbak', keep: 1, compress: { level: 7, encrypted: true } });
    expect(plan.steps.map((s) => s.op).slice(0, 4)).toEqual(['run', 'read', 'compress', 'send']);
    const step = plan.steps[2]!;
    expect(step).toMatchObject({ kind: 'compress', argv: ['zstd', '-7', '-q', '-c'] });
    expect(stepLine(step)).toBe("zstd -7 -q -c   # the archive's tar goes through zstd (level 7), then age encryption, to the archive file");
    expect(plannedCommands(`  3. ${stepLine(step)}\n`)).toEqual(['zstd -7 -q -c']);
    const toStdout = planSave(hostAInventory(HOST_A.joyent), SNAP, { path: '-', keep: 1, compress: { level: 3 } });
    expect(toStdout.steps[2]!.what).toBe("the archive's tar goes through zstd (level 3) to standard output");
  });

  it('refuses to build a zstd command for a level outside 1 to 19', () => {
    expect(() => planSave(hostAInventory(HOST_A.joyent), SNAP, { path: '-', keep: 1, compress: { level: 22 } })).toThrow(/refusing to build a zstd command for level 22/);
  });

  it('the executor hands the compress step to the archive sink, in order', async () => {
    const seen: string[] = [];
    const host = { run: async () => ({ argv: [], exitCode: 0, signal: null, stdout: '', stderrTail: '', durationMs: 0 }) } as unknown as Host;
    const sink = {
      read: () => void seen.push('read'),
      compress: async (argv: readonly string[]) => void seen.push(`compress ${argv.join(' ')}`),
      send: async () => undefined,
      publish: async () => void seen.push('publish'),
    };
    const steps: Step[] = [
      { kind: 'read-guids', op: 'read', what: 'guids', argv: ['zfs', 'list'] },
      { kind: 'compress', op: 'compress', what: 'zstd', argv: ['zstd', '-3', '-q', '-c'] },
      { kind: 'publish', op: 'publish', what: 'publish', path: '-' },
    ];
    await executeSteps(host, steps, { journal: Journal.memory('u'), log: () => undefined, sink });
    expect(seen).toEqual(['read', 'compress zstd -3 -q -c', 'publish']);
  });
});
