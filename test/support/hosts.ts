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

/** A temporary directory with host A: the images and the demo zone web01 (its uuid returned). */
export async function demoHostA(prefix: string): Promise<{ dir: string; a: FakeSmartOS; uuid: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const a = new FakeSmartOS(join(dir, 'a'), 'host-a');
  await a.init('aaaaaaaa-0000-4000-8000-000000000001');
  await createImages(a);
  return { dir, a, uuid: await createDemoZone(a) };
}

/** Host B in `dir`: an empty pool, no images. */
export async function emptyHostB(dir: string): Promise<FakeSmartOS> {
  const b = new FakeSmartOS(join(dir, 'b'), 'host-b');
  await b.init('bbbbbbbb-0000-4000-8000-000000000002');
  return b;
}
