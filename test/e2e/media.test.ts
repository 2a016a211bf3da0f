// Media end to end on the fake host: a save that expects one of its rotated disks refuses a
// bare folder, a disk without identity (until --new-medium) and another disk; a nightly job
// with media writes to whichever of its disks is mounted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';

let dir: string;
let a: FakeSmartOS;
let uuid: string;
let usb: string;
const NOW = { ZBAK_NOW: '2026-11-01T02:30:00Z', ZBAK_PLAN_CHECK: '0' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-media-'));
  a = new FakeSmartOS(join(dir, 'a'), 'host-a');
  await a.init('aaaaaaaa-0000-4000-8000-000000000001');
  await createImages(a);
  uuid = await createDemoZone(a);
  usb = join(dir, 'usb');
  await mkdir(usb);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const snapshots = async (): Promise<string> => a.must(['zfs', 'list', '-H', '-o', 'name', '-t', 'snapshot', '-r', 'zones']);

describe('save --medium / --new-medium', () => {
  it('refuses (exit 13, nothing written, no snapshot) a bare folder, then a disk without identity', async () => {
    const before = await snapshots();
    const bare = await a.zbak(['save', 'web01', '--to', usb, '--medium', 'usb-a'], NOW);
    expect([bare.exitCode, bare.stderr]).toEqual([13, `zbak: ${usb} is not a mounted disk (it is a folder on the disk below it): plug in and mount the backup disk (media: usb-a)`]);
    const unknown = await a.zbak(['save', 'web01', '--to', usb, '--medium', 'usb-a'], { ...NOW, ZBAK_FAKE_MOUNTS: usb });
    expect([unknown.exitCode, unknown.stderr]).toEqual([13, `zbak: the disk at ${usb} is not a zbak medium yet; to start using it, add --new-medium LABEL (media: usb-a)`]);
    expect(await readdir(usb)).toEqual([]);
    expect(await snapshots()).toBe(before);
  });

  it('--new-medium writes the identity and saves; then another label is refused; a damaged identity is refused', async () => {
    const env = { ...NOW, ZBAK_FAKE_MOUNTS: usb, ZBAK_NEW_MEDIUM_ID: 'aaaaaaaa-0000-4000-8000-00000000000a' };
    const dry = await a.zbak(['save', 'web01', '--to', usb, '--new-medium', 'usb-a', '--dry-run'], env);
    expect(dry.exitCode).toBe(0);
    expect(await readdir(usb)).toEqual([]); // a dry run writes nothing, identity included
    const r = await a.zbak(['save', 'web01', '--to', usb, '--medium', 'usb-a', '--medium', 'usb-b', '--new-medium', 'usb-a'], env);
    expect(r.exitCode).toBe(0);
    const identity = JSON.parse(await readFile(join(usb, '.zbak-medium.json'), 'utf8'));
    expect(identity).toEqual({ format: 'zbak-medium', version: 1, id: 'aaaaaaaa-0000-4000-8000-00000000000a', label: 'usb-a', createdAt: '2026-11-01T02:30:00.000Z' });
    const media = JSON.parse(await readFile(join(a.root, 'var/zbak/media.json'), 'utf8'));
    expect(media['aaaaaaaa-0000-4000-8000-00000000000a']).toMatchObject({ label: 'usb-a', lastDir: usb, lastSeenAt: '2026-11-01T02:30:00.000Z' });
    // The new snapshots are this medium's chain end, held on the host with its tag.
    const holds = await a.must(['zfs', 'holds', '-H', '-r', `zones/${uuid}@zbak-20261101T023000Z`]);
    expect(holds).toContain(`zones/${uuid}@zbak-20261101T023000Z\tzbak-medium-aaaaaaaa`);
    const later = { ...env, ZBAK_NOW: '2026-11-01T03:30:00Z' }; // a new second: its own snapshot name
    const other = await a.zbak(['save', 'web01', '--to', usb, '--medium', 'usb-b', '--dry-run'], later);
    expect([other.exitCode, other.stderr]).toEqual([13, `zbak: the disk at ${usb} is medium usb-a (aaaaaaaa-0000-4000-8000-00000000000a), not one of this save's media (usb-b)`]);
    await writeFile(join(usb, '.zbak-medium.json'), JSON.stringify({ ...identity, label: 'usb-a\u001b[2J' }));
    const bad = await a.zbak(['save', 'web01', '--to', usb, '--medium', 'usb-a', '--dry-run'], later);
    expect(bad.exitCode).toBe(13);
    expect(bad.stderr).toMatch(/\.zbak-medium\.json is not a zbak medium identity \(label: not a medium label/);
  });

  it('a nightly job with media: a bare folder fails the night with exit 13 and a summary', async () => {
    const folder = join(dir, 'not-mounted');
    await mkdir(folder);
    await mkdir(join(a.root, 'opt/custom/zbak'), { recursive: true });
    await writeFile(join(a.root, 'opt/custom/zbak/zbak.yaml'), `jobs:\n  nightly:\n    zones: [web01]\n    to: ${folder}\n    media: [usb-a, usb-b]\n`);
    const r = await a.zbak(['run'], { ...NOW, ZBAK_NOW: '2026-11-02T02:30:00Z' });
    expect(r.exitCode).toBe(13);
    expect(r.stderr).toContain(`web01 (${uuid}): FAILED: ${folder} is not a mounted disk`);
  });

  it('two rotated disks at one mount point, incremental: each disk continues its own chain (its end is held, not pruned by the other disk\'s save); status shows each medium\'s newest', async () => {
    const mount = join(dir, 'mnt');
    const diskA = join(dir, 'disk-a');
    const diskB = join(dir, 'disk-b');
    await mkdir(diskA);
    await mkdir(diskB);
    const plug = (disk: string): Promise<void> => rename(disk, mount);
    const unplug = (disk: string): Promise<void> => rename(mount, disk);
    await writeFile(join(a.root, 'opt/custom/zbak/zbak.yaml'), `jobs:\n  nightly:\n    zones: [web01]\n    to: ${mount}\n    media: [usb-a, usb-b]\n    incremental: true\n    verify: false\n`);
    const env = (day: number, id: string) => ({ ...NOW, ZBAK_NOW: `2026-11-1${day}T02:30:00Z`, ZBAK_FAKE_MOUNTS: mount, ZBAK_NEW_MEDIUM_ID: id });
    const IDA = 'aaaaaaaa-0000-4000-8000-0000000000aa';
    const IDB = 'bbbbbbbb-0000-4000-8000-0000000000bb';
    await plug(diskA);
    expect((await a.zbak(['run', '--new-medium', 'usb-a'], env(1, IDA))).exitCode).toBe(0);
    await unplug(diskA);
    await plug(diskB);
    const unknown = await a.zbak(['run'], env(2, IDB));
    expect(unknown.exitCode).toBe(13);
    expect(unknown.stderr).toContain(`the disk at ${mount} is not a zbak medium yet; to start using it, add --new-medium LABEL (media: usb-a, usb-b)`);
    expect((await a.zbak(['run', '--new-medium', 'usb-b'], env(3, IDB))).exitCode).toBe(0);
    await unplug(diskB);
    await plug(diskA);
    expect((await a.zbak(['run'], env(4, IDA))).exitCode).toBe(0);
    const log = await readFile(join(a.root, 'var/log/zbak.log'), 'utf8');
    expect(log).toContain(`incremental archive of ${uuid}: continues web01-${uuid}-20261111T023000Z.zbak (chain of 2)`);
    // Night 4 on usb-a continued usb-a's night-1 archive although usb-b was written in between.
    const record = JSON.parse(await readFile(join(a.root, 'var/zbak/runs/nightly.json'), 'utf8'));
    expect(record.media[IDA].zones[uuid].chainLength).toBe(2);
    expect(record.media[IDB].zones[uuid].chainLength).toBe(1);
    const holds = await a.must(['zfs', 'holds', '-H', '-r', `zones/${uuid}@zbak-20261113T023000Z`, `zones/${uuid}@zbak-20261114T023000Z`]);
    expect(holds.split('\n').filter(Boolean).map((l) => l.split('\t').slice(0, 2).join(' '))).toEqual(
      expect.arrayContaining([`zones/${uuid}@zbak-20261113T023000Z zbak-medium-bbbbbbbb`, `zones/${uuid}@zbak-20261114T023000Z zbak-medium-aaaaaaaa`]),
    );
    await unplug(diskA); // both disks away: status answers from the host's record
    const s = await a.zbak(['status', '--json'], { ...NOW, ZBAK_NOW: '2026-11-14T03:30:00Z' });
    const [row] = JSON.parse(s.stdout);
    expect(row.media).toEqual([
      { id: IDA, label: 'usb-a', createdAt: '2026-11-14T02:30:00.000Z', ageSeconds: 3600, verified: false, chainLength: 2 },
      { id: IDB, label: 'usb-b', createdAt: '2026-11-13T02:30:00.000Z', ageSeconds: 90000, verified: false, chainLength: 1 },
    ]);
    expect((await readdir(diskA)).filter((f) => f.endsWith('.zbak'))).toHaveLength(2);
    expect((await readdir(diskB)).filter((f) => f.endsWith('.zbak'))).toHaveLength(1);
  });

  it('status --check: CRITICAL when the mounted disk\'s newest archive lost a link of its chain, though the record knows that archive as good', async () => {
    const mount = join(dir, 'mnt');
    const diskA = join(dir, 'disk-a');
    const [full, newest] = (await readdir(diskA)).filter((f) => f.endsWith('.zbak')).sort();
    const env = { ...NOW, ZBAK_NOW: '2026-11-14T03:30:00Z' };
    await rename(join(diskA, full!), join(dir, 'away.zbak'));
    await rename(diskA, mount);
    try {
      const c = await a.zbak(['status', '--check'], env);
      expect([c.exitCode, c.stdout.split(' | ')[0]]).toEqual([2, `ZBAK CRITICAL - web01: newest archive on the mounted medium ${mount}/${newest} cannot be restored: a link of its chain is missing there`]);
    } finally {
      await rename(mount, diskA);
      await rename(join(dir, 'away.zbak'), join(diskA, full!));
    }
    await rename(diskA, mount);
    try {
      const c = await a.zbak(['status', '--check'], env);
      expect([c.exitCode, c.stdout.split(' | ')[0]]).toEqual([1, 'ZBAK WARNING - web01: newest archive was not verified after writing']);
    } finally {
      await rename(mount, diskA);
    }
  });

  it('restore --force over a zone whose snapshots are media chain ends: zbak\'s holds are released, a user\'s hold refuses first (exit 5)', async () => {
    const archive = join(dir, 'disk-a', (await readdir(join(dir, 'disk-a'))).filter((f) => f.endsWith('.zbak')).sort().pop()!);
    await a.must(['zfs', 'hold', 'keepme', `zones/${uuid}@before-upgrade`]);
    const before = await a.must(['zfs', 'list', '-H', '-t', 'all', '-o', 'name,guid', '-r', 'zones']);
    const refused = await a.zbak(['restore', archive, '--force'], { ZBAK_PLAN_CHECK: '0' });
    expect(refused.exitCode).toBe(5);
    expect(refused.stderr).toContain(`snapshot zones/${uuid}@before-upgrade of zone ${uuid} has a hold 'keepme' that is not zbak's`);
    expect(await a.must(['zfs', 'list', '-H', '-t', 'all', '-o', 'name,guid', '-r', 'zones'])).toBe(before);
    await a.must(['zfs', 'release', 'keepme', `zones/${uuid}@before-upgrade`]);
    const r = await a.zbak(['restore', archive, '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await a.exec(['zfs', 'list', `zones/zbak-${uuid}`])).exitCode).not.toBe(0);
  });
});
