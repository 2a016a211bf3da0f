// save --to - with --encrypt-to and --sign: the stream on stdout is an age file holding a signed
// archive (a regression: the stdout path once dropped both flags and wrote the plain archive),
// and restore - on another host opens it only with the right identity and trusted key.
import { afterAll, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ZBAK_MAIN } from '../../scripts/lib/fake-smartos.js';
import { demoHostA, emptyHostB } from '../support/hosts.js';

let dir = '';
afterAll(() => rm(dir, { recursive: true, force: true }));

it('save --to - --encrypt-to --sign | restore - --identity --trust: encrypted and signed on the wire, refused with another identity, restored with the right one', async () => {
  const host = await demoHostA('zbak-pipe-enc-');
  dir = host.dir;
  const { a, uuid } = host;
  const b = await emptyHostB(dir);
  const key = (name: string): string => join(dir, name);
  const recipient = (await a.zbak(['keygen', key('id')])).stdout.trim();
  expect((await a.zbak(['keygen', key('other')])).exitCode).toBe(0);
  expect((await a.zbak(['keygen', '--sign', key('sk')])).exitCode).toBe(0);
  const wire = key('wire');
  const s = await execa('node', [ZBAK_MAIN, 'save', 'web01', '--to', '-', '--encrypt-to', recipient, '--sign', key('sk')], { env: a.env, reject: false, stdout: { file: wire } });
  expect(s.exitCode, s.stderr).toBe(0);
  const bytes = await readFile(wire);
  expect(bytes.subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
  expect(bytes.includes(Buffer.from(uuid))).toBe(false); // nothing of the zone in the clear

  const zbakB = (args: string[]) => execa('node', [ZBAK_MAIN, ...args], { env: b.env, inputFile: wire, reject: false });
  const wrong = await zbakB(['restore', '-', '--identity', key('other'), '--trust', key('sk.pub')]);
  expect([wrong.exitCode, wrong.stderr]).toEqual([14, expect.stringMatching(/encrypted to other keys/)]);
  expect(await b.must(['vmadm', 'list', '-H', '-o', 'uuid'])).toBe('');
  const v = await zbakB(['verify', '-', '--identity', key('id'), '--trust', key('sk.pub')]);
  expect([v.exitCode, v.stdout]).toEqual([0, expect.stringMatching(/decrypted, all checksums match; signed by SHA256:\S+, trusted/)]);
  const r = await zbakB(['restore', '-', '--identity', key('id'), '--trust', key('sk.pub')]);
  expect(r.exitCode, r.stderr).toBe(0);
  expect((await b.must(['vmadm', 'list', '-H', '-o', 'uuid'])).trim()).toBe(uuid);
});
