// `npm run demo`: on a fake SmartOS host, create a zone with files and
// snapshots, save it with zbak, delete it, restore it, and show that files,
// snapshots, GUIDs and the clone origin came back. Exits 1 on any mismatch.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS } from './lib/fake-smartos.js';
import { createDemoZone, createImages } from './lib/demo-zone.js';

interface Facts {
  files: string;
  snapshots: string;
  origin: string;
  dataSnapshots: string;
  quota: string;
  alias: string;
}

async function facts(host: FakeSmartOS, uuid: string): Promise<Facts> {
  const vm = JSON.parse(await host.must(['vmadm', 'get', uuid])) as { alias?: string };
  return {
    files: await host.treeHash(`/zones/${uuid}/root`),
    snapshots: (await host.snapshots(`zones/${uuid}`)).map((s) => `${s.name.split('@')[1]}=${s.guid}`).join(' '),
    origin: await host.prop(`zones/${uuid}`, 'origin'),
    dataSnapshots: (await host.snapshots(`zones/${uuid}/data/pgdata`)).map((s) => `${s.name.split('@')[1]}=${s.guid}`).join(' '),
    quota: await host.prop(`zones/${uuid}`, 'quota'),
    alias: vm.alias ?? '-',
  };
}

async function step(title: string, host: FakeSmartOS, args: string[]): Promise<string> {
  console.log(`\n$ zbak ${args.join(' ')}`);
  const r = await host.zbak(args);
  const text = `${r.stdout}${r.stderr}`.trim();
  if (text) console.log(text.replace(/^/gm, '  '));
  if (r.exitCode !== 0) throw new Error(`${title} failed with exit code ${r.exitCode}`);
  return r.stdout.trim();
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'zbak-demo-'));
  try {
    const host = new FakeSmartOS(join(dir, 'host'), 'demo-host');
    await host.init('11111111-2222-4333-8444-555555555555');
    await createImages(host);
    const uuid = await createDemoZone(host);
    console.log(`fake SmartOS host in ${dir}: zone ${uuid} (web01) on image webapp-base <- base-64-lts`);
    const before = await facts(host, uuid);

    const archives = join(dir, 'archives');
    await mkdir(archives);
    await step('list', host, ['list']);
    const file = (await step('save', host, ['save', 'web01', '--to', archives])).split('\n').pop()!;
    await step('verify', host, ['verify', file]);
    await step('inspect', host, ['inspect', file]);

    console.log(`\n$ vmadm delete ${uuid}`);
    await host.must(['vmadm', 'delete', uuid]);
    await step('restore dry run', host, ['restore', file, '--dry-run']);
    await step('restore', host, ['restore', file]);
    const after = await facts(host, uuid);

    console.log('\nafter restore            before                                   after                                    match');
    let ok = true;
    for (const key of Object.keys(before) as (keyof Facts)[]) {
      // The save adds its own zbak snapshot; everything that was there must come back with the same GUID.
      const same = key.endsWith('napshots') ? after[key].startsWith(before[key]) : after[key] === before[key];
      ok &&= same;
      console.log(`${key.padEnd(24)} ${before[key].slice(0, 40).padEnd(40)} ${after[key].slice(0, 40).padEnd(40)} ${same ? 'yes' : 'NO'}`);
    }
    console.log(ok ? '\ndemo: restore matches the original zone' : '\ndemo: MISMATCH after restore');
    return ok ? 0 : 1;
  } finally {
    if (!process.env.ZBAK_DEMO_KEEP) await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
