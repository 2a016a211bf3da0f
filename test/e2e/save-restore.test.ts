// End to end on the fake SmartOS host: the real zbak CLI (LocalHost, execa,
// pipes) drives fakebin/zfs and the vmadm/imgadm personality.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS, ZBAK_MAIN } from '../../scripts/lib/fake-smartos.js';
import { BASE_IMAGE, WEBAPP_IMAGE, createDemoZone } from '../../scripts/lib/demo-zone.js';
import { imagesHostA, transferImage } from '../support/hosts.js';
import { demoZoneFacts, type DemoZoneFacts } from '../support/demo-facts.js';
import { humanBytes } from '../../src/cli/progress-line.js';

let dir: string;
let a: FakeSmartOS;
let archives: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-e2e-'));
  a = await imagesHostA(join(dir, 'a'));
  archives = join(dir, 'archives');
  await mkdir(archives);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function saveZone(host: FakeSmartOS, ref: string): Promise<string> {
  const r = await host.zbak(['save', ref, '--to', archives]);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.exitCode, r.stderr).toBe(0);
  const file = r.stdout.trim().split('\n').pop()!;
  expect(file).toMatch(/\/web01-8aa8dff0-5ee1-4d22-a283-bf79505dfbe3-\d{8}T\d{6}Z\.zbak$/);
  return file;
}

/** The saved facts must come back exactly; the save adds its own zbak snapshot at the end. */
function expectRestored(before: DemoZoneFacts, after: DemoZoneFacts): void {
  expect(after.files).toBe(before.files);
  expect(after.snapshots.slice(0, before.snapshots.length)).toEqual(before.snapshots);
  expect(after.snapshots.at(-1)!.name).toMatch(/@zbak-\d{8}T\d{6}Z$/);
  expect(after.pgSnapshots.slice(0, before.pgSnapshots.length)).toEqual(before.pgSnapshots);
  expect(after.origin).toBe(`zones/${WEBAPP_IMAGE}@final`);
  expect(after.originGuid).toBe(before.originGuid);
  expect(after.quota).toBe(before.quota);
  for (const k of ['alias', 'brand', 'autoboot', 'create_timestamp', 'customer_metadata', 'tags', 'nics', 'quota', 'datasets', 'image_uuid']) {
    expect(after.vm[k], k).toEqual(before.vm[k]);
  }
  expect(after.vm.state).toBe('running');
}

