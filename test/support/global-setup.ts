// vitest globalSetup: one scratch directory for the whole run (templates test files build once
// and copy, see hosts.ts), removed at the end. Test processes are stopped without running
// their exit handlers, so they cannot clean up after themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'zbak-tests-'));
  process.env.ZBAK_TEST_SCRATCH = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
