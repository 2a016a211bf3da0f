// What a killed or interrupted zbak leaves behind, and hostile text from archives, end to
// end: the compiled CLI against the fake SmartOS host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { copyFile, mkdtemp, mkdir, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS, ZBAK_MAIN } from '../../scripts/lib/fake-smartos.js';
import { createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';
import { editJson, rewriteArchive, streamData, writeArchive } from '../unit/archive/helpers.js';
import type { Header } from '../../src/archive/format.js';

let dir: string;
let a: FakeSmartOS;
let uuid: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-leftovers-'));
  a = new FakeSmartOS(join(dir, 'a'), 'host-a');
  await a.init('aaaaaaaa-0000-4000-8000-000000000001');
  await createImages(a);
  uuid = await createDemoZone(a);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small valid archive whose header is `edit`ed first (streams of a few bytes). */
/** A genuine test archive whose header is then edited, checksums recomputed (the writer refuses to write such a header). */
async function archiveWith(path: string, edit: (h: Header) => void): Promise<void> {
  const base = `${path}.base`;
  await writeArchive(base, [streamData(0, 2000), streamData(1, 2000), streamData(2, 2500)], 4096);
  await rewriteArchive(base, path, editJson('zbak.json', (h: Header) => void edit(h)));
}

describe('archive text never drives the terminal', () => {
  it('inspect of an archive whose alias, hostname and image name carry escape sequences prints them escaped', async () => {
    const file = join(dir, 'esc.zbak');
    await archiveWith(file, (h) => {
      h.zone.alias = 'web\x1b[31mRED';
      h.source.hostname = 'host\x1b]0;pwned\x07';
      h.images[0]!.name = 'base\x9b2J';
    });
    for (const args of [['inspect', file], ['inspect', file, '--json'], ['verify', file]]) {
      const r = await execa('node', [ZBAK_MAIN, ...args], { env: a.env, reject: false });
      const all = `${String(r.stdout)}${String(r.stderr)}`;
      expect(all, args.join(' ')).not.toContain('\x1b');
      expect(all, args.join(' ')).not.toContain('\x9b');
      // Another check may refuse such an alias at verify (exit 12); what is printed stays escaped either way.
      if (r.exitCode === 0 && args[0] === 'inspect' && args.length === 2) {
        expect(String(r.stdout)).toContain('(web\\x1b[31mRED)');
        expect(String(r.stdout)).toContain('source:   host\\x1b]0;pwned\\x07');
      }
      if (r.exitCode === 0 && args.includes('--json')) {
        expect((JSON.parse(String(r.stdout)) as { zone: { alias: string } }).zone.alias).toBe('web\x1b[31mRED');
      }
    }
  });
});

describe('verify, inspect and restore of a FIFO', () => {
  it('refuse at once with exit 10 naming the file (no hang)', async () => {
    const fifo = join(dir, 'fifo.zbak');
    await execa('mkfifo', [fifo]);
    for (const cmd of ['verify', 'inspect', 'restore']) {
      const r = await a.zbak([cmd, fifo]);
      expect(r.exitCode, `${cmd}: ${r.stderr}`).toBe(10);
      expect(r.stderr.trim()).toBe(`zbak: cannot read archive ${fifo}: it is a FIFO, not a regular file; give the path of a .zbak file`);
    }
  });
});

describe('signals during cleanup', () => {
  it('SIGINT, then two more while save cleans up: cleanup finishes (no temp file, no snapshot), exit 130', async () => {
    const out = join(dir, 'interrupt');
    await mkdir(out);
    await a.writeFiles(`/zones/${uuid}/root`, { 'var/big.bin': randomBytes(48 * 1024 * 1024).toString('base64') });
    const before = await a.stateSummary();
    const child = execa('node', [ZBAK_MAIN, 'save', 'web01', '--to', out, '--part-size', '1M'], { env: a.env, reject: false });
    // No time bound (a busy CI machine is slow to start): until the temp file exists or the save ended.
    let ended = false;
    void child.finally(() => (ended = true));
    while (!ended && !(await readdir(out)).some((f) => f.includes('.partial-'))) await sleep(50);
    expect(await readdir(out)).not.toEqual([]);
    child.kill('SIGINT');
    // The next ones land while the temp file is removed and `zfs destroy` runs.
    await sleep(20);
    child.kill('SIGINT');
    await sleep(20);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(130);
    expect(String(r.stderr)).toMatch(/zbak: SIGINT received, cleaning up\n/);
    expect(String(r.stderr)).toMatch(/cleanup in progress; zbak exits when it is done/);
    expect(String(r.stderr)).toMatch(/zbak: interrupted by SIGINT$/m);
    expect(await readdir(out)).toEqual([]);
    expect(await a.stateSummary()).toBe(before);
    await rm(join(a.root, `zones/${uuid}/root/var/big.bin`)); // keep the later saves small
  });
});

describe('a lock left by a killed zbak', () => {
  it('is taken at once by the next save (the dead pid is not alive); a live holder still refuses with exit 11', async () => {
    const out = join(dir, 'lock');
    await mkdir(out);
    const lockDir = join(a.root, 'var/run/zbak');
    await mkdir(lockDir, { recursive: true });
    const lock = join(lockDir, `${uuid}.lock`);
    const gone = execa('true');
    const deadPid = gone.pid!;
    await gone;
    const record = (pid: number): string => JSON.stringify({ pid, token: '0123456789abcdef', since: '2026-01-01T00:00:00.000Z' });
    await writeFile(lock, record(deadPid));
    const r = await a.zbak(['save', 'web01', '--to', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await readdir(lockDir)).toEqual([]);
    await writeFile(lock, record(process.pid));
    const busy = await a.zbak(['save', 'web01', '--to', out]);
    expect(busy.exitCode, busy.stderr).toBe(11);
    expect(busy.stderr).toContain(`held by pid ${process.pid}`);
    await rm(lock);
  });
});

describe('save --keep-archives with copied and damaged files in the directory', () => {
  it('ranks by header date: copies of an old archive named with far-future stamps go, the new archive and the next newest stay; damaged files are kept and reported; a dead save\'s temp file is swept', async () => {
    const out = join(dir, 'keep');
    await mkdir(out);
    const save = async (...extra: string[]): Promise<{ path: string; stderr: string }> => {
      await sleep(1100); // archive names and snapshots are per second
      const r = await a.zbak(['save', 'web01', '--to', out, ...extra]);
      expect(r.exitCode, r.stderr).toBe(0);
      return { path: r.stdout.trim().split('\n').pop()!, stderr: r.stderr };
    };
    const first = (await save()).path;
    const second = (await save()).path;
    const future = [`web01-${uuid}-29991231T235959Z.zbak`, `copy-${uuid}-29981231T235959Z.zbak`];
    for (const f of future) await copyFile(first, join(out, f));
    const broken = `web01-${uuid}-20200101T000000Z.zbak`;
    await copyFile(second, join(out, broken));
    await truncate(join(out, broken), Math.floor((await stat(join(out, broken))).size / 2));
    await writeFile(join(out, 'notes.txt'), 'keep me\n');
    const gone = execa('true');
    await gone;
    const deadTemp = `.web01-${uuid}-20200101T000000Z.zbak.partial-${gone.pid}-0badf00d`;
    await writeFile(join(out, deadTemp), 'half an archive');

    const third = await save('--keep-archives', '2');
    const left = (await readdir(out)).sort();
    expect(left).toEqual([third.path, second, join(out, broken), join(out, 'notes.txt')].map((p) => p.split('/').pop()!).sort());
    for (const removed of [first, ...future.map((f) => join(out, f))]) expect(third.stderr).toContain(`removed older archive ${removed}`);
    expect(third.stderr).toContain(`removed ${join(out, deadTemp)}: temp file of a save that died (pid ${gone.pid} is gone)`);
    expect(third.stderr).toMatch(new RegExp(`kept 1 file\\(s\\) in ${out} that are not readable as archives: ${broken} \\(.*\\)`));
    const verified = await a.zbak(['verify', third.path, second]);
    expect(verified.exitCode, verified.stderr).toBe(0);
  });
});

describe('zbak recover', () => {
  it('with no journal of the zone says so and exits 0; a name that is not a uuid is a usage error', async () => {
    const none = await execa('node', [ZBAK_MAIN, 'recover', uuid], { env: a.env, reject: false });
    expect(none.exitCode).toBe(0);
    expect(String(none.stdout)).toContain(`no interrupted restore of ${uuid} is recorded`);
    const bad = await execa('node', [ZBAK_MAIN, 'recover', '../etc'], { env: a.env, reject: false });
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toMatch(/zone.*not a lowercase uuid/);
  });

  it('an undo step that fails stays recorded: recover exits 1 naming it, and a restore of the zone will not go on', async () => {
    const journalDir = join(a.root, 'var/zbak/journal');
    await mkdir(journalDir, { recursive: true });
    const file = join(journalDir, `${uuid}.json`);
    const step = { kind: 'undo', op: 'run', what: 'destroy what the killed run received', argv: ['zfs', 'destroy', '-r', `zones/${uuid}-gone`] };
    await writeFile(file, JSON.stringify({ zbakJournal: 1, key: uuid, groups: [[step]] }));
    const archives = join(dir, 'recover-archives');
    await mkdir(archives, { recursive: true });
    try {
      const r = await execa('node', [ZBAK_MAIN, 'recover', uuid], { env: a.env, reject: false });
      expect(r.exitCode).toBe(1);
      expect(String(r.stderr)).toContain('undo: destroy what the killed run received failed');
      expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ groups: [[{ argv: step.argv }]] });
      // The zone exists, so --force: the restore must refuse before changing anything.
      expect((await execa('node', [ZBAK_MAIN, 'save', uuid, '--to', archives], { env: a.env, reject: false })).exitCode).toBe(0);
      const archive = join(archives, (await readdir(archives)).find((f) => f.endsWith('.zbak'))!);
      const before = (await execa('zfs', ['list', '-H', '-p', '-t', 'all', '-o', 'name,guid'], { env: a.env })).stdout;
      const restore = await execa('node', [ZBAK_MAIN, 'restore', archive, '--force'], { env: a.env, reject: false });
      expect(restore.exitCode).toBe(1);
      expect(String(restore.stderr)).toContain(`then run 'zbak recover ${uuid}'`);
      expect((await execa('zfs', ['list', '-H', '-p', '-t', 'all', '-o', 'name,guid'], { env: a.env })).stdout).toBe(before);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('a damaged journal is refused, named, and left in place for the operator', async () => {
    const journalDir = join(a.root, 'var/zbak/journal');
    await mkdir(journalDir, { recursive: true });
    const file = join(journalDir, `${uuid}.json`);
    await writeFile(file, '{"zbakJournal": 1, "key": ');
    try {
      const r = await execa('node', [ZBAK_MAIN, 'recover', uuid], { env: a.env, reject: false });
      expect(r.exitCode).toBe(1);
      expect(String(r.stderr)).toContain(`/var/zbak/journal/${uuid}.json is damaged`);
      expect((await readdir(journalDir))).toContain(`${uuid}.json`);
    } finally {
      await rm(file, { force: true });
    }
  });
});

describe('ZBAK_NOW (the clock knob of simulations)', () => {
  it('takes only an ISO 8601 UTC time: "1" or a local time is a usage error before anything runs', async () => {
    for (const bad of ['1', '2026-12-01 03:00', '2026-12-01T03:00:00+01:00']) {
      const r = await execa('node', [ZBAK_MAIN, 'save', uuid, '--to', dir, '--dry-run'], { env: { ...a.env, ZBAK_NOW: bad }, reject: false });
      expect(r.exitCode, bad).toBe(2);
      expect(String(r.stderr)).toContain(`ZBAK_NOW '${bad}' is not a UTC time`);
    }
    const ok = await execa('node', [ZBAK_MAIN, 'save', uuid, '--to', dir, '--dry-run'], { env: { ...a.env, ZBAK_NOW: '2026-12-01T03:00:00Z' }, reject: false });
    expect(ok.exitCode).toBe(0);
    expect(String(ok.stdout)).toContain('zbak-20261201T030000Z');
  });
});
