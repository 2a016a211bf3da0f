// The scenario list the lab also runs against real OpenZFS must pass on the
// fake, and its refusals must print what real ZFS printed (recorded in
// fixtures/zfs-stderr). Scenarios use separate prefixes, so they run concurrently.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScenarioReport, runScenario } from '../../fakezfs/scenario-run.js';
import { SCENARIOS } from '../../fakezfs/scenarios.js';
import { type FakeHost, makeHost } from './harness.js';

interface RealRefusal {
  scenario: number;
  step: number;
  code: number;
  stderr: string;
}

const REAL = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../fixtures/zfs-stderr/scenario-refusals.json'), 'utf8')) as {
  refusals: RealRefusal[];
};

/** Where the fake knowingly differs: ZAP iteration order, and a shorter property table. */
const KNOWN_DIFFERENCES = new Set(['6/10', '6/13', '21/6']);

let h: FakeHost;
let reports: ScenarioReport[] = [];
beforeAll(async () => {
  h = makeHost();
  // Like the lab's pool (created by the personality with -O mountpoint=/zones).
  await h.okPool('create', '-O', 'mountpoint=/zones', 'zones');
  // The runner spawns the `zfs` first in PATH, as it does in the lab.
  Object.assign(process.env, { PATH: h.env['PATH'], ZBAK_ROOT: h.root, ZBAK_FAKE_STATE: h.state });
  const scratch = mkdtempSync(join(tmpdir(), 'scenarios-'));
  reports = await Promise.all(SCENARIOS.map((sc, i) => runScenario(i + 1, sc, 'zones', scratch, { fresh: true })));
});
afterAll(() => h.cleanup());

describe('ZFS scenarios on the fake', () => {
  it('all pass and clean up after themselves', async () => {
    const failed = reports.filter((r) => !r.ok).map((r) => `${r.id} ${r.name}: step ${r.failure?.step} ${r.failure?.what}: ${r.failure?.detail}`);
    expect(failed).toEqual([]);
    expect(reports.length).toBeGreaterThanOrEqual(23);
    expect(await h.ok('list', '-H', '-o', 'name', '-r', 'zones')).toBe('zones\n');
  });

  it('refuse with the exit status and bytes real OpenZFS printed', () => {
    const fake = new Map(reports.flatMap((r) => r.refusals.map((f) => [`${r.id}/${f.step}`, f] as const)));
    const mismatches = REAL.refusals
      .filter((r) => !KNOWN_DIFFERENCES.has(`${r.scenario}/${r.step}`))
      .filter((r) => {
        const f = fake.get(`${r.scenario}/${r.step}`);
        return f?.code !== r.code || f.stderr !== r.stderr;
      })
      .map((r) => ({ real: r, fake: fake.get(`${r.scenario}/${r.step}`) }));
    expect(mismatches).toEqual([]);
    expect(REAL.refusals.length).toBeGreaterThanOrEqual(30);
  });
});
