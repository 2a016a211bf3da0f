// The state lock under contention: many processes doing read-modify-write
// must lose no update, and a lock left by a dead process is taken over.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const LOCK_JS = pathToFileURL(resolve(import.meta.dirname, '../../dist/fakezfs/lock.js')).href;
const dir = mkdtempSync(join(tmpdir(), 'fakezfs-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A worker that increments a counter file `times` times, each under the lock. */
const WORKER = `
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
const { withLock } = await import(process.argv[1]);
const [counter, lock, times] = process.argv.slice(2);
for (let i = 0; i < Number(times); i++) {
  await withLock(lock, async () => {
    const n = Number(readFileSync(counter, 'utf8'));
    await sleep(Math.random() < 0.5 ? 0 : 1);
    writeFileSync(counter, String(n + 1));
  });
}
`;

function worker(counter: string, lock: string, times: number): Promise<number | null> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', WORKER, LOCK_JS, counter, lock, String(times)], { stdio: 'inherit' });
    p.on('close', done);
  });
}

describe('fakezfs state lock', () => {
  it('loses no update when 12 processes contend for it', async () => {
    const counter = join(dir, 'counter');
    const lock = join(dir, 'lock');
    writeFileSync(counter, '0');
    const codes = await Promise.all(Array.from({ length: 12 }, () => worker(counter, lock, 40)));
    expect(codes).toEqual(Array(12).fill(0));
    expect(readFileSync(counter, 'utf8')).toBe(String(12 * 40));
  });

  it('takes over a lock whose owner died', async () => {
    const counter = join(dir, 'counter2');
    const lock = join(dir, 'lock2');
    writeFileSync(counter, '0');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(lock, dead.stdout);
    expect(await worker(counter, lock, 3)).toBe(0);
    expect(readFileSync(counter, 'utf8')).toBe('3');
  });
});
