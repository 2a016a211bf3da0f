// The scenario list the lab also runs against real OpenZFS must pass on the
// fake. Scenarios use separate dataset prefixes, so they run concurrently.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../fakezfs/scenario-run.js';
import { SCENARIOS } from '../../fakezfs/scenarios.js';
import { type FakeHost, makeHost } from './harness.js';

let h: FakeHost;
beforeAll(async () => {
  h = makeHost();
  await h.okPool('create', 'zones');
  // The runner spawns the `zfs` first in PATH, as it does in the lab.
  Object.assign(process.env, { PATH: h.env['PATH'], ZBAK_ROOT: h.root, ZBAK_FAKE_STATE: h.state });
});
afterAll(() => h.cleanup());

describe('ZFS scenarios on the fake', () => {
  it('all pass', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'scenarios-'));
    const reports = await Promise.all(SCENARIOS.map((sc, i) => runScenario(i + 1, sc, 'zones', scratch, { fresh: true })));
    const failed = reports.filter((r) => !r.ok).map((r) => `${r.id} ${r.name}: step ${r.failure?.step} ${r.failure?.what}: ${r.failure?.detail}`);
    expect(failed).toEqual([]);
    expect(reports.length).toBeGreaterThanOrEqual(16);
    // Every scenario cleaned up after itself.
    expect(await h.ok('list', '-H', '-o', 'name', '-r', 'zones')).toBe('zones\n');
  });
});
