#!/usr/bin/env node
// node dist/fakezfs/run-scenarios.js --pool zones [--json out.json] [--only N,M] [--keep]
// Runs every scenario with the `zfs` first in PATH and prints one line each,
// then "N passed, M failed". Exit status 1 when any failed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ScenarioReport, runScenario } from './scenario-run.js';
import { SCENARIOS } from './scenarios.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      pool: { type: 'string', default: 'zones' },
      json: { type: 'string' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const only = values.only?.split(',').map(Number);
  const scratch = mkdtempSync(join(tmpdir(), 'zfs-scenarios-'));
  const reports: ScenarioReport[] = [];
  try {
    for (const [i, sc] of SCENARIOS.entries()) {
      const id = i + 1;
      if (only && !only.includes(id)) continue;
      const r = await runScenario(id, sc, values.pool ?? 'zones', scratch, { keep: values.keep ?? false });
      reports.push(r);
      const tail = r.failure ? `\n    step ${r.failure.step}: ${r.failure.what}\n    ${r.failure.detail}` : '';
      process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${String(id).padStart(2)} ${sc.name} (${r.ms} ms)${tail}\n`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const failed = reports.filter((r) => !r.ok).length;
  process.stdout.write(`${reports.length - failed} passed, ${failed} failed\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(reports, null, 2)}\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`run-scenarios: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
