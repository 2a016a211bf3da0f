// Moving things between two fake hosts the way an operator would.
import { execa } from 'execa';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeSmartOS } from '../../scripts/lib/fake-smartos.js';

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
