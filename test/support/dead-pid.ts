// The pid of a process that has exited: "a dead holder" for lock and temp-file tests.
import { execa } from 'execa';
import { expect } from 'vitest';
import { pidAlive } from '../../src/host/pid-alive.js';

export async function deadPid(): Promise<number> {
  const child = execa('true');
  const pid = child.pid!;
  await child;
  expect(pidAlive(pid)).toBe(false); // barring reuse within the test
  return pid;
}
