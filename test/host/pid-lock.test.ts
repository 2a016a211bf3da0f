// The zone lock records its holder's pid: a dead holder's lock is taken at once,
// a live holder refuses at once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadPid } from '../support/dead-pid.js';
import { takePidLock } from '../../src/host/pid-lock.js';
import { LockedError } from '../../src/errors.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-lock-'));
  file = join(dir, 'zone.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});


const record = (pid: number): string => `${JSON.stringify({ pid, token: '0123456789abcdef', since: '2026-01-01T00:00:00.000Z' })}\n`;

describe('pid lock', () => {
  it('takes a free lock, records this pid, and release removes it (no other files left)', async () => {
    const release = await takePidLock(file, 'zone');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    expect(await readdir(dir)).toEqual(['zone.lock']);
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a lock left by a dead pid is taken at once', async () => {
    await writeFile(file, record(await deadPid()));
    const release = await takePidLock(file, 'zone');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('an empty or garbled lock file (older zbak, or not ours) is taken over', async () => {
    await writeFile(file, '');
    await (await takePidLock(file, 'zone'))();
    await writeFile(file, '{"pid": "nope"}');
    await (await takePidLock(file, 'zone'))();
    expect(await readdir(dir)).toEqual([]);
  });

  it('a live holder refuses at once with LockedError naming the pid; its lock stays', async () => {
    const sleeper = execa('sleep', ['30']);
    try {
      await writeFile(file, record(sleeper.pid!));
      const err = await takePidLock(file, 'zone').then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(LockedError);
      expect((err as Error).message).toBe(
        `another zbak is working on zone (lock ${file}, held by pid ${sleeper.pid} since 2026-01-01T00:00:00.000Z; if that process is not zbak, remove the file); wait for it to finish`,
      );
      expect(await readFile(file, 'utf8')).toBe(record(sleeper.pid!));
      expect(await readdir(dir)).toEqual(['zone.lock']);
    } finally {
      sleeper.kill();
      await sleeper.catch(() => undefined);
    }
  });

  it('contenders for a dead holder\'s lock: exactly one gets it, every time', async () => {
    const dead = await deadPid();
    // Many rounds: the interleavings differ from round to round.
    for (let round = 0; round < 40; round++) {
      await writeFile(file, record(dead));
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => takePidLock(file, 'zone')));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockedError);
      await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
      expect(await readdir(dir)).toEqual([]);
    }
  });

  it('a takeover lock left by a dead process does not block the next one', async () => {
    await writeFile(file, record(await deadPid()));
    await writeFile(`${file}.takeover`, record(await deadPid()));
    await (await takePidLock(file, 'zone'))();
    expect(await readdir(dir)).toEqual([]);
  });
});
