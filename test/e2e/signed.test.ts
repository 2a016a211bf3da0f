// Signed archives end to end on the fake host: keygen --sign, save --sign, verify/inspect
// report the signer, restore --trust restores; unsigned, another key's, a tampered archive
// and a stripped signature are refused with exit 15 (12 for damage a checksum finds) and
// the host exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { demoHostA } from '../support/hosts.js';
import { scanTar } from '../../src/archive/tar-scan.js';
import { rawTar } from '../../scripts/make-hostile-archives.js';

let dir: string;
let a: FakeSmartOS;
let archives: string;
let uuid: string;
let signed: string;
let unsigned: string;
const key = (): string => join(dir, 'sign.pem');
const other = (): string => join(dir, 'other.pem');

beforeAll(async () => {
  ({ dir, a, uuid } = await demoHostA('zbak-signed-'));
  archives = join(dir, 'archives');
  await mkdir(archives);
  for (const k of [key(), other()]) {
    const r = await a.zbak(['keygen', '--sign', k]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  }
  expect((await stat(key())).mode & 0o777).toBe(0o600);
  const s = await a.zbak(['save', 'web01', '--to', archives, '--part-size', '4K', '--sign', key()]);
  expect(s.exitCode, s.stderr).toBe(0);
  signed = s.stdout.trim();
  await mkdir(join(dir, 'plain'));
  const u = await a.zbak(['save', 'web01', '--to', join(dir, 'plain'), '--part-size', '4K']);
  expect(u.exitCode, u.stderr).toBe(0);
  unsigned = u.stdout.trim();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refused(args: string[], exitCode: number, message: RegExp): Promise<void> {
  const before = await a.stateSummary();
  const r = await a.zbak(args);
  expect(r.stderr).not.toMatch(/unexpected error/);
  expect(r.exitCode, r.stderr).toBe(exitCode);
  expect(r.stderr).toMatch(message);
  expect(await a.stateSummary()).toBe(before);
}

async function rewrite(name: string, edit: (entries: Array<{ name: string; data: Buffer }>) => Array<{ name: string; data: Buffer }>): Promise<string> {
  const entries: Array<{ name: string; data: Buffer }> = [];
  await scanTar(signed, async (e) => {
    const chunks: Buffer[] = [];
    for await (const c of e.data) chunks.push(Buffer.from(c));
    entries.push({ name: e.name, data: Buffer.concat(chunks) });
  });
  const p = join(dir, name);
  await writeFile(p, rawTar(edit(entries)));
  return p;
}

describe('signed archives on the fake host', () => {
  it('keygen refuses to overwrite a key', async () => {
    const r = await a.zbak(['keygen', '--sign', key()]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/exists; zbak keygen never overwrites/);
  });

  it('verify and inspect say who signed, trusted or not', async () => {
    const v = await a.zbak(['verify', signed]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/signed by SHA256:\S+, not trusted \(no --trust\)/);
    const t = await a.zbak(['verify', signed, '--trust', `${key()}.pub`]);
    expect(t.exitCode, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/signed by SHA256:\S+, trusted/);
    expect((await a.zbak(['verify', unsigned])).stdout).toMatch(/unsigned/);
    expect((await a.zbak(['inspect', signed, '--trust', `${key()}.pub`])).exitCode).toBe(0);
    const i = await a.zbak(['inspect', signed, '--trust', `${other()}.pub`]);
    expect(i.exitCode).toBe(15);
  });

  it('restore --trust refuses unsigned, another key, tampered and stripped archives with the host unchanged', async () => {
    await a.must(['vmadm', 'delete', uuid]);
    const trust = ['--trust', `${key()}.pub`];
    await refused(['restore', unsigned, ...trust], 15, /is not signed; --trust accepts only/);
    await refused(['restore', signed, '--trust', `${other()}.pub`], 15, /signed by SHA256:\S+, which is not a --trust key/);
    await refused(['restore', signed, '--force', '--trust', `${other()}.pub`], 15, /not a --trust key/);
    // vmadm.json changed and the trailer recomputed: the signed front list no longer matches.
    const tampered = await rewrite('tampered.zbak', (es) => es.map((e) => (e.name === 'vmadm.json' ? { ...e, data: Buffer.from(e.data.toString().replace('"web01"', '"evil1"')) } : e)));
    await refused(['restore', tampered, ...trust], 12, /sig\/front.txt: does not list the front entries/);
    // The signature entries removed: an unsigned archive to --trust, a cut one without.
    const stripped = await rewrite('stripped.zbak', (es) => es.filter((e) => !e.name.startsWith('sig/')));
    await refused(['restore', stripped, ...trust], 15, /is not signed/);
    const noTrailerSig = await rewrite('no-trailer-sig.zbak', (es) => es.filter((e) => e.name !== 'sig/trailer.sig'));
    await refused(['restore', noTrailerSig], 15, /sig\/trailer.sig: missing after a signed front/);
    // A byte of the last stream part flipped: found by the data pass, undone.
    const bytes = await readFile(signed);
    const at = bytes.lastIndexOf('zbak-trailer.json') - 700;
    bytes[at]! ^= 1;
    const flipped = join(dir, 'flipped.zbak');
    await writeFile(flipped, bytes);
    await refused(['restore', flipped, ...trust], 12, /sha256 mismatch|does not match/);
    const ok = await a.zbak(['restore', signed, ...trust]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(await a.must(['vmadm', 'get', uuid])).alias).toBe('web01');
  });
});
