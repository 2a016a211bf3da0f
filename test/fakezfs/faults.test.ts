// Fault injection for zbak's tests, and the fake's own robustness: a 200 MiB
// file streams with bounded memory, concurrent commands keep the state sane.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAKEBIN, type FakeHost, hostPerTest } from './harness.js';

const hosts = hostPerTest();
afterAll(hosts.cleanup);

/** A host of its own per test, so tests run concurrently. */
async function setup(): Promise<FakeHost> {
  const h = await hosts.host();
  await h.ok('create', 'zones/A');
  h.write('zones/A/f', 'x'.repeat(100_000));
  await h.ok('snapshot', 'zones/A@s');
  return h;
}

describe.concurrent('fault injection', () => {
  it('ZBAK_FAKE_FAIL fails a matching command without changing state', async () => {
    const h = await setup();
    const env = { ZBAK_FAKE_FAIL: 'snapshot:zones/A@t' };
    const r = await h.zfsBytes(['snapshot', 'zones/A@t'], undefined, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('injected failure: zfs snapshot zones/A@t\n');
    expect((await h.zfs('list', 'zones/A@t')).code).toBe(1);
    expect((await h.zfsBytes(['snapshot', 'zones/A@u'], undefined, env)).code).toBe(0);
    expect((await h.zfsBytes(['list', 'zones/A'], undefined, { ZBAK_FAKE_FAIL: 'list' })).stderr).toBe('injected failure: zfs list zones/A\n');
  });

  it('ZBAK_FAKE_SEND_DIE_AFTER cuts the stream and fails the send', async () => {
    const h = await setup();
    const r = await h.zfsBytes(['send', 'zones/A@s'], undefined, { ZBAK_FAKE_SEND_DIE_AFTER: '1000' });
    expect(r.code).toBe(1);
    expect(r.out.length).toBe(1000);
    expect(r.stderr).toBe("warning: cannot send 'zones/A@s': Input/output error\n");
  });

  it('ZBAK_FAKE_RECEIVE_DIE_AFTER fails the receive and applies nothing', async () => {
    const h = await setup();
    const stream = (await h.zfsBytes(['send', 'zones/A@s'])).out;
    const r = await h.zfsBytes(['receive', 'zones/B'], stream, { ZBAK_FAKE_RECEIVE_DIE_AFTER: '5000' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cannot receive new filesystem stream: I/O error\n');
    expect((await h.zfs('list', 'zones/B')).code).toBe(1);
    expect((await h.zfsBytes(['receive', 'zones/B'], stream)).code).toBe(0);
  });
});

describe.concurrent('robustness', () => {
  it('streams a 200 MiB file through send | receive with bounded memory', async () => {
    const h = await setup();
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 7919) & 0xff;
    const file = h.path('zones/A/big');
    writeFileSync(file, '');
    for (let i = 0; i < 200; i++) {
      chunk[0] = i;
      appendFileSync(file, chunk);
    }
    await h.ok('snapshot', 'zones/A@big');
    const rssLog = join(h.dir, 'rss.log');
    const hook = join(h.dir, 'rss-hook.mjs');
    writeFileSync(
      hook,
      "import { appendFileSync } from 'node:fs';\n" +
        "process.on('exit', () => appendFileSync(process.env.RSS_LOG, `${process.argv[2]} ${process.resourceUsage().maxRSS}\\n`));\n",
    );
    const [s, r] = await h.pipe(['send', 'zones/A@big'], ['receive', 'zones/B'], { NODE_OPTIONS: `--import ${hook}`, RSS_LOG: rssLog });
    expect(s.code).toBe(0);
    expect(r.code).toBe(0);
    const rss = Object.fromEntries(
      readFileSync(rssLog, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string]),
    );
    // maxRSS is in KiB; a whole-file buffer would need 200 MiB or more.
    console.log(`peak RSS for a 200 MiB file: send ${rss['send']} KiB, receive ${rss['receive']} KiB`);
    expect(Number(rss['send']) / 1024).toBeLessThan(120);
    expect(Number(rss['receive']) / 1024).toBeLessThan(120);
    const got = readFileSync(h.path('zones/B/big'));
    expect(got.length).toBe(200 << 20);
    expect(got[199 << 20]).toBe(199);
  });

  it('keeps the state consistent under concurrent commands', async () => {
    const h = await setup();
    const { spawn } = await import('node:child_process');
    const run = (args: string[]) =>
      new Promise<number | null>((done) => {
        const p = spawn(join(FAKEBIN, 'zfs'), args, { env: h.env, stdio: 'ignore' });
        p.on('close', done);
      });
    const codes = await Promise.all(Array.from({ length: 8 }, (_, i) => run(['create', `zones/c${i}`])));
    expect(codes.every((c) => c === 0)).toBe(true);
    const names = (await h.ok('list', '-H', '-o', 'name', '-r', 'zones')).split('\n').filter((n) => /^zones\/c\d$/.test(n));
    expect(names).toHaveLength(8);
  });
});
