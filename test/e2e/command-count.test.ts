// Issue 8: each host command costs (a vmadm about a second on SmartOS), so a save of a
// small joyent zone runs at most 12 and a restore at most 15. Counted from ZBAK_TRACE
// (every command zbak itself starts, LocalHost), not timed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { BASE_IMAGE, createImages } from '../../scripts/lib/demo-zone.js';
import { quoteArgv } from '../../src/run/commands.js';

let dir: string;
let a: FakeSmartOS;
let archives: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-count-'));
  a = new FakeSmartOS(join(dir, 'a'), 'host-a');
  await a.init('aaaaaaaa-0000-4000-8000-000000000001');
  await createImages(a);
  archives = join(dir, 'archives');
  await mkdir(archives);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs zbak once (no dry-run comparison: it would double the trace) and returns the commands it started. */
async function commandsOf(args: string[]): Promise<{ stdout: string; commands: string[] }> {
  const trace = join(dir, 'trace.jsonl');
  await rm(trace, { force: true });
  const r = await a.zbak(args, { ZBAK_TRACE: trace, ZBAK_PLAN_CHECK: '0' });
  expect(r.exitCode, r.stderr).toBe(0);
  const lines = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
  return { stdout: r.stdout, commands: lines.map((l) => quoteArgv(JSON.parse(l) as string[])) };
}

function report(what: string, commands: string[]): void {
  console.log(`${what}: ${commands.length} host commands\n  ${commands.join('\n  ')}`);
}

describe('host commands of a small joyent zone (a clone of one image, its cores dataset, 1 MiB of files)', () => {
  it('a nightly save (one older zbak snapshot to prune) runs at most 12, a restore of it at most 15', async () => {
    const uuid = await a.createZone({ brand: 'joyent', alias: 'small01', image_uuid: BASE_IMAGE, quota: 5, autoboot: true });
    await a.writeFiles(`/zones/${uuid}`, { 'root/var/data.bin': 'z'.repeat(1 << 20) });
    // A second save: it has an older zbak snapshot to prune, the longest path of a nightly save.
    await commandsOf(['save', uuid, '--to', archives]);
    const save = await commandsOf(['save', uuid, '--to', archives, '--keep', '1']);
    report('save', save.commands);
    expect(save.commands.filter((c) => c.startsWith('zfs send '))).toHaveLength(3);
    expect(save.commands.length).toBeLessThanOrEqual(12);

    await a.must(['vmadm', 'delete', uuid]);
    const restore = await commandsOf(['restore', save.stdout.trim().split('\n').pop()!]);
    report('restore', restore.commands);
    expect(restore.commands.filter((c) => c.startsWith('zfs receive '))).toHaveLength(2);
    expect(restore.commands.length).toBeLessThanOrEqual(15);
    expect(await a.must(['vmadm', 'list', '-p', '-o', 'uuid,state'])).toContain(`${uuid}:running`);
  });
});
