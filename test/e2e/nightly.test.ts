// The nightly workflow end to end on the fake SmartOS host: a config, `zbak run` from
// "cron" (silent when all is well, a summary and an exit code when not), `zbak status`
// with and without the medium, nagios exit codes, `zbak prune`, and `zbak cron`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS, ZBAK_MAIN } from '../../scripts/lib/fake-smartos.js';
import { createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';

let dir: string;
let a: FakeSmartOS;
let uuid: string;
let medium: string;
const CONFIG = '/opt/custom/zbak/zbak.yaml';

async function writeConfig(text: string): Promise<void> {
  await mkdir(join(a.root, 'opt/custom/zbak'), { recursive: true });
  await writeFile(join(a.root, CONFIG), text);
}

const zbak = (args: string[], now: string) => a.zbak(args, { ZBAK_NOW: now, ZBAK_PLAN_CHECK: '0' });
const night = (day: number): string => `2026-11-${String(day).padStart(2, '0')}T02:30:00Z`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-nightly-'));
  a = new FakeSmartOS(join(dir, 'a'), 'host-a');
  await a.init('aaaaaaaa-0000-4000-8000-000000000001');
  await createImages(a);
  uuid = await createDemoZone(a);
  medium = join(dir, 'usb');
  await mkdir(medium);
  await writeConfig(`jobs:\n  nightly:\n    zones: [web01]\n    to: ${medium}\n    keep: { last: 2 }\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('zbak run / status / prune / cron', () => {
  it('a good night: no output at all, one archive, one log line, status OK', async () => {
    const r = await zbak(['run'], night(1));
    expect({ code: r.exitCode, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: '', err: '' });
    const files = (await readdir(medium)).filter((f) => f.endsWith('.zbak'));
    expect(files).toEqual([`web01-${uuid}-20261101T023000Z.zbak`]);
    const log = await readFile(join(a.root, 'var/log/zbak.log'), 'utf8');
    expect(log).toMatch(new RegExp(`job nightly: web01 \\(${uuid}\\): saved ${medium}/web01-${uuid}-20261101T023000Z.zbak \\(\\d+ bytes, verified\\)`));
    const s = await zbak(['status', '--check'], '2026-11-01T12:30:00Z');
    expect(s.exitCode).toBe(0);
    expect(s.stdout).toMatch(/^ZBAK OK - 1 zone, newest archives 10.0h to 10.0h old \| oldest_archive=36000s;93600;180000$/);
  });

  it('status --check goes WARNING then CRITICAL as the archive ages, and status shows it with the medium unplugged', async () => {
    await rename(medium, `${medium}-unplugged`);
    try {
      const w = await zbak(['status', '--check'], '2026-11-02T06:30:00Z');
      expect([w.exitCode, w.stdout.split(' | ')[0]]).toEqual([1, 'ZBAK WARNING - web01: newest archive 28.0h old (warning over 26.0h)']);
      const c = await zbak(['status', '--check', '--warn', '1d', '--crit', '2d'], '2026-11-04T02:30:00Z');
      expect([c.exitCode, c.stdout.split(' | ')[0]]).toEqual([2, 'ZBAK CRITICAL - web01: newest archive 72.0h old (critical over 48.0h)']);
      const j = await zbak(['status', '--json'], '2026-11-01T03:30:00Z');
      const rows = JSON.parse(j.stdout);
      expect(rows).toEqual([
        {
          job: 'nightly',
          zone: uuid,
          alias: 'web01',
          newest: { path: `${medium}/web01-${uuid}-20261101T023000Z.zbak`, createdAt: '2026-11-01T02:30:00.000Z', ageSeconds: 3600, verified: true, chainLength: 1 },
          lastRun: { at: '2026-11-01T02:30:00.000Z', ok: true },
        },
      ]);
    } finally {
      await rename(`${medium}-unplugged`, medium);
    }
  });

  it('a night with the disk missing: a short summary on stderr, exit 4, status WARNING naming the failure', async () => {
    await rename(medium, `${medium}-away`);
    try {
      const r = await zbak(['run'], night(2));
      expect(r.exitCode).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `zbak run: 1 zone(s) failed (details in /var/log/zbak.log):\n  job nightly: web01 (${uuid}): FAILED: target directory ${medium} does not exist; create it or mount the backup disk`,
      );
      const s = await zbak(['status', '--check'], '2026-11-02T03:00:00Z');
      expect([s.exitCode, s.stdout.split(' | ')[0]]).toEqual([1, `ZBAK WARNING - web01: last run failed: target directory ${medium} does not exist; create it or mount the backup disk`]);
    } finally {
      await rename(`${medium}-away`, medium);
    }
    // No snapshot was taken for the failed night.
    const snaps = await a.must(['zfs', 'list', '-H', '-o', 'name', '-t', 'snapshot', `zones/${uuid}`]);
    expect(snaps).not.toMatch(/zbak-20261102/);
  });

  it('three more nights with keep last 2: the two newest archives stay', async () => {
    for (const d of [3, 4, 5]) expect((await zbak(['run', 'nightly'], night(d))).exitCode).toBe(0);
    const files = (await readdir(medium)).filter((f) => f.endsWith('.zbak')).sort();
    expect(files).toEqual([`web01-${uuid}-20261104T023000Z.zbak`, `web01-${uuid}-20261105T023000Z.zbak`]);
    const record = JSON.parse(await readFile(join(a.root, 'var/zbak/runs/nightly.json'), 'utf8'));
    expect(record.pruned).toEqual([`web01-${uuid}-20261103T023000Z.zbak`]);
  });

  it('zbak prune DIR: --dry-run lists reasons and removes nothing; a real run keeps the newest and foreign files', async () => {
    await writeFile(join(medium, 'notes.zbak'), 'not an archive');
    const dry = await zbak(['prune', medium, '--keep-last', '1', '--dry-run'], night(6));
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout.split('\n')).toEqual([
      'keep notes.zbak (not a zbak archive): not readable as a zbak archive, never pruned',
      `keep web01-${uuid}-20261105T023000Z.zbak (2026-11-05T02:30:00.000Z): last 1, newest`,
      `remove web01-${uuid}-20261104T023000Z.zbak (2026-11-04T02:30:00.000Z): no rule keeps it`,
    ]);
    expect((await readdir(medium)).length).toBe(3);
    const real = await zbak(['prune', medium, '--keep-last', '1'], night(6));
    expect(real.exitCode).toBe(0);
    expect((await readdir(medium)).sort()).toEqual(['notes.zbak', `web01-${uuid}-20261105T023000Z.zbak`]);
    const none = await zbak(['prune', medium], night(6));
    expect([none.exitCode, none.stderr.trim()]).toEqual([2, 'zbak: give at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly']);
  });

  it('a bad config is exit 7 naming the key; status --check says UNKNOWN (3)', async () => {
    await writeConfig(`jobs:\n  nightly:\n    zones: [web01]\n    to: usb\n`);
    const r = await zbak(['run'], night(7));
    expect([r.exitCode, r.stderr.trim()]).toEqual([7, 'zbak: /opt/custom/zbak/zbak.yaml: jobs.nightly.to: not an absolute path']);
    const s = await zbak(['status', '--check'], night(7));
    expect([s.exitCode, s.stdout.trim()]).toEqual([3, 'ZBAK UNKNOWN - /opt/custom/zbak/zbak.yaml: jobs.nightly.to: not an absolute path']);
    const missing = await zbak(['run', '--config', '/nope.yaml'], night(7));
    expect(missing.exitCode).toBe(7);
    await writeConfig(`jobs:\n  nightly:\n    zones: [web01]\n    to: ${medium}\n    keep: { last: 2 }\n`);
  });

  it('zbak cron prints the line; --install writes it, the boot script and the SMF manifest, and imports the service', async () => {
    const p = await zbak(['cron'], night(8));
    expect(p.exitCode).toBe(0);
    // cron runs the file zbak ran from (the bundle or dist/src/cli/main.js), by its absolute path.
    expect(ZBAK_MAIN).toMatch(/^\/.*\/dist\/(zbak\.mjs|src\/cli\/main\.js)$/);
    const line = p.stdout.split('\n')[0]!;
    expect(line).toMatch(/^30 2 \* \* \* \/usr\/bin\/env PATH=\/usr\/sbin:\S+ \S+node\S* \S+ run nightly --config \/opt\/custom\/zbak\/zbak\.yaml # zbak-job nightly$/);
    expect(line.split(' ')[8]).toBe(ZBAK_MAIN);
    const i = await zbak(['cron', '--install'], night(8));
    expect(i.exitCode).toBe(0);
    expect(await readFile(join(a.root, 'opt/custom/zbak/crontab'), 'utf8')).toBe(`${p.stdout.split('\n')[0]}\n`);
    expect(await readFile(join(a.root, 'opt/custom/smf/zbak-cron.xml'), 'utf8')).toContain('exec="/bin/sh /opt/custom/zbak/cron-boot.sh"');
    expect(await readFile(join(a.state, 'smf.log'), 'utf8')).toBe('svccfg import /opt/custom/smf/zbak-cron.xml\nsvcadm restart site/zbak-cron\n');
  });
});
