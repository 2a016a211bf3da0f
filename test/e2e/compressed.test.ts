// zstd-compressed archives end to end on the fake host: save --compress (the zstd step in
// the dry run is the command the save runs), the by-hand zstd -d | tar -t of docs/FORMAT.md,
// verify, inspect and restore decompressing by themselves; a nightly job's compress: (read
// back through zstd -d by its verify); --compress with --encrypt-to and
// --sign through a pipe to host B; zstd failing midway and a damaged compressed archive,
// each with the host unchanged; and zstd missing from PATH refused before any change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeSmartOS, FAKEBIN, REPO, ZBAK_MAIN } from '../../scripts/lib/fake-smartos.js';
import { demoHostA, emptyHostB } from '../support/hosts.js';
import { byHandBlock } from '../../scripts/lib/by-hand.js';

const ZSTD_MAGIC = '28b52ffd';
let dir: string;
let a: FakeSmartOS;
let uuid: string;
let archives: string;
let compressed: string;
let saveErr: string;

beforeAll(async () => {
  ({ dir, a, uuid } = await demoHostA('zbak-zstd-'));
  archives = join(dir, 'archives');
  await mkdir(archives);
  // Run as --dry-run and for real (plan-check.ts): the zstd command is a planned step.
  const s = await a.zbak(['save', 'web01', '--to', archives, '--part-size', '4K', '--compress', 'zstd:9', '--incremental']);
  expect(s.exitCode, s.stderr).toBe(0);
  saveErr = s.stderr;
  compressed = s.stdout.trim();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compressed archives on the fake host', () => {
  it('save --compress zstd:9 writes a zstd frame under the usual name (no temp file left) that zstd -d and tar -t read, as FORMAT.md says', async () => {
    expect(saveErr).toMatch(/full archive of .*: compressed archives are always full/);
    expect(compressed).toMatch(/\/web01-8aa8dff0-5ee1-4d22-a283-bf79505dfbe3-\d{8}T\d{6}Z\.zbak$/);
    expect(await readdir(archives)).toEqual([compressed.split('/').pop()]);
    expect((await readFile(compressed)).subarray(0, 4).toString('hex')).toBe(ZSTD_MAGIC);
    const dry = await a.zbak(['save', 'web01', '--to', archives, '--compress', 'zstd:9', '--dry-run']);
    expect(dry.stdout).toMatch(/^ {2}3\. zstd -9 -q -c {3}# the archive's tar goes through zstd \(level 9\) to the archive file$/m);
    const doc = await readFile(join(REPO, 'docs/FORMAT.md'), 'utf8');
    const work = join(dir, 'by-hand');
    await mkdir(work);
    const d = await execa('bash', ['-euo', 'pipefail', '-c', byHandBlock(doc, 'decompress')], { cwd: work, env: { ...process.env, ARCHIVE: compressed }, reject: false });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout.split('\n')).toEqual(expect.arrayContaining(['zbak.json', 'vmadm.json', 'streams/s01/000000', 'zbak-trailer.json']));
  });

  it('verify and inspect decompress; restore of the deleted zone is byte-identical', async () => {
    const v = await a.zbak(['verify', compressed]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/: OK \(zone .*decompressed, all checksums match; unsigned/);
    const i = await a.zbak(['inspect', '--json', compressed]);
    expect(i.exitCode, i.stderr).toBe(0);
    expect(JSON.parse(i.stdout).zone.uuid).toBe(uuid);
    const before = await a.treeHash(`/zones/${uuid}/root`);
    await a.must(['vmadm', 'delete', uuid]);
    const r = await a.zbak(['restore', compressed]); // dry run and real run, compared
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await a.treeHash(`/zones/${uuid}/root`)).toBe(before);
  });

  it('zstd failing midway fails the save: exit 1 naming zstd, the snapshot removed, no archive or temp file left', async () => {
    const bin = await mkdtemp(join(dir, 'failing-zstd-'));
    const fake = '#!/bin/sh\n[ "$1" = -V ] && { echo "fake zstd"; exit 0; }\nhead -c 1000 >/dev/null\necho "zstd: simulated failure" >&2\nexit 3\n';
    await writeFile(join(bin, 'zstd'), fake, { mode: 0o755 });
    const state = await a.stateSummary();
    const s = await a.zbak(['save', 'web01', '--to', archives, '--compress', 'zstd'], { PATH: `${bin}:${a.env.PATH}`, ZBAK_PLAN_CHECK: '0' });
    expect(s.exitCode, s.stderr).toBe(1);
    expect(s.stderr).toMatch(/cannot compress the archive: zstd exited 3: zstd: simulated failure/);
    expect(await a.stateSummary()).toBe(state);
    expect(await readdir(archives)).toEqual([compressed.split('/').pop()]);
  });

  it("a nightly job with compress: zstd:5 writes a compressed archive and verifies it by reading it back through zstd -d", async () => {
    const nightly = join(dir, 'nightly');
    await mkdir(nightly);
    await mkdir(join(a.root, 'opt/custom/zbak'), { recursive: true });
    await writeFile(join(a.root, 'opt/custom/zbak/zbak.yaml'), `jobs:\n  nightly:\n    zones: [web01]\n    to: ${nightly}\n    compress: "zstd:5"\n`);
    const r = await a.zbak(['run'], { ZBAK_NOW: '2026-11-01T02:30:00Z', ZBAK_PLAN_CHECK: '0' });
    expect({ code: r.exitCode, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: '', err: '' });
    const file = `web01-${uuid}-20261101T023000Z.zbak`;
    expect(await readdir(nightly)).toEqual([file]);
    expect((await readFile(join(nightly, file))).subarray(0, 4).toString('hex')).toBe(ZSTD_MAGIC);
    const record = JSON.parse(await readFile(join(a.root, 'var/zbak/runs/nightly.json'), 'utf8'));
    expect(record.outcomes).toEqual([expect.objectContaining({ ok: true, verified: true })]);
  });

  it('a damaged compressed archive is refused (exit 12) and the host is left as it was', async () => {
    await a.must(['vmadm', 'delete', uuid]);
    const state = await a.stateSummary();
    const bytes = await readFile(compressed);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x55;
    const damaged = join(dir, 'damaged.zbak');
    await writeFile(damaged, bytes);
    const r = await a.zbak(['restore', damaged], { ZBAK_PLAN_CHECK: '0' });
    expect(r.exitCode, r.stderr).toBe(12);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^zbak: \S/); // one line: the zstd layer or the part sums refuse it, by where the flip fell
    expect(await a.stateSummary()).toBe(state);
  });

  it('zstd missing from PATH: save --compress and restore of a compressed archive are refused (exit 2) naming zstd, nothing changed', async () => {
    const bin = await mkdtemp(join(dir, 'bin-'));
    await symlink(process.execPath, join(bin, 'node'));
    for (const tool of ['dirname', 'readlink']) await symlink(`/usr/bin/${tool}`, join(bin, tool));
    const env = { ...a.env, PATH: `${FAKEBIN}:${bin}` };
    const state = await a.stateSummary();
    const zbak = (args: string[]) => execa(process.execPath, [ZBAK_MAIN, ...args], { env, reject: false, stdin: 'ignore' });
    const s = await zbak(['save', 'web01', '--to', archives, '--compress', 'zstd']);
    expect([s.exitCode, s.stderr]).toEqual([2, expect.stringMatching(/^zbak: --compress zstd: the zstd command is not installed on this host; install it \(SmartOS: pkgin install zstd/)]);
    const r = await zbak(['restore', compressed]);
    expect([r.exitCode, r.stderr]).toEqual([2, expect.stringMatching(/^zbak: .*\.zbak is zstd-compressed, but the zstd command is not installed on this host; install it/)]);
    expect(await a.stateSummary()).toBe(state);
    expect(await readdir(archives)).toEqual([compressed.split('/').pop()]);
  });
});

