import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { counted, silentProgress, tracked, type Progress } from '../../../src/run/progress.js';

function recorder(): Progress & { added: number[] } {
  const added: number[] = [];
  return { enabled: true, added, start: () => undefined, add: (n) => void added.push(n), stop: () => undefined };
}

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('counted', () => {
  it('passes the bytes through unchanged and counts every one', async () => {
    const p = recorder();
    const data = [Buffer.alloc(1000, 1), Buffer.alloc(70_000, 2), Buffer.alloc(3, 3)];
    const out = await collect(counted(Readable.from(data), p));
    expect(out.equals(Buffer.concat(data))).toBe(true);
    expect(p.added.reduce((a, b) => a + b, 0)).toBe(71_003);
  });

  it('hands the chunks on as they came, not joined into new buffers', async () => {
    const data = [Buffer.alloc(512, 1), Buffer.alloc(70_000, 2), Buffer.alloc(3, 3)];
    const src = new Readable({ read() {} });
    const out = counted(src, recorder());
    for (const d of data) src.push(d); // all buffered before the first read
    src.push(null);
    const chunks: Buffer[] = [];
    for await (const c of out) chunks.push(c as Buffer);
    expect(chunks.map((c) => c.length)).toEqual([512, 70_000, 3]);
    expect(chunks[1]!.buffer).toBe(data[1]!.buffer); // the same memory, not a copy
  });

  it('carries an error of the source to the reader', async () => {
    const src = new Readable({ read() {} });
    const out = counted(src, recorder());
    src.push(Buffer.from('abc'));
    setImmediate(() => src.destroy(new Error('part s03/000002 sha256 mismatch')));
    await expect(collect(out)).rejects.toThrow(/sha256 mismatch/);
  });

  it('leaves the stream alone when nobody watches', () => {
    const src = Readable.from([Buffer.from('x')]);
    expect(counted(src, silentProgress)).toBe(src);
  });
});

describe('tracked', () => {
  function calls(): Progress & { log: string[] } {
    const log: string[] = [];
    return { enabled: true, log, start: (l, t) => void log.push(`start ${l} ${t}`), add: () => undefined, stop: (c) => void log.push(`stop ${c === true}`) };
  }

  it('ends the task as completed when it resolves, with its result', async () => {
    const p = calls();
    expect(await tracked(p, 's01 z', 10, async () => 42)).toBe(42);
    expect(p.log).toEqual(['start s01 z 10', 'stop true', 'stop false']);
  });

  it('stops the task, not completed, when it throws, and passes the error on', async () => {
    const p = calls();
    await expect(tracked(p, 'verify', undefined, () => Promise.reject(new Error('bad part')))).rejects.toThrow('bad part');
    expect(p.log).toEqual(['start verify undefined', 'stop false']);
  });
});
