// Encrypted archives end to end on the fake host: keygen, save --encrypt-to (and --sign), the
// by-hand commands of docs/FORMAT.md run from the document (age -d gives the plain tar, which
// zbak verifies; openssl checks the signatures), and prune/status without a key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS, REPO } from '../../scripts/lib/fake-smartos.js';
import { createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';
import { byHandBlock } from '../../scripts/lib/by-hand.js';

let dir: string;
let a: FakeSmartOS;
let archives: string;
let uuid: string;
let recipient: string;
let encrypted: string;
const idFile = (): string => join(dir, 'key.txt');
const signKey = (): string => join(dir, 'sign.pem');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-enc-'));
  a = new FakeSmartOS(join(dir, 'a'), 'host-a');
  await a.init('aaaaaaaa-0000-4000-8000-000000000001');
  await createImages(a);
  uuid = await createDemoZone(a);
  archives = join(dir, 'archives');
  await mkdir(archives);
  const k = await a.zbak(['keygen', idFile()]);
  expect(k.exitCode, k.stderr).toBe(0);
  recipient = k.stdout.trim();
  expect(recipient).toMatch(/^age1[0-9a-z]{58}$/);
  expect((await stat(idFile())).mode & 0o777).toBe(0o600);
  expect((await a.zbak(['keygen', '--sign', signKey()])).exitCode).toBe(0);
  const s = await a.zbak(['save', 'web01', '--to', archives, '--part-size', '4K', '--encrypt-to', recipient, '--sign', signKey(), '--incremental']);
  expect(s.exitCode, s.stderr).toBe(0);
  expect(s.stderr).toMatch(/full archive of .*: encrypted archives are always full/);
  encrypted = s.stdout.trim();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('encrypted archives on the fake host', () => {
  it('are age files named as every archive, with no temp file left', async () => {
    expect(encrypted).toMatch(/\/web01-8aa8dff0-5ee1-4d22-a283-bf79505dfbe3-\d{8}T\d{6}Z\.zbak$/);
    expect((await readFile(encrypted)).subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    expect(await readdir(archives)).toEqual([encrypted.split('/').pop()]);
  });

  it("FORMAT.md's by-hand commands: age -d gives the plain archive (zbak verifies it, signed by the trusted key), openssl checks the signatures", async () => {
    const doc = await readFile(join(REPO, 'docs/FORMAT.md'), 'utf8');
    const work = join(dir, 'by-hand');
    await mkdir(work);
    const env = { ...process.env, KEY: idFile(), ARCHIVE: encrypted, PUB: `${signKey()}.pub` };
    const d = await execa('bash', ['-euo', 'pipefail', '-c', byHandBlock(doc, 'decrypt')], { cwd: work, env, reject: false });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/zbak\.json/);
    const v = await a.zbak(['verify', join(work, 'plain.zbak'), '--trust', `${signKey()}.pub`]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/OK .*signed by SHA256:\S+, trusted/);
    await execa('tar', ['-xf', 'plain.zbak'], { cwd: work });
    const c = await execa('bash', ['-euo', 'pipefail', '-c', byHandBlock(doc, 'check-signature')], { cwd: work, env, reject: false });
    expect(c.exitCode, c.stderr).toBe(0);
    expect(c.stdout.match(/Signature Verified Successfully/g)).toHaveLength(2);
    expect(c.stdout).toMatch(/sig\/signer.pub: OK/);
  });

  it('prune and status without a key: the encrypted archive is a full archive of its zone and time', async () => {
    const p = await a.zbak(['prune', archives, '--keep-last', '1', '--dry-run']);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(p.stdout + p.stderr).toMatch(new RegExp(`keep ${encrypted.split('/').pop()!.replace(/\./g, '\\.')} `));
    const later = await a.zbak(['save', 'web01', '--to', archives, '--part-size', '4K', '--encrypt-to', recipient], { ZBAK_NOW: '2099-01-01T00:00:00Z' });
    expect(later.exitCode, later.stderr).toBe(0);
    const pruned = await a.zbak(['prune', archives, '--keep-last', '1']);
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(await readdir(archives)).toEqual([later.stdout.trim().split('/').pop()]);
    void uuid;
  });
});
