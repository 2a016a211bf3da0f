import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { executeSteps, runUndo } from '../../../src/run/execute.js';
import { Journal, journalPath } from '../../../src/run/journal.js';
import type { Step } from '../../../src/plan/steps.js';
import { MemoryHost, argvIs } from '../../support/memory-host.js';

const run = (argv: string, undo?: string[], extra: Partial<Step> = {}): Step =>
  ({
    kind: 'receive',
    op: 'run',
    what: argv,
    argv: argv.split(' '),
    ...(undo ? { undo: undo.map((u) => ({ kind: 'undo', op: 'run', what: u, argv: u.split(' ') })) } : {}),
    ...extra,
  }) as Step;
const log = (): void => undefined;

describe('the executor', () => {
  it('runs the steps in order; on a failure runs the earned undo steps newest first and names the step', async () => {
    const host = new MemoryHost([{ match: argvIs('zfs rename b'), exitCode: 1, stderr: 'cannot rename' }]);
    const steps = [run('zfs create a', ['zfs destroy a']), run('vmadm create', ['vmadm delete u']), run('zfs rename b c', ['zfs rename c b'])];
    await expect(executeSteps(host, steps, { journal: Journal.create(host, 'u'), log })).rejects.toThrow(/cannot zfs rename b c: zfs exited 1: cannot rename/);
    expect(host.ran).toEqual(['zfs create a', 'vmadm create', 'zfs rename b c', 'vmadm delete u', 'zfs destroy a']);
    expect(host.files.has(journalPath('u'))).toBe(false);
  });

  it('tolerates only the stderr a step names', async () => {
    const host = new MemoryHost([{ match: argvIs('zfs umount'), exitCode: 1, stderr: "cannot unmount 'x': not currently mounted" }]);
    await executeSteps(host, [run('zfs umount x', undefined, { tolerate: 'notMounted' })], { journal: Journal.create(host, 'u'), log });
    await expect(executeSteps(host, [run('zfs umount x', undefined, { tolerate: 'missing' })], { journal: Journal.create(host, 'u'), log })).rejects.toThrow();
  });

  it('journals the undo list on the host after each step, so a killed run is taken back by the next', async () => {
    const host = new MemoryHost([{ match: argvIs('zfs rename b'), exitCode: 1 }]);
    const journal = Journal.create(host, 'u');
    await journal.push([{ kind: 'undo', op: 'run', what: 'x', argv: ['zfs', 'destroy', 'a'] }]);
    expect(JSON.parse(host.files.get(journalPath('u'))!)).toMatchObject({ zbakJournal: 1, groups: [[{ argv: ['zfs', 'destroy', 'a'] }]] });
    // A new process finds it and undoes it.
    const left = await Journal.load(host, 'u');
    await runUndo(host, left!, log);
    expect(host.ran).toEqual(['zfs destroy a']);
    expect(host.files.has(journalPath('u'))).toBe(false);
  });

  it('an undo step that fails stays in the journal, so the next run or zbak recover tries it again', async () => {
    const host = new MemoryHost([{ match: argvIs('zfs destroy b'), exitCode: 1, stderr: 'dataset is busy' }]);
    const journal = Journal.create(host, 'u');
    await journal.push([{ kind: 'undo', op: 'run', what: 'destroy a', argv: ['zfs', 'destroy', 'a'] }]);
    await journal.push([{ kind: 'undo', op: 'run', what: 'destroy b', argv: ['zfs', 'destroy', 'b'] }]);
    expect(await runUndo(host, (await Journal.load(host, 'u'))!, log)).toBe(false);
    expect(host.ran).toEqual(['zfs destroy b', 'zfs destroy a']);
    expect(JSON.parse(host.files.get(journalPath('u'))!)).toMatchObject({ groups: [[{ argv: ['zfs', 'destroy', 'b'] }]] });
    // Once the operator has freed it, the retry succeeds and the journal is gone.
    host.rules.length = 0;
    expect(await runUndo(host, (await Journal.load(host, 'u'))!, log)).toBe(true);
    expect(host.ran.slice(2)).toEqual(['zfs destroy b']);
    expect(host.files.has(journalPath('u'))).toBe(false);
  });

  it('a write-file step puts back the file that was there (an imgadm record another restore wrote)', async () => {
    const host = new MemoryHost([{ match: argvIs('zfs receive'), exitCode: 1 }]);
    host.files.set('/var/imgadm/images/zones-i.json', 'theirs');
    const steps: Step[] = [
      { kind: 'install-image', op: 'write-file', what: 'record', path: '/var/imgadm/images/zones-i.json', content: 'ours' },
      run('zfs receive zones/i-partial'),
    ];
    await expect(executeSteps(host, steps, { journal: Journal.create(host, 'u'), log })).rejects.toThrow();
    expect(host.files.get('/var/imgadm/images/zones-i.json')).toBe('theirs');
    host.files.delete('/var/imgadm/images/zones-i.json');
    await expect(executeSteps(host, steps, { journal: Journal.create(host, 'u'), log })).rejects.toThrow();
    expect(host.files.has('/var/imgadm/images/zones-i.json')).toBe(false);
  });

  it('after the commit nothing is undone; warn-only steps go on', async () => {
    const host = new MemoryHost([{ match: argvIs('zfs destroy old'), exitCode: 1, stderr: 'busy' }]);
    const lines: string[] = [];
    const steps: Step[] = [
      run('vmadm create', ['vmadm delete u']),
      { kind: 'commit', op: 'commit', what: 'done' },
      run('zfs destroy old', undefined, { warnOnly: true }),
      run('zfs destroy work'),
    ];
    await executeSteps(host, steps, { journal: Journal.create(host, 'u'), log: (l) => lines.push(l) });
    expect(host.ran).toEqual(['vmadm create', 'zfs destroy old', 'zfs destroy work']);
    expect(lines.join('\n')).toMatch(/warning: .*busy/);
  });

  it('an interrupt between steps undoes what was done and reports the interrupt', async () => {
    const host = new MemoryHost();
    const ac = new AbortController();
    const steps = [run('zfs create a', ['zfs destroy a']), { ...run('zfs create b'), what: 'b' }];
    host.run = async (argv) => {
      if (argv.join(' ') === 'zfs create a') ac.abort(new Error('interrupted by SIGINT'));
      return MemoryHost.prototype.run.call(host, argv);
    };
    await expect(executeSteps(host, steps, { journal: Journal.create(host, 'u'), log, signal: ac.signal })).rejects.toThrow(/SIGINT/);
    expect(host.ran).toEqual(['zfs create a', 'zfs destroy a']);
  });

  it('feeds a receive step with its stream', async () => {
    const host = new MemoryHost();
    const streams = { take: async () => Readable.from([Buffer.from('abc')]), done: async () => undefined };
    await executeSteps(host, [{ kind: 'receive', op: 'receive', what: 'r', argv: ['zfs', 'receive', '-u', 'zones/w/new/x'], streamId: 's01' }], {
      journal: Journal.create(host, 'u'),
      log,
      streams,
    });
    expect(host.received.get('zones/w/new/x')?.toString()).toBe('abc');
  });
});
