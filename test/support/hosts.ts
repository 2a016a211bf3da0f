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
 * Host A's state, built once per test process: its setup is about twenty fake commands, and a
 * copy of the two directories (the fake keeps no absolute path in them) is one `cp`.
 */
let templateA: Promise<{ dir: string; uuid: string }> | undefined;

function buildTemplateA(): Promise<{ dir: string; uuid: string }> {
  templateA ??= (async () => {
    // In the run's scratch directory (global-setup.ts removes it at the end).
    const dir = await mkdtemp(join(process.env.ZBAK_TEST_SCRATCH ?? tmpdir(), 'template-a-'));
    const a = new FakeSmartOS(join(dir, 'a'), 'host-a');
    await a.init('aaaaaaaa-0000-4000-8000-000000000001');
    await createImages(a);
    return { dir, uuid: await createDemoZone(a) };
  })();
  return templateA;
}

/** A temporary directory with host A: the images and the demo zone web01 (its uuid returned). */
export async function demoHostA(prefix: string): Promise<{ dir: string; a: FakeSmartOS; uuid: string }> {
  const template = await buildTemplateA();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await execa('cp', ['-a', join(template.dir, 'a'), join(dir, 'a')]);
  return { dir, a: new FakeSmartOS(join(dir, 'a'), 'host-a'), uuid: template.uuid };
}

/** Host B in `dir`: an empty pool, no images. */
export async function emptyHostB(dir: string): Promise<FakeSmartOS> {
  const b = new FakeSmartOS(join(dir, 'b'), 'host-b');
  await b.init('bbbbbbbb-0000-4000-8000-000000000002');
  return b;
}
