// The fake SmartOS host `npm run bench` drives zbak on (docs/BENCH.md): a zone on one image,
// and a bin/ directory first in PATH holding the stand-in zfs and the logging wrappers.
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKEBIN, FakeSmartOS, REPO } from './fake-smartos.js';

export const BENCH_IMAGE = 'f9f08f51-bd01-4f30-be77-7d8ba526ad2b';
export const BENCH_ZONE = '5e7c1a00-be4c-4000-8000-00000000be01';
export const BENCH_ALIAS = 'bench';
const STANDIN = join(REPO, 'scripts/bench/standin');
/** The host commands zbak runs besides zfs; each is logged by standin/wrap. */
const WRAPPED = ['vmadm', 'imgadm', 'sysinfo', 'zonecfg', 'zpool'];

export interface BenchHost {
  fake: FakeSmartOS;
  /** Directory first in PATH for zbak: zfs is the stand-in, the others log and pass on. */
  bin: string;
  /** The environment zbak and the raw commands run in (without the per-run variables). */
  env: Record<string, string>;
}

/** Creates the host under `dir`: pool, one image, a stopped joyent zone. */
export async function createBenchHost(dir: string): Promise<BenchHost> {
  const fake = new FakeSmartOS(join(dir, 'host'), 'bench-host');
  await fake.init('be0c0000-0000-4000-8000-000000000001');
  await fake.createImage({
    uuid: BENCH_IMAGE, name: 'base-64-lts', version: '24.4.1', type: 'zone-dataset',
    files: { 'root/etc/release': 'SmartOS base-64-lts 24.4.1\n' },
  });
  await fake.createZone({ uuid: BENCH_ZONE, brand: 'joyent', alias: BENCH_ALIAS, hostname: BENCH_ALIAS, image_uuid: BENCH_IMAGE, autoboot: false });
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await symlink(join(STANDIN, 'zfs'), join(bin, 'zfs'));
  for (const name of WRAPPED) await symlink(join(STANDIN, 'wrap'), join(bin, name));
  const env = {
    ...fake.env,
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    ZBAK_BENCH_FAKEBIN: FAKEBIN,
    ZBAK_BENCH_ZONEROOT: `zones/${BENCH_ZONE}`,
  };
  return { fake, bin, env };
}

/**
 * Counts the commands zbak itself started in a stand-in log ("zbak <cmd> <ms> <sub>" lines), by
 * command and subcommand, and sums their milliseconds: the stand-in host's fixed cost inside a
 * zbak run ("data" marks a call whose time is the data path's; "inner" lines ran inside another).
 */
export function countCommands(log: string): { zbak: number; all: number; byName: Record<string, number>; standinSeconds: number } {
  const lines = log.split('\n').filter((l) => l.trim() !== '');
  const byName: Record<string, number> = {};
  let zbak = 0;
  let ms = 0;
  for (const line of lines) {
    const [who, name, took, sub] = line.split(' ');
    if (who !== 'zbak' || !name) continue;
    zbak++;
    if (took !== undefined && /^\d+$/.test(took)) ms += Number(took);
    const key = sub && !sub.startsWith('-') ? `${name} ${sub}` : name;
    byName[key] = (byName[key] ?? 0) + 1;
  }
  return { zbak, all: lines.length, byName, standinSeconds: ms / 1000 };
}