it('save --to - --compress --encrypt-to --sign | restore - on host B: age outside, zstd inside, restored with the identity and trusted key', async () => {
  const host = await demoHostA('zbak-zstd-pipe-');
  try {
    const b = await emptyHostB(host.dir);
    const key = (name: string): string => join(host.dir, name);
    const recipient = (await host.a.zbak(['keygen', key('id')])).stdout.trim();
    expect((await host.a.zbak(['keygen', '--sign', key('sk')])).exitCode).toBe(0);
    const wire = key('wire');
    const s = await execa('node', [ZBAK_MAIN, 'save', 'web01', '--to', '-', '--compress', 'zstd', '--encrypt-to', recipient, '--sign', key('sk')], { env: host.a.env, reject: false, stdout: { file: wire } });
    expect(s.exitCode, s.stderr).toBe(0);
    expect((await readFile(wire)).subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
    const doc = await readFile(join(REPO, 'docs/FORMAT.md'), 'utf8');
    const d = await execa('bash', ['-euo', 'pipefail', '-c', byHandBlock(doc, 'decrypt-decompress')], { cwd: host.dir, env: { ...process.env, KEY: key('id'), ARCHIVE: wire }, reject: false });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^sig\/trailer\.sig$/m);
    const r = await execa('node', [ZBAK_MAIN, 'restore', '-', '--identity', key('id'), '--trust', key('sk.pub')], { env: b.env, inputFile: wire, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await b.must(['vmadm', 'list', '-H', '-o', 'uuid'])).trim()).toBe(host.uuid);
    expect(await b.treeHash(`/zones/${host.uuid}/root`)).toBe(await host.a.treeHash(`/zones/${host.uuid}/root`));
  } finally {
    await rm(host.dir, { recursive: true, force: true });
  }
});
