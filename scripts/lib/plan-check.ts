// "The plan is the program", checked on every e2e restore: the same restore is
// run first with --dry-run, then for real, each with ZBAK_TRACE recording every
// command zbak starts. The real run must start exactly the dry run's reads
// followed by the commands of the printed steps, in order.
import { readFile, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { quoteArgv } from '../../src/run/commands.js';

export interface Ran {
  exitCode: number;
  stdout: string;
  stderr: string;
}

type Runner = (args: string[], env: Record<string, string>) => Promise<Ran>;

async function traced(run: Runner, args: string[], env: Record<string, string>, file: string): Promise<{ r: Ran; argvs: string[] }> {
  await rm(file, { force: true });
  const r = await run(args, { ...env, ZBAK_TRACE: file });
  const text = await readFile(file, 'utf8').catch(() => '');
  const argvs = text.split('\n').filter(Boolean).map((l) => quoteArgv(JSON.parse(l) as string[]));
  await rm(file, { force: true });
  return { r, argvs };
}

/** The commands of a printed plan's steps (`  N. <command>   # why`), without stdin notes. */
export function plannedCommands(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^ {2}\d+\. (.*?)(?: {3}# .*)?$/.exec(line);
    if (!m) continue;
    const cmd = m[1]!.replace(/ [<>] (payload|stream (?:\d+:)?s\d+)(; snapshots: .*)?$/, '');
    if (/^(read |write |remove |publish |commit$)/.test(cmd)) continue;
    out.push(cmd);
  }
  return out;
}

/** Whether a zbak invocation gets the dry-run comparison: one zone's save, or a restore. */
export function planChecked(args: readonly string[]): boolean {
  if (args.includes('--dry-run') || args.includes('--progress') || args.includes('-')) return false;
  if (args[0] === 'restore') return true;
  const zones = args.slice(1).filter((a, i, all) => !a.startsWith('-') && !(all[i - 1] ?? '').match(/^--(to|part-size|keep|keep-archives|compress)$/));
  return args[0] === 'save' && !args.includes('--all') && zones.length === 1;
}

/**
 * Runs a save or a restore twice (dry, then real) and throws when the real run's commands are not
 * the dry run's. Copies get one fixed uuid for both runs.
 */
export async function runCheckingPlan(run: Runner, args: string[], env: Record<string, string>, traceFile: string): Promise<Ran> {
  const withUuid = args.includes('--new-uuid') && !args.includes('--copy-uuid') ? [...args, '--copy-uuid', randomUUID()] : args;
  // One clock for both runs of a save, so the snapshot names agree.
  const fixed = { ZBAK_NOW: env.ZBAK_NOW ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(), ...env };
  const dry = await traced(run, [...withUuid, '--dry-run'], fixed, traceFile);
  const real = await traced(run, withUuid, fixed, traceFile);
  if (dry.r.exitCode !== 0 || real.r.exitCode !== 0) return real.r;
  const expected = [...dry.argvs, ...plannedCommands(dry.r.stdout)];
  const got = real.argvs;
  const at = got.findIndex((c, i) => c !== expected[i]);
  if (at !== -1 || got.length !== expected.length) {
    const i = at === -1 ? Math.min(got.length, expected.length) : at;
    throw new Error(
      `${args[0]} ran other commands than its --dry-run printed: at command ${i + 1}, ran ${JSON.stringify(got[i])}, planned ${JSON.stringify(expected[i])}\n` +
        `ran:\n  ${got.join('\n  ')}\nplanned:\n  ${expected.join('\n  ')}`,
    );
  }
  return real.r;
}