describe('save -> delete -> restore on the fake host', () => {
  it('same host: files, snapshots + GUIDs, origin, quota and zone JSON come back; the archive verifies', async () => {
    const uuid = await createDemoZone(a);
    const before = await demoZoneFacts(a, uuid);
    const file = await saveZone(a, 'web01');
    const v = await a.zbak(['verify', file]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/OK/);
    await a.must(['vmadm', 'delete', uuid]);
    const r = await a.zbak(['restore', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expectRestored(before, await demoZoneFacts(a, uuid));
  });

  it('pinned to one CPU (taskset): the parts are hashed on the main thread, and the archive verifies and restores', async () => {
    // availableParallelism counts the CPUs the process may use: 1 here, so no hashing thread.
    const pinned = await a.exec(['taskset', '-c', '0', 'node', '-p', 'require("node:os").availableParallelism()']);
    expect(pinned.stdout.trim()).toBe('1');
    const uuid = await createDemoZone(a);
    const before = await demoZoneFacts(a, uuid);
    const s = await a.exec(['taskset', '-c', '0', 'node', ZBAK_MAIN, 'save', 'web01', '--to', archives, '--part-size', '1K']);
    expect(s.exitCode, s.stderr).toBe(0);
    const file = s.stdout.trim().split('\n').pop()!;
    const v = await a.zbak(['verify', file]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/OK/);
    // 1 KiB parts: the zoneroot's stream (about 9 KB) is many parts, each hashed in turn.
    const zoneroot = /s03 zoneroot .* (\d+) bytes in (\d+) parts/.exec((await a.zbak(['inspect', file])).stdout);
    expect(Number(zoneroot?.[2])).toBeGreaterThan(4);
    await a.must(['vmadm', 'delete', uuid]);
    const r = await a.zbak(['restore', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expectRestored(before, await demoZoneFacts(a, uuid));
  });

  it('--progress shows every stream of save, the verify pass and every stream of restore (its one pass over the bytes) to its last byte; without it stderr has none', async () => {
    const uuid = await createDemoZone(a);
    const quiet = await a.zbak(['save', 'web01', '--to', archives]);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toMatch(/\[[#.]+\]|B\/s/);
    const saved = await a.zbak(['save', 'web01', '--to', archives, '--progress']);
    expect(saved.exitCode, saved.stderr).toBe(0);
    const file = saved.stdout.trim();
    const inspected = JSON.parse((await a.zbak(['inspect', '--json', file])).stdout) as { streams: Array<{ id: string; dataset: string; size: number }> };
    const last = (stderr: string, label: string): string => stderr.split('\n').filter((l) => l.startsWith(`${label}  `)).at(-1) ?? `no line for ${label}`;
    for (const s of inspected.streams) {
      // zfs's estimate is the total while the stream runs; the end shows the real size.
      expect(last(saved.stderr, `${s.id} ${s.dataset}`)).toContain(`100%  ${humanBytes(s.size)} / ${humanBytes(s.size)}`);
    }
    const verified = await a.zbak(['verify', file, '--progress']);
    expect(verified.exitCode, verified.stderr).toBe(0);
    const size = (await stat(file)).size;
    expect(last(verified.stderr, 'verify')).toContain(`100%  ${humanBytes(size)} / ${humanBytes(size)}`);
    await a.must(['vmadm', 'delete', uuid]);
    const restored = await a.zbak(['restore', file, '--progress']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    // A plain restore reads the archive once: no verify pass, only its streams.
    expect(restored.stderr).not.toMatch(/^verify  /m);
    for (const s of inspected.streams) {
      expect(last(restored.stderr, `${s.id} ${s.dataset}`)).toContain(`100%  ${humanBytes(s.size)} / ${humanBytes(s.size)}`);
    }
    expect(restored.stderr).toMatch(/restored zone/);
  });

  it('save --all saves every zone and goes on past one that fails (exit 11); --keep-archives 2 keeps the two newest of each zone, nothing else touched', async () => {
    const web = await createDemoZone(a);
    const db = await a.createZone({ uuid: 'db0db0db-0000-4000-8000-0000000000db', brand: 'joyent', alias: 'db01', image_uuid: BASE_IMAGE, quota: 5 });
    const other = `old-745789f9-338d-4821-89a2-fc80c20289b8-20200101T000000Z.zbak`;
    await writeFile(join(archives, 'notes.txt'), 'keep me\n');
    await writeFile(join(archives, other), 'not ours\n');
    const lockDir = join(a.root, 'var/run/zbak');
    await mkdir(lockDir, { recursive: true });
    // A lock held by a live process (this test's) refuses.
    await writeFile(join(lockDir, `${db}.lock`), JSON.stringify({ pid: process.pid, token: '0123456789abcdef', since: new Date().toISOString() }));
    let first;
    try {
      first = await a.zbak(['save', '--all', '--to', archives]);
    } finally {
      await rm(join(lockDir, `${db}.lock`));
    }
    expect(first.exitCode, first.stderr).toBe(11);
    expect(first.stdout.trim().split('\n')).toEqual([expect.stringContaining(`web01-${web}-`)]);
    expect(first.stderr).toContain(`zbak: ${db}: another zbak is working on ${db}`);
    expect(first.stderr).toContain(`zbak: saved 1 of 2 zones; failed: ${db} (exit 11)`);
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const r = await a.zbak(['save', '--all', '--to', archives, '--keep-archives', '2']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(2);
      runs.push(r);
    }
    expect(runs[1]!.stderr).toMatch(new RegExp(`removed older archive .*web01-${web}-`));
    const left = (await readdir(archives)).sort();
    const newest = runs.flatMap((r) => r.stdout.trim().split('\n').map((p) => p.split('/').pop()!));
    expect(left).toEqual([...newest, other, 'notes.txt'].sort());
  });

  it('another host with only the base image: installs the incremental image from the archive first', async () => {
    const uuid = await createDemoZone(a);
    const before = await demoZoneFacts(a, uuid);
    const file = await saveZone(a, uuid);
    const b = new FakeSmartOS(join(dir, 'b'), 'host-b');
    await b.init('bbbbbbbb-0000-4000-8000-000000000002');
    await transferImage(a, b, BASE_IMAGE);
    const r = await b.zbak(['restore', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/install image 39665d70/);
    expectRestored(before, await demoZoneFacts(b, uuid));
    const img = JSON.parse(await b.must(['imgadm', 'get', '-P', 'zones', WEBAPP_IMAGE])) as { manifest: { name: string; origin: string } };
    expect(img.manifest).toMatchObject({ name: 'webapp-base', origin: BASE_IMAGE });
  });

  it('--dry-run on save and restore prints the command plan and changes nothing', async () => {
    const uuid = await createDemoZone(a);
    const state = await a.stateSummary();
    const s = await a.zbak(['save', 'web01', '--to', archives, '--dry-run']);
    expect(s.exitCode, s.stderr).toBe(0);
    expect(s.stdout).toMatch(new RegExp(`zfs snapshot zones/${uuid}@zbak-\\S+ zones/${uuid}/data@zbak-\\S+ zones/${uuid}/data/pgdata@zbak-\\S+ zones/cores/${uuid}@zbak-`));
    expect(s.stdout).toMatch(new RegExp(`zfs send -L -e -c -p -I zones/${WEBAPP_IMAGE}@final zones/${uuid}@zbak-`));
    expect(await readdir(archives)).toEqual([]);
    expect(await a.stateSummary()).toBe(state);

    const file = await saveZone(a, 'web01');
    await a.must(['vmadm', 'delete', uuid]);
    const deleted = await a.stateSummary();
    const r = await a.zbak(['restore', file, '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`zfs destroy -r zones/${uuid} `));
    expect(r.stdout).toMatch(new RegExp(`zfs receive -u -F zones/${uuid} < stream s03`));
    expect(await a.stateSummary()).toBe(deleted);
  });

  it('list shows the zone with its brand, datasets and latest zbak snapshot', async () => {
    await createDemoZone(a);
    await saveZone(a, 'web01');
    const r = await a.zbak(['list', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const zones = JSON.parse(r.stdout) as Array<{ alias: string; brand: string; datasets: string[]; latestZbakSnapshot: string }>;
    expect(zones).toHaveLength(1);
    expect(zones[0]).toMatchObject({ alias: 'web01', brand: 'joyent' });
    expect(zones[0]!.datasets).toHaveLength(4);
    expect(zones[0]!.latestZbakSnapshot).toMatch(/^zbak-/);
  });

  it('inspect --json lists the images base first and every stream with size and sha256', async () => {
    await createDemoZone(a);
    const file = await saveZone(a, 'web01');
    const r = await a.zbak(['inspect', file, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { images: Array<{ uuid: string }>; streams: Array<{ role: string; sha256: string; size: number }> };
    expect(j.images.map((i) => i.uuid)).toEqual([BASE_IMAGE, WEBAPP_IMAGE]);
    expect(j.streams.map((s) => s.role)).toEqual(['image', 'image', 'zoneroot', 'dataset', 'dataset', 'dataset', 'cores']);
    for (const s of j.streams) expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('restore --new-uuid makes a copy beside the running original: new uuid, new MAC, same files and snapshots', async () => {
    const uuid = await createDemoZone(a);
    const before = await demoZoneFacts(a, uuid);
    const file = await saveZone(a, 'web01');
    const r = await a.zbak(['restore', file, '--new-uuid', '--alias', 'web01-test']);
    expect(r.exitCode, r.stderr).toBe(0);
    const copy = JSON.parse(await a.must(['vmadm', 'lookup', '-j', 'alias=web01-test'])) as Array<Record<string, unknown>>;
    expect(copy).toHaveLength(1);
    const newUuid = copy[0]!.uuid as string;
    expect(newUuid).not.toBe(uuid);
    expect(await a.treeHash(`/zones/${newUuid}/root`)).toBe(before.files);
    expect(await a.prop(`zones/${newUuid}`, 'origin')).toBe(`zones/${WEBAPP_IMAGE}@final`);
    const snaps = await a.snapshots(`zones/${newUuid}`);
    expect(snaps.slice(0, before.snapshots.length).map((s) => s.guid)).toEqual(before.snapshots.map((s) => s.guid));
    const nics = (JSON.parse(await a.must(['vmadm', 'get', newUuid])) as { nics: Array<{ mac: string; ips?: string[] }> }).nics;
    expect(nics[0]!.mac).not.toBe((before.vm.nics as Array<{ mac: string }>)[0]!.mac);
    expect(nics[0]!.ips).toEqual(['dhcp']);
    // The original is untouched.
    expect((await demoZoneFacts(a, uuid)).files).toBe(before.files);
  });

  it('indestructible_zoneroot: --force refuses to replace it; after clearing the flag and deleting, restore puts the flag and its hold back', async () => {
    const uuid = await createDemoZone(a);
    await a.must(['vmadm', 'update', uuid, 'indestructible_zoneroot=true']);
    const file = await saveZone(a, 'web01');
    const before = await a.stateSummary();
    const f = await a.zbak(['restore', file, '--force']);
    expect(f.exitCode, f.stderr).toBe(5);
    expect(f.stderr).toMatch(/has indestructible_zoneroot set.*vmadm update .* indestructible_zoneroot=false/);
    expect(await a.stateSummary()).toBe(before);

    await a.must(['vmadm', 'update', uuid, 'indestructible_zoneroot=false']);
    await a.must(['vmadm', 'delete', uuid]);
    const r = await a.zbak(['restore', file]);
    expect(r.exitCode, r.stderr).toBe(0);
    const vm = JSON.parse(await a.must(['vmadm', 'get', uuid])) as Record<string, unknown>;
    expect(vm.indestructible_zoneroot).toBe(true);
    expect(await a.must(['zfs', 'holds', '-H', `zones/${uuid}@indestructible`])).toMatch(/do_not_destroy/);
  });

  it('a second save prunes the first zbak snapshot (--keep 1, the default), never user snapshots; --keep 2 keeps both', async () => {
    const uuid = await createDemoZone(a);
    await saveZone(a, 'web01');
    await new Promise((r) => setTimeout(r, 1100)); // snapshot names have one-second resolution
    await saveZone(a, 'web01');
    const names = (await a.snapshots(`zones/${uuid}`)).map((s) => s.name.split('@')[1] ?? '');
    expect(names.slice(0, 2)).toEqual(['before-upgrade', 'after-upgrade']);
    expect(names.filter((n) => n.startsWith('zbak-'))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await a.zbak(['save', 'web01', '--to', archives, '--keep', '2']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await a.snapshots(`zones/${uuid}/data/pgdata`)).map((s) => s.name.split('@')[1] ?? '').filter((n) => n.startsWith('zbak-'))).toHaveLength(2);
  });
});

