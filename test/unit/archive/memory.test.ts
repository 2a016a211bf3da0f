// Issue 2: memory stays bounded while writing, verifying and reading a large stream.
// Runs scripts/bench-memory.ts on 512 MiB (save and restore each in their own process, so
// the test runner's memory does not count), bundled with esbuild, which ships with vitest.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { dir } from 'tmp-promise';
import { expect, it } from 'vitest';

const LIMIT_MIB = 150;
const ROOT = join(import.meta.dirname, '../../..');

it('writes, verifies and reads back a 512 MiB stream with peak RSS under 150 MiB', async () => {
  const tmp = await dir({ unsafeCleanup: true });
  // Inside the repo so the bundle's external imports resolve from node_modules.
  const script = join(ROOT, 'node_modules/.cache/zbak-test', `bench-memory-${process.pid}.mjs`);
  try {
    await build({
      entryPoints: [join(ROOT, 'scripts/bench-memory.ts')],
      bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: script, logLevel: 'silent',
      packages: 'external', absWorkingDir: ROOT,
    });
    const { stdout } = await promisify(execFile)(
      process.execPath, [script, '--size', '512MiB', '--json', '--no-baseline', '--dir', tmp.path],
      { cwd: ROOT, timeout: 600_000 },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop() as string) as {
      sizeMiB: number; peakRssMiB: number; save: { maxRssMiB: number }; restore: { maxRssMiB: number };
    };
    expect(report.sizeMiB).toBe(512);
    expect(report.save.maxRssMiB).toBeLessThan(LIMIT_MIB);
    expect(report.restore.maxRssMiB).toBeLessThan(LIMIT_MIB);
    expect(report.peakRssMiB).toBeLessThan(LIMIT_MIB);
  } finally {
    await rm(script, { force: true });
    await tmp.cleanup();
  }
});
