// `zbak save ZONE --to - | zbak restore -` between two fake hosts: nothing on disk in
// between. A bad stream (truncated, a flipped byte, a sender killed midway) and --force
// through a pipe are refused with host B exactly as it was.
import { execa } from 'execa';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoZoneFacts } from '../support/demo-facts.js';
import { FakeSmartOS, ZBAK_MAIN, type ExecResult } from '../../scripts/lib/fake-smartos.js';
import { runCheckingPlan } from '../../scripts/lib/plan-check.js';
import { BASE_IMAGE, WEBAPP_IMAGE, createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';
import { demoHostA, emptyHostB, transferImage } from '../support/hosts.js';

let dir: string;
let a: FakeSmartOS;
let b: FakeSmartOS;
let uuid: string;

beforeEach(async () => {
  ({ dir, a, uuid } = await demoHostA('zbak-pipe-'));
  // Host B has the base image only: the restore installs the zone's image from the stream.
  b = await emptyHostB(dir);
  await transferImage(a, b, BASE_IMAGE);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const result = (r: { exitCode?: number; stdout: unknown; stderr: unknown }): ExecResult => ({
  exitCode: r.exitCode ?? -1,
  stdout: String(r.stdout),
  stderr: String(r.stderr),
});

/** `zbak save web01 --to -` on A piped into `zbak <args>` on B. */
async function throughPipe(args: string[], saveEnv: Record<string, string> = {}): Promise<{ save: ExecResult; recv: ExecResult }> {
  const save = execa('node', [ZBAK_MAIN, 'save', 'web01', '--to', '-'], { env: { ...a.env, ...saveEnv }, reject: false, stdin: 'ignore', buffer: { stdout: false } });
  const recv = execa('node', [ZBAK_MAIN, ...args], { env: b.env, reject: false, stdin: 'pipe' });
  save.stdout.pipe(recv.stdin);
  const [s, r] = await Promise.all([save, recv]);
  return { save: result(s), recv: result(r) };
}

/** `zbak <args>` on B with these bytes on its standard input. */
async function fromBytes(args: string[], bytes: Buffer): Promise<ExecResult> {
  return result(await execa('node', [ZBAK_MAIN, ...args], { env: b.env, reject: false, input: bytes }));
}

async function savedArchive(): Promise<Buffer> {
  const archives = join(dir, 'archives');
  await mkdir(archives);
  const r = await a.zbak(['save', 'web01', '--to', archives], { ZBAK_PLAN_CHECK: '0' });
  expect(r.exitCode, r.stderr).toBe(0);
  return readFile(r.stdout.trim());
}

/** Offset of an entry's data in a plain ustar archive (what zbak writes). */
function entryData(tar: Buffer, name: string): { offset: number; size: number } {
  for (let at = 0; at + 512 <= tar.length;) {
    const h = tar.subarray(at, at + 512);
    const n = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const prefix = h.subarray(345, 500).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    if ((prefix ? `${prefix}/${n}` : n) === name) return { offset: at + 512, size };
    if (n === '') break;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no entry ${name}`);
}

/** The demo zone's facts, its JSON cut to the fields a pipe restore keeps. */
async function zoneFacts(host: FakeSmartOS): Promise<Record<string, unknown>> {
  const { vm, ...facts } = await demoZoneFacts(host, uuid);
  return { ...facts, vm: Object.fromEntries(['alias', 'brand', 'autoboot', 'create_timestamp', 'customer_metadata', 'tags', 'nics', 'quota', 'datasets', 'image_uuid'].map((k) => [k, vm[k]])) };
}

describe('save --to - | restore - between two fake hosts', () => {
  it('moves the zone: files, snapshots + GUIDs, origin, quota and zone JSON come back; nothing is written on disk', async () => {
    const { save, recv } = await throughPipe(['restore', '-']);
    expect(save.exitCode, save.stderr).toBe(0);
    expect(recv.exitCode, recv.stderr).toBe(0);
    expect(save.stderr).toMatch(/saved 8aa8dff0-\S+ to standard output/);
    expect(recv.stderr).toMatch(/from a pipe: .*every step above is undone: nothing the host had is touched/);
    expect(recv.stderr).toMatch(/install image 39665d70/);
    expect(await zoneFacts(b)).toEqual(await zoneFacts(a));
    expect(JSON.parse(await b.must(['vmadm', 'get', uuid])).state).toBe('running');
  });

  it('save --to - | verify -: OK with the same summary as a file verify', async () => {
    const { save, recv } = await throughPipe(['verify', '-']);
    expect(save.exitCode, save.stderr).toBe(0);
    expect(recv.exitCode, recv.stderr).toBe(0);
    expect(recv.stdout).toMatch(/^-: OK \(zone 8aa8dff0-5ee1-4d22-a283-bf79505dfbe3, \d+ streams, \d+ bytes, all checksums match; unsigned \(no signature entries\)\)$/);
  });

  it('restore - runs exactly the steps its --dry-run printed (plan check through stdin)', async () => {
    const archive = join(dir, 'pipe.zbak');
    await writeFile(archive, await savedArchive());
    const run = async (args: string[], env: Record<string, string>): Promise<ExecResult> =>
      result(await execa('node', [ZBAK_MAIN, ...args], { env: { ...b.env, ...env }, reject: false, inputFile: archive }));
    const r = await runCheckingPlan(run, ['restore', '-'], {}, join(dir, 'trace.jsonl'));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await zoneFacts(b)).toEqual(await zoneFacts(a));
  });

  it('--dry-run from a pipe prints the plan and what a bad stream does, and changes nothing', async () => {
    const bytes = await savedArchive();
    const state = await b.stateSummary();
    const r = await fromBytes(['restore', '-', '--dry-run'], bytes);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^plan: restore zone 8aa8dff0/m);
    expect(r.stdout).toMatch(/^ {2}from a pipe: streams are received as they arrive and matched at the end; a bad stream .* every step above is undone: nothing the host had is touched$/m);
    expect(r.stdout).toMatch(/archive-end|every archive byte read and matched/);
    expect(await b.stateSummary()).toBe(state);
  });
});

describe('a bad stream is refused and host B is left exactly as it was', () => {
  it('a truncated pipe', async () => {
    const bytes = await savedArchive();
    const state = await b.stateSummary();
    for (const cut of [300, entryData(bytes, 'streams/s03/000000').offset + 2000, bytes.length - 1024 - 10]) {
      const r = await fromBytes(['restore', '-'], bytes.subarray(0, cut));
      expect(r.exitCode, `cut at ${cut}: ${r.stderr}`).toBe(12);
      expect(r.stderr).toMatch(/truncated|missing/);
      expect(await b.stateSummary()).toBe(state);
      const v = await fromBytes(['verify', '-'], bytes.subarray(0, cut));
      expect(v.exitCode).toBe(12);
    }
  });

  it('one flipped byte in a part that is only read (the image B has): found at the trailer, after the zone was received, and all undone', async () => {
    const bytes = Buffer.from(await savedArchive());
    const part = entryData(bytes, 'streams/s01/000000');
    bytes[part.offset + Math.floor(part.size / 2)]! ^= 0x01;
    const state = await b.stateSummary();
    const r = await fromBytes(['restore', '-'], bytes);
    expect(r.exitCode, r.stderr).toBe(12);
    expect(r.stderr).toMatch(/receive s03 .* into zones\/8aa8dff0/); // the zone's streams went into zfs receive first
    expect(r.stderr).toMatch(/^zbak: streams\/s01\/000000: sha256 mismatch: archive has [0-9a-f]{64}, trailer says [0-9a-f]{64}$/m);
    expect(r.stderr).toMatch(/undo: delete the new zone 8aa8dff0/);
    expect(await b.stateSummary()).toBe(state);
    const v = await fromBytes(['verify', '-'], bytes);
    expect(v.exitCode).toBe(12);
    expect(v.stderr).toMatch(/streams\/s01\/000000: sha256 mismatch/);
  });

  it('one flipped byte in a part zfs receive takes: refused (zfs or zbak, whichever sees it first), all undone', async () => {
    const bytes = Buffer.from(await savedArchive());
    const part = entryData(bytes, 'streams/s03/000000');
    bytes[part.offset + part.size - 100]! ^= 0x01;
    const state = await b.stateSummary();
    const r = await fromBytes(['restore', '-'], bytes);
    expect(r.exitCode, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/^zbak: (streams\/s03\/000000: sha256 mismatch|cannot receive s03 .*(checksum mismatch|invalid backup stream))/m);
    expect(await b.stateSummary()).toBe(state);
  });

  it('a sender killed midway (the pipe ends early): refused, nothing left', async () => {
    const archive = join(dir, 'whole.zbak');
    const bytes = await savedArchive();
    await writeFile(archive, bytes);
    // Writes most of the archive, then kills itself: the reader sees the pipe end without a trailer.
    const script = `const fs=require('fs');const b=fs.readFileSync(process.argv[1]);fs.writeSync(1,b.subarray(0,Number(process.argv[2])));process.kill(process.pid,'SIGKILL');`;
    const state = await b.stateSummary();
    const sender = execa('node', ['-e', script, archive, String(Math.floor(bytes.length * 0.8))], { reject: false, stdin: 'ignore', buffer: { stdout: false } });
    const recv = execa('node', [ZBAK_MAIN, 'restore', '-'], { env: b.env, reject: false, stdin: 'pipe' });
    sender.stdout.pipe(recv.stdin);
    const [s, r] = await Promise.all([sender, recv]);
    expect(s.signal).toBe('SIGKILL');
    expect(r.exitCode, String(r.stderr)).toBe(12);
    expect(await b.stateSummary()).toBe(state);
  });

  it('a save that fails midway ends the stream without a trailer: it exits 1 and removes its snapshot, the restore refuses', async () => {
    const snapshotsBefore = await a.must(['zfs', 'list', '-H', '-t', 'snapshot', '-o', 'name,guid', '-r', 'zones']);
    const state = await b.stateSummary();
    const { save, recv } = await throughPipe(['restore', '-'], { ZBAK_FAKE_FAIL: `send:zones/${uuid}@` });
    expect(save.exitCode, save.stderr).toBe(1);
    expect(save.stderr).toMatch(/injected failure: zfs send/);
    expect(await a.must(['zfs', 'list', '-H', '-t', 'snapshot', '-o', 'name,guid', '-r', 'zones'])).toBe(snapshotsBefore);
    expect(recv.exitCode, recv.stderr).toBe(12);
    expect(recv.stderr).toMatch(/truncated/);
    expect(await b.stateSummary()).toBe(state);
  });

  it('restore - --force: refused before reading, with the fix', async () => {
    const bytes = await savedArchive();
    const state = await b.stateSummary();
    const r = await fromBytes(['restore', '-', '--force'], bytes);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^zbak: restore - --force: .*save to a file first/);
    expect(await b.stateSummary()).toBe(state);
  });
});

describe('an incremental archive through a pipe', () => {
  it('is refused after its front, before any change, with the fix', async () => {
    const archives = join(dir, 'chain');
    await mkdir(archives);
    const full = await a.zbak(['save', 'web01', '--to', archives], { ZBAK_PLAN_CHECK: '0', ZBAK_NOW: '2026-12-01T03:00:00Z' });
    expect(full.exitCode, full.stderr).toBe(0);
    const inc = await a.zbak(['save', 'web01', '--to', archives, '--incremental'], { ZBAK_PLAN_CHECK: '0', ZBAK_NOW: '2026-12-02T03:00:00Z' });
    expect(inc.exitCode, inc.stderr).toBe(0);
    expect(inc.stderr).toMatch(/incremental archive of/);
    const state = await b.stateSummary();
    const r = await fromBytes(['restore', '-'], await readFile(inc.stdout.trim()));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^zbak: standard input holds an incremental archive \(it continues web01-\S+\.zbak\): restore the chain from its directory/m);
    expect(await b.stateSummary()).toBe(state);
  });
});

describe('save --to - refusals', () => {
  it('refuses the options that need a directory', async () => {
    for (const extra of [['--keep-last', '2'], ['--incremental'], ['--medium', 'usb1']]) {
      const r = await a.zbak(['save', 'web01', '--to', '-', ...extra]);
      expect(r.exitCode, extra.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/needs a directory; it does not apply to --to -/);
      expect(r.stdout).toBe('');
    }
  });
});
