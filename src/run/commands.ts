// Small helpers over Host.run: run a command and turn failure into a
// HostCommandError that says what was being attempted.
import { HostCommandError } from '../errors.js';
import type { Host, RunOptions, RunResult } from '../host/host.js';

export function succeeded(r: RunResult): boolean {
  return r.exitCode === 0 && r.signal === null;
}

export async function must(host: Host, argv: readonly string[], attempted: string, opts?: RunOptions): Promise<RunResult> {
  const r = await host.run(argv, opts);
  if (!succeeded(r)) throw new HostCommandError(attempted, r);
  return r;
}

/** A log sink: the CLI prints these lines; tests collect them. */
export type Log = (line: string) => void;

export function quoteArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
