// A fake host A with the demo zone and one archive of it (4 KiB parts), for e2e refusal tests.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';

export interface DemoHost {
  dir: string;
  a: FakeSmartOS;
  archives: string;
  /** The archive of the demo zone. */
  good: string;
  uuid: string;
}

export async function demoHostWithArchive(prefix: string): Promise<DemoHost> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const a = new FakeSmartOS(join(dir, 'a'), 'host-a');
  await a.init('aaaaaaaa-0000-4000-8000-000000000001');
  await createImages(a);
  const uuid = await createDemoZone(a);
  const archives = join(dir, 'archives');
  await mkdir(archives);
  const r = await a.zbak(['save', 'web01', '--to', archives, '--part-size', '4K']);
  if (r.exitCode !== 0) throw new Error(`demo save failed: ${r.stderr}`);
  return { dir, a, archives, good: r.stdout.trim().split('\n').pop()!, uuid };
}
