// Incremental chains end to end on the fake host: save --incremental continues the zone's
// newest archive on the medium (full when it cannot, saying why); restore of any link
// brings the zone back as of that night on another host; a missing link is refused before
// any change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { demoHostA, emptyHostB } from '../support/hosts.js';

let dir: string;
let a: FakeSmartOS;
let b: FakeSmartOS;
let uuid: string;
let usb: string;
const files: string[] = [];
const trees: string[] = [];
const night = (n: number): Record<string, string> => ({ ZBAK_NOW: `2026-11-0${n}T02:30:00Z` });

async function save(n: number, extra: string[] = []): Promise<{ file: string; stderr: string }> {
  const r = await a.zbak(['save', 'web01', '--to', usb, '--incremental', ...extra], night(n));
  expect(r.exitCode, r.stderr).toBe(0);
  return { file: r.stdout.trim().split('\n').pop()!, stderr: r.stderr };
}

const zoneTree = (h: FakeSmartOS): Promise<string> => h.treeHash(`/zones/${uuid}/root`);

beforeAll(async () => {
  ({ dir, a, uuid } = await demoHostA('zbak-chains-'));
  b = await emptyHostB(dir);
  usb = join(dir, 'usb');
  await mkdir(usb);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('incremental chains', () => {
  it('three nights: a full archive, then two incrementals that carry no images and only the change', async () => {
    for (const n of [1, 2, 3]) {
      await a.writeFiles(`/zones/${uuid}`, { [`root/var/log/night-${n}.log`]: `night ${n}\n`.repeat(200) });
      const r = await save(n);
      files.push(r.file);
      trees.push(await zoneTree(a));
      if (n === 1) expect(r.stderr).toContain(`full archive of ${uuid}: no earlier archive of this zone on the medium`);
      else expect(r.stderr).toContain(`incremental archive of ${uuid}: continues ${files[n - 2]!.split('/').pop()} (chain of ${n})`);
    }
    const h = JSON.parse((await a.zbak(['inspect', files[2]!, '--json'])).stdout);
    expect(h.base).toEqual({ archive: files[1]!.split('/').pop(), createdAt: '2026-11-02T02:30:00.000Z', snapshotName: 'zbak-20261102T023000Z' });
    // No image streams; every zone stream starts at night 2's snapshot of its own dataset (sizes: the lab, real ZFS).
    expect(h.images).toEqual([]);
    expect(h.streams.map((s: { kind: string; from: { snapshot: string } }) => `${s.kind} ${s.from.snapshot}`)).toEqual(
      h.streams.map(() => 'incremental zbak-20261102T023000Z'),
    );
    expect((await stat(files[2]!)).size).toBeLessThan((await stat(files[0]!)).size);
    const v = await a.zbak(['verify', files[2]!]);
    expect(v.exitCode, v.stderr).toBe(0);
  });

  it('restore of the newest link on a host without the images: the zone as of night 3, snapshots with the same GUIDs', async () => {
    const dry = await b.zbak(['restore', files[2]!, '--dry-run'], { ZBAK_PLAN_CHECK: '0' });
    expect(dry.stdout).toContain(`chain of ${files[2]!.split('/').pop()}: ${files.map((f) => f.split('/').pop()).join(' -> ')}`);
    const r = await b.zbak(['restore', files[2]!]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await zoneTree(b)).toBe(trees[2]);
    const snapsA = await a.snapshots(`zones/${uuid}`);
    const snapsB = await b.snapshots(`zones/${uuid}`);
    for (const s of snapsA) expect(snapsB).toContainEqual(s); // B also keeps the older zbak snapshots A pruned
  });

  it('a mid-chain link is a restore point too', async () => {
    expect((await b.exec(['vmadm', 'delete', uuid])).exitCode).toBe(0);
    const r = await b.zbak(['restore', files[1]!]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await zoneTree(b)).toBe(trees[1]);
  });

  it('a mid-chain link restores as a copy (--new-uuid) beside its original on the same host, independent of it', async () => {
    const r = await a.zbak(['restore', files[1]!, '--new-uuid', '--alias', 'chain-copy']);
    expect(r.exitCode, r.stderr).toBe(0);
    const copy = (JSON.parse(await a.must(['vmadm', 'lookup', '-j', 'alias=chain-copy'])) as Array<{ uuid: string }>)[0]!.uuid;
    expect(copy).not.toBe(uuid);
    expect(await a.treeHash(`/zones/${copy}/root`)).toBe(trees[1]);
    // A clone of the same image as the original (not of the original's snapshots), naming nothing of it.
    expect(await a.prop(`zones/${copy}`, 'origin')).toBe(await a.prop(`zones/${uuid}`, 'origin'));
    const props = await a.must(['zfs', 'get', '-H', '-p', '-o', 'name,property,value', '-s', 'local,received', 'all', `zones/${copy}`, `zones/cores/${copy}`]);
    expect(props).not.toContain(uuid);
    // The copy carries the original's user snapshots with the same GUIDs.
    const users = async (u: string): Promise<string[]> =>
      (await a.snapshots(`zones/${u}`)).filter((s) => !s.name.includes('@zbak-')).map((s) => `${s.name.split('@')[1]} ${s.guid}`);
    expect(await users(uuid)).not.toEqual([]);
    expect(await users(copy)).toEqual(await users(uuid));
    const before = await zoneTree(a);
    await a.must(['vmadm', 'delete', copy]);
    expect(await zoneTree(a)).toBe(before);
    expect(await a.must(['zfs', 'list', '-H', '-o', 'name', '-r', 'zones'])).not.toContain(copy);
  });

  it('a missing link is refused before any change, naming it (exit 12)', async () => {
    expect((await b.exec(['vmadm', 'delete', uuid])).exitCode).toBe(0);
    const before = await b.must(['zfs', 'list', '-H', '-t', 'all', '-o', 'name,guid', '-r', 'zones']);
    const away = join(dir, 'away.zbak');
    await rename(files[1]!, away);
    try {
      const r = await b.zbak(['restore', files[2]!], { ZBAK_PLAN_CHECK: '0' });
      expect(r.exitCode).toBe(12);
      expect(r.stderr).toContain(`${files[1]!.split('/').pop()}, the base of ${files[2]!.split('/').pop()}, is missing`);
      expect(await b.must(['zfs', 'list', '-H', '-t', 'all', '-o', 'name,guid', '-r', 'zones'])).toBe(before);
      // The next save cannot continue a broken chain: it writes a full archive and says why.
      const next = await save(4);
      expect(next.stderr).toContain("full archive of " + uuid + ": the newest archive's chain is broken");
    } finally {
      await rename(away, files[1]!);
    }
  });

  it('falls back to full when the base snapshot is gone from the host', async () => {
    const snaps = (await a.snapshots(`zones/${uuid}`)).map((s) => s.name.split('@')[1]!).filter((n) => n.startsWith('zbak-'));
    for (const ds of [`zones/${uuid}`]) await a.must(['zfs', 'destroy', `${ds}@${snaps[snaps.length - 1]}`]);
    const r = await save(5);
    expect(r.stderr).toMatch(new RegExp(`full archive of ${uuid}: snapshot zones/${uuid}@zbak-\\S+ of the base archive \\S+ is gone from this host`));
  });
});

describe('pruning a chain', () => {
  it('--keep-last 1 keeps the newest incremental and every archive it depends on', async () => {
    const r = await a.zbak(['prune', usb, '--keep-last', '1', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    // files[2] (night 3) is not the newest any more (nights 4 and 5 were full): a fresh chain.
    const c = await a.zbak(['save', 'web01', '--to', usb, '--incremental'], { ZBAK_NOW: '2026-11-06T02:30:00Z' });
    expect(c.exitCode, c.stderr).toBe(0);
    const newest = c.stdout.trim().split('\n').pop()!.split('/').pop()!;
    const dry = await a.zbak(['prune', usb, '--keep-last', '1', '--dry-run']);
    const kept = dry.stdout.split('\n').filter((l) => l.startsWith('keep ')).map((l) => l.split(' ')[1]);
    expect(kept[0]).toBe(newest);
    expect(dry.stdout).toMatch(new RegExp(`keep \\S+20261105T023000Z\\.zbak \\(\\S+\\): base of ${newest.replace(/[.]/g, '\\.')}`));
  });
});
