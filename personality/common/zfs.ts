// The only way the personality changes or reads ZFS: the `zfs` command found
// in PATH (the fake in tests, real OpenZFS in the lab), argument arrays only.
import { execa } from 'execa';

export interface ZfsResult {
  args: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A zfs command that failed; the message is zfs's own stderr, as VM.js reports it. */
export class ZfsCommandError extends Error {
  override name = 'ZfsCommandError' as const;
  constructor(readonly result: ZfsResult) {
    super(result.stderr.trim() || `zfs ${result.args.join(' ')} exited ${result.exitCode}`);
  }
}

/** Runs `zfs <args>` to completion; never rejects on a non-zero exit. */
export async function runZfs(args: readonly string[]): Promise<ZfsResult> {
  const r = await execa('zfs', [...args], { reject: false, stdin: 'ignore', stripFinalNewline: false });
  const exitCode = typeof r.exitCode === 'number' ? r.exitCode : 1;
  const stderr = typeof r.stderr === 'string' ? r.stderr : '';
  const spawnProblem = r.failed && r.exitCode === undefined ? String(r.message) : '';
  return { args, exitCode, stdout: typeof r.stdout === 'string' ? r.stdout : '', stderr: stderr || spawnProblem };
}

/** Runs `zfs <args>` and throws ZfsCommandError unless it exits 0. */
export async function zfs(args: readonly string[]): Promise<string> {
  const r = await runZfs(args);
  if (r.exitCode !== 0) throw new ZfsCommandError(r);
  return r.stdout;
}

/** Splits `zfs ... -H` output into rows of tab-separated fields. */
export function splitRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/** True when the dataset (or snapshot) exists. */
export async function datasetExists(name: string): Promise<boolean> {
  const r = await runZfs(['list', '-H', '-o', 'name', '-t', 'all', name]);
  return r.exitCode === 0;
}

/** Names of every pool, via the pools' root datasets (no zpool command needed). */
export async function listPools(): Promise<string[]> {
  const r = await runZfs(['list', '-H', '-o', 'name', '-d', '0']);
  if (r.exitCode !== 0) return [];
  return splitRows(r.stdout).map((row) => row[0] ?? '').filter((n) => n.length > 0);
}
