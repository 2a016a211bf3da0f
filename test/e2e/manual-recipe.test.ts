// docs/FORMAT.md promises that someone without zbak can restore with tar and
// zfs receive. This runs the "Manual restore" shell block from the document
// itself (with the few substitutions listed below) on a fresh fake host and
// checks the zone came back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSmartOS, REPO } from '../../scripts/lib/fake-smartos.js';
import { WEBAPP_IMAGE, ZONE_UUID, createDemoZone, createImages } from '../../scripts/lib/demo-zone.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zbak-recipe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The ```sh block under "## Manual restore". */
async function recipeFromFormatDoc(): Promise<string> {
  const doc = await readFile(join(REPO, 'docs/FORMAT.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Manual restore'));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('docs/FORMAT.md has no sh block under "## Manual restore"');
  return m[1]!;
}

/** vmadm.json -> create.json by hand, following the rules the recipe states (no zbak code). */
const MAKE_CREATE_JSON = `node -e '
const vm = JSON.parse(require("fs").readFileSync("vmadm.json", "utf8"));
for (const k of ["zone_state","zoneid","zonedid","pid","hvm","state","last_modified","boot_timestamp","server_uuid",
  "platform_buildstamp","zonepath","snapshots","zfs_filesystem","datasets","create_timestamp","v","zonename","exit_status","exit_timestamp"]) delete vm[k];
vm.delegate_dataset = true; vm.autoboot = false;
require("fs").writeFileSync("create.json", JSON.stringify(vm));
'
`;

describe('docs/FORMAT.md manual restore recipe', () => {
  it('restores the zone on a host without its images, using only tar, cat, zfs, vmadm, zonecfg', async () => {
    const a = new FakeSmartOS(join(dir, 'a'), 'host-a');
    await a.init('aaaaaaaa-0000-4000-8000-000000000001');
    await createImages(a);
    await createDemoZone(a);
    const archives = join(dir, 'archives');
    await mkdir(archives);
    const saved = await a.zbak(['save', 'web01', '--to', archives]);
    expect(saved.exitCode, saved.stderr).toBe(0);
    const archive = saved.stdout.trim().split('\n').pop()!;
    const before = { files: await a.treeHash(`/zones/${ZONE_UUID}/root`), snaps: await a.snapshots(`zones/${ZONE_UUID}`) };

    const b = new FakeSmartOS(join(dir, 'b'), 'host-b');
    await b.init('bbbbbbbb-0000-4000-8000-000000000002');
    const work = join(dir, 'restore');
    // Substitutions: the work directory, the host root for the imgadm database,
    // sha256sum for SmartOS's digest, and create.json made by hand as step 2 says.
    const script = (await recipeFromFormatDoc())
      .replace('mkdir /zones/restore && cd /zones/restore', `mkdir -p ${work} && cd ${work}`)
      .replaceAll('/var/imgadm/images/', `${b.root}/var/imgadm/images/`)
      .replace('digest -a sha256 "$f"', 'sha256sum "$f"')
      .replace('vmadm create -f create.json', `${MAKE_CREATE_JSON}vmadm create -f create.json`);
    await mkdir(join(b.root, 'var/imgadm/images'), { recursive: true });
    await writeFile(join(dir, 'recipe.sh'), `set -euo pipefail\n${script}`);
    const r = await execa('bash', [join(dir, 'recipe.sh')], { env: { ...b.env, A: archive }, reject: false });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);

    expect(await b.treeHash(`/zones/${ZONE_UUID}/root`)).toBe(before.files);
    const after = await b.snapshots(`zones/${ZONE_UUID}`);
    // Taken after the save: the user snapshots and the zbak one, all with their GUIDs.
    expect(after).toEqual(before.snaps);
    expect(after.map((s) => s.name.split('@')[1])).toEqual(['before-upgrade', 'after-upgrade', expect.stringMatching(/^zbak-/)]);
    expect(await b.prop(`zones/${ZONE_UUID}`, 'origin')).toBe(`zones/${WEBAPP_IMAGE}@final`);
    const vm = JSON.parse(await b.must(['vmadm', 'get', ZONE_UUID])) as Record<string, unknown>;
    expect(vm).toMatchObject({ alias: 'web01', state: 'running', autoboot: true });
  });
});
