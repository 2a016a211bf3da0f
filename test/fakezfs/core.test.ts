import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { FAKEBIN, type FakeHost, makeHost } from './harness.js';

let h: FakeHost;
beforeEach(async () => {
  h = makeHost();
  await h.okPool('create', 'zones');
});
afterEach(() => h.cleanup());

describe('fake zfs core', () => {
  it('creates, snapshots, clones and lists like real zfs', async () => {
    await h.ok('create', 'zones/IMG');
    h.write('zones/IMG/a.txt', 'hello');
    await h.ok('snapshot', 'zones/IMG@final');
    await h.ok('clone', 'zones/IMG@final', 'zones/ZONE');
    expect(h.read('zones/ZONE/a.txt')).toBe('hello');
    const out = await h.ok('list', '-H', '-t', 'all', '-o', 'name,origin,type,mountpoint', '-r', 'zones');
    expect(out).toBe(
      [
        'zones\t-\tfilesystem\t/zones',
        'zones/IMG\t-\tfilesystem\t/zones/IMG',
        'zones/IMG@final\t-\tsnapshot\t-',
        'zones/ZONE\tzones/IMG@final\tfilesystem\t/zones/ZONE',
        '',
      ].join('\n'),
    );
  });

  it('refuses a missing dataset with the real message', async () => {
    const r = await h.zfs('list', 'zones/nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("cannot open 'zones/nope': dataset does not exist\n");
  });

  it('refuses to write a stream to a terminal or read one from it', async () => {
    await h.ok('snapshot', 'zones@s');
    const tty = (cmd: string) => spawnSync('script', ['-qec', cmd, '/dev/null'], { env: h.env, encoding: 'utf8' });
    const send = tty('zfs send zones@s');
    expect(send.status).toBe(1);
    expect(send.stdout).toContain('Error: Stream can not be written to a terminal.');
    const recv = tty('zfs receive zones/x');
    expect(recv.status).toBe(1);
    expect(recv.stdout).toContain('Error: Backup stream can not be read from a terminal.');
  });

  it('refuses to send into /dev/null, as zfs does on Linux', async () => {
    await h.ok('snapshot', 'zones@n');
    const r = spawnSync(join(FAKEBIN, 'zfs'), ['send', 'zones@n'], { env: h.env, stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'] });
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(/^warning: cannot send 'zones@n': Invalid argument\nError: Writing directly to \/dev\/\{null,zero\} files/);
  });

  it('fails clearly without its environment', async () => {
    const env = { ...h.env };
    delete env['ZBAK_FAKE_STATE'];
    const r = spawnSync(join(FAKEBIN, 'zfs'), ['list'], { env });
    expect(r.status).toBe(2);
    expect(r.stderr.toString()).toContain('ZBAK_FAKE_STATE');
  });
});
