// `npm run test:faults`: the fault matrix. For save, restore (zone deleted)
// and restore --force (over the running original) on the fake SmartOS host,
// a clean run counts the commands N; then for every n in 1..N and every fault
// (fail, SIGINT, SIGKILL) zbak runs on a pristine copy of the host with
// ZBAK_FAULT_AT=n:fault, and the host must hold the old state or the new one,
// and the next run without a fault must succeed with the new state (a restore
// killed between two steps may be in between if its journal records the way back).
//   --sample K         every K-th cell only (CI)
//   --scenario NAME    save | restore | force (restore --force)
//   --cell S:N:FAULT[,...]  only these cells (e.g. force:12:SIGKILL), to reproduce a failure
//   --work DIR         where the hosts live (default: a temp dir, removed unless --keep)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanRun, runCell, type CellResult } from './lib/fault-check.js';
import { buildLab, FAULTS, SCENARIOS, type Fault, type ScenarioName } from './lib/fault-lab.js';

interface Args {
  sample: number;
  scenarios: ScenarioName[];
  cells?: Array<{ scenario: ScenarioName; n: number; fault: Fault }>;
  work?: string;
  keep: boolean;
}

function scenarioNamed(s: string): ScenarioName {
  const name = s === 'force' ? 'restore --force' : s;
  if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario '${s}'; use save, restore or force`);
  return name as ScenarioName;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { sample: 1, scenarios: [...SCENARIOS], keep: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--sample') {
      a.sample = Number(value());
      if (!Number.isInteger(a.sample) || a.sample < 1) throw new Error('--sample K: K is a whole number from 1');
    } else if (flag === '--scenario') a.scenarios = [scenarioNamed(value())];
    else if (flag === '--cell') {
      a.cells = value()
        .split(',')
        .map((item) => {
          const [s = '', n = '', f = ''] = item.split(':');
          if (!(FAULTS as readonly string[]).includes(f) || !/^[1-9]\d*$/.test(n)) throw new Error('--cell SCENARIO:N:FAULT[,...], e.g. force:12:SIGKILL');
          return { scenario: scenarioNamed(s), n: Number(n), fault: f as Fault };
        });
      a.scenarios = SCENARIOS.filter((name) => a.cells!.some((c) => c.scenario === name));
    } else if (flag === '--work') a.work = value();
    else if (flag === '--keep') a.keep = true;
    else throw new Error(`unknown option ${flag}; see the top of scripts/fault-matrix.ts`);
  }
  return a;
}

const short = (command: string | undefined): string => {
  if (!command) return '-';
  const text = command.split(' ').map((x) => (x.length > 24 ? `…${x.slice(-12)}` : x)).join(' ');
  return text.length > 44 ? `${text.slice(0, 43)}…` : text;
};

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const work = args.work ?? (await mkdtemp(join(tmpdir(), 'zbak-faults-')));
  const started = Date.now();
  const results: CellResult[] = [];
  try {
    console.log(`fault matrix in ${work}`);
    const lab = await buildLab(work);
    let offset = 0;
    for (const name of args.scenarios) {
      const scenario = lab.scenarios[name];
      const expected = await cleanRun(lab, scenario, join(work, 'clean'));
      console.log(`\n${name}: ${expected.n} commands in a clean run`);
      console.log(`${'scenario'.padEnd(16)} ${'n'.padStart(3)} ${'command'.padEnd(44)} ${'fault'.padEnd(7)} result`);
      for (let n = 1; n <= expected.n; n++) {
        for (const [f, fault] of FAULTS.entries()) {
          if (args.cells && !args.cells.some((c) => c.scenario === name && c.n === n && c.fault === fault)) continue;
          // Every K-th cell, the fault rotating with n so each fault is sampled at every step kind.
          if (!args.cells && (offset + n - 1 + f) % args.sample !== 0) continue;
          const r = await runCell(lab, scenario, expected, n, fault, join(work, 'cell'));
          results.push(r);
          const what = r.verdict === 'FAILED' ? `FAILED ${r.reason}` : `${r.verdict} (${r.reason})`;
          const notes = r.notes.length > 0 ? `  [${r.notes.join('; ')}]` : '';
          console.log(`${name.padEnd(16)} ${String(n).padStart(3)} ${short(expected.commands[n - 1]).padEnd(44)} ${fault.padEnd(7)} ${what}${notes}`);
        }
      }
      offset += expected.n;
    }
  } finally {
    if (!args.keep && args.work === undefined) await rm(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => r.verdict === 'FAILED').length;
  const counts = (v: string): number => results.filter((r) => r.verdict === v).length;
  console.log(`\n${counts('old')} cells ended old, ${counts('new')} new, ${counts('journaled')} killed mid-way and taken back to old by zbak recover; ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`fault matrix: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 2;
  },
);
