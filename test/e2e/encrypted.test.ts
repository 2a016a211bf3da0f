// Encrypted archives end to end on the fake host: keygen, save --encrypt-to (and --sign), the
// by-hand commands of docs/FORMAT.md run from the document (age -d gives the plain tar, which
// zbak verifies; openssl checks the signatures), and prune/status without a key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeSmartOS, REPO, ZBAK_MAIN } from '../../scripts/lib/fake-smartos.js';
import { demoHostA } from '../support/hosts.js';
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
  ({ dir, a, uuid } = await demoHostA('zbak-enc-'));
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

  it('verify and inspect decrypt with --identity; without one, or with another, exit 14', async () => {
    const v = await a.zbak(['verify', encrypted, '--identity', idFile(), '--trust', `${signKey()}.pub`]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/OK .*decrypted, all checksums match; signed by SHA256:\S+, trusted/);
    const i = await a.zbak(['inspect', '--json', encrypted, '--identity', idFile()]);
    expect(i.exitCode, i.stderr).toBe(0);
    expect(JSON.parse(i.stdout).zone.uuid).toBe(uuid);
    const none = await a.zbak(['verify', encrypted]);
    expect(none.exitCode).toBe(14);
    expect(none.stderr).toMatch(/is encrypted \(age\); give the key with --identity FILE/);
    const other = join(dir, 'other.txt');
    expect((await a.zbak(['keygen', other])).exitCode).toBe(0);
    const wrong = await a.zbak(['inspect', encrypted, '--identity', other]);
    expect(wrong.exitCode).toBe(14);
    expect(wrong.stderr).toMatch(/encrypted to other keys/);
  });

  it('restore: refused with no or a wrong identity (host unchanged), restored with the right one, --force over the zone, and from stdin', async () => {
    const before = await a.treeHash(`/zones/${uuid}/root`);
    const forced = await a.zbak(['restore', encrypted, '--force', '--identity', idFile(), '--trust', `${signKey()}.pub`]);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/verified .* \(decrypted\).*second pass/);
    expect(await a.treeHash(`/zones/${uuid}/root`)).toBe(before);
    await a.must(['vmadm', 'delete', uuid]);
    const state = await a.stateSummary();
    for (const args of [[], ['--identity', join(dir, 'other.txt')]]) {
      const r = await a.zbak(['restore', encrypted, ...args]);
      expect(r.exitCode, r.stderr).toBe(14);
      expect(await a.stateSummary()).toBe(state);
    }
    // Signed by a key that is not trusted: refused before any change, also inside the encryption.
    const other = join(dir, 'other-sign.pem');
    expect((await a.zbak(['keygen', '--sign', other])).exitCode).toBe(0);
    const untrusted = await a.zbak(['restore', encrypted, '--identity', idFile(), '--trust', `${other}.pub`]);
    expect(untrusted.exitCode, untrusted.stderr).toBe(15);
    expect(await a.stateSummary()).toBe(state);
    // A flipped byte near the end of the ciphertext: the restore is undone.
    const bytes = await readFile(encrypted);
    bytes[bytes.length - 40]! ^= 1;
    const flipped = join(dir, 'flipped.zbak');
    await writeFile(flipped, bytes);
    const bad = await a.zbak(['restore', flipped, '--identity', idFile()], { ZBAK_PLAN_CHECK: '0' });
    expect(bad.exitCode, bad.stderr).toBe(12);
    expect(bad.stderr).toMatch(/does not authenticate/);
    expect(await a.stateSummary()).toBe(state);
    const ok = await a.zbak(['restore', encrypted, '--identity', idFile(), '--trust', `${signKey()}.pub`]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await a.treeHash(`/zones/${uuid}/root`)).toBe(before);
    await a.must(['vmadm', 'delete', uuid]);
    const piped = await execa('node', [ZBAK_MAIN, 'restore', '-', '--identity', idFile()], { env: a.env, inputFile: encrypted, reject: false });
    expect(piped.exitCode, piped.stderr).toBe(0);
    expect(await a.treeHash(`/zones/${uuid}/root`)).toBe(before);
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
