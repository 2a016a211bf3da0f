// The fault hook (ZBAK_FAULT_AT): run() and spawn() share one count from 1,
// and only the n-th command is replaced by the injected failure.
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { LocalHost } from '../../src/host/local-host.js';
import { FaultCounter, INJECTED_STDERR, parseFaultSpec } from '../../src/host/fault-hook.js';
import { UsageError } from '../../src/errors.js';
import { receiveFrom, sendInto } from '../../src/run/streams.js';
import { HostCommandError } from '../../src/errors.js';

const node = (script: string): string[] => [process.execPath, '-e', script];

describe('parseFaultSpec', () => {
  it('reads n and the action; fail is the default', () => {
    expect(parseFaultSpec(undefined)).toBeUndefined();
    expect(parseFaultSpec('')).toBeUndefined();
    expect(parseFaultSpec('3')).toEqual({ at: 3, action: 'fail' });
    expect(parseFaultSpec('12:SIGINT')).toEqual({ at: 12, action: 'SIGINT' });
    expect(parseFaultSpec('1:SIGKILL')).toEqual({ at: 1, action: 'SIGKILL' });
  });

  it('refuses anything else with a usage error', () => {
    for (const bad of ['0', '-1', 'x', '2:kill', '2:', '2:sigint']) expect(() => parseFaultSpec(bad), bad).toThrow(UsageError);
  });
});

describe('FaultCounter', () => {
  it('fires once, at the n-th command only', () => {
    const c = new FaultCounter({ at: 3, action: 'SIGINT' });
    expect([c.next(), c.next(), c.next(), c.next(), c.next()]).toEqual([undefined, undefined, 'SIGINT', undefined, undefined]);
    expect(c.count).toBe(5);
    const none = new FaultCounter(undefined);
    expect([none.next(), none.next()]).toEqual([undefined, undefined]);
  });
});

describe('LocalHost with a fault at n', () => {
  it('counts run() and spawn() together: the 3rd command (a spawn) fails without running', async () => {
    const host = new LocalHost('/', new FaultCounter({ at: 3, action: 'fail' }));
    const r1 = await host.run(node('process.stdout.write("one")'));
    expect(r1.exitCode).toBe(0);
    expect(r1.stdout).toBe('one');
    // 2nd: a spawn that runs.
    const sent = await sendInto(host, node('process.stdout.write("two")'), 'send two', async (d) => {
      const chunks: Buffer[] = [];
      for await (const c of d) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString();
    });
    expect(sent).toBe('two');
    // 3rd: a spawned receive gets the fault: it swallows the stream and fails like a command would.
    const err = await receiveFrom(host, node('process.exit(0)'), 'receive three', Readable.from([Buffer.from('data')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostCommandError);
    expect((err as Error).message).toContain('injected fault');
    // 4th runs again.
    const r4 = await host.run(node('process.stdout.write("four")'));
    expect(r4.stdout).toBe('four');
  });

  it('a faulted run() is exit 1 with the injected stderr, and the command does not run', async () => {
    const host = new LocalHost('/', new FaultCounter({ at: 1, action: 'fail' }));
    const r = await host.run(node('process.stdout.write("ran")'));
    expect(r).toMatchObject({ exitCode: 1, signal: null, stdout: '', stderrTail: INJECTED_STDERR });
  });

  it('a faulted send gives an empty stream and a failed exit', async () => {
    const host = new LocalHost('/', new FaultCounter({ at: 1, action: 'fail' }));
    const err = await sendInto(host, node('process.stdout.write("x")'), 'send one', async (d) => {
      let n = 0;
      for await (const c of d) n += (c as Buffer).length;
      return n;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostCommandError);
    expect((err as Error).message).toContain('injected fault');
  });
});
