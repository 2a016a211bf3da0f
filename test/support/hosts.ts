// Moving things between two fake hosts the way an operator would.
import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';
import { createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';

/** `zfs send zones/<img>@final | zfs receive zones/<img>` plus the imgadm record: same GUIDs on both hosts. */
export async function transferImage(from: FakeSmartOS, to: FakeSmartOS, uuid: string): Promise<void> {
  const send = execa('zfs', ['send', `zones/${uuid}@final`], { env: from.env, reject: false, buffer: false });
  const recv = execa('zfs', ['receive', `zones/${uuid}`], { env: to.env, reject: false, stdin: 'pipe' });
  send.stdout!.pipe(recv.stdin!);
  const [s, r] = await Promise.all([send, recv]);
  if (s.exitCode !== 0 || r.exitCode !== 0) throw new Error(`image transfer failed: ${String(s.stderr)} ${String(r.stderr)}`);
  await mkdir(join(to.root, 'var/imgadm/images'), { recursive: true });
  await copyFile(join(from.root, `var/imgadm/images/zones-${uuid}.json`), join(to.root, `var/imgadm/images/zones-${uuid}.json`));
}

/**
 * Hosts built once per test process and copied: a host's setup is about twenty fake commands,
 * a copy of its two directories (the fake keeps no absolute path in them) is one `cp`. Each
 * template lives in the run's scratch directory (global-setup.ts removes it at the end).
 */
const templates = new Map<string, Promise<{ dir: string; value: unknown }>>();

/** A copy at `at` of the host `build` made once under `key` (same hostname), with build's value. */
export async function fromTemplate<T>(key: string, at: string, hostname: string, build: (h: FakeSmartOS) => Promise<T>): Promise<{ host: FakeSmartOS; value: T }> {
  let t = templates.get(key);
  if (!t) {
    t = (async () => {
      const dir = join(await mkdtemp(join(process.env.ZBAK_TEST_SCRATCH ?? tmpdir(), 'template-')), 'host');
      return { dir, value: await build(new FakeSmartOS(dir, hostname)) };
    })();
    templates.set(key, t);
  }
  const { dir, value } = await t;
  await execa('cp', ['-a', dir, at]);
  return { host: new FakeSmartOS(at, hostname), value: value as T };
}

/** Host A at `at`: the pool and the demo images, no zone. */
export async function imagesHostA(at: string): Promise<FakeSmartOS> {
  const { host } = await fromTemplate('a-images', at, 'host-a', async (a) => {
    await a.init('aaaaaaaa-0000-4000-8000-000000000001');
    await createImages(a);
  });
  return host;
}

/** A temporary directory with host A: the images and the demo zone web01 (its uuid returned). */
export async function demoHostA(prefix: string): Promise<{ dir: string; a: FakeSmartOS; uuid: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const { host, value } = await fromTemplate('a-demo', join(dir, 'a'), 'host-a', async (a) => {
    await a.init('aaaaaaaa-0000-4000-8000-000000000001');
    await createImages(a);
    return createDemoZone(a);
  });
  return { dir, a: host, uuid: value };
}

/** Host B in `dir`: an empty pool, no images. */
export async function emptyHostB(dir: string): Promise<FakeSmartOS> {
  const b = new FakeSmartOS(join(dir, 'b'), 'host-b');
  await b.init('bbbbbbbb-0000-4000-8000-000000000002');
  return b;
}
