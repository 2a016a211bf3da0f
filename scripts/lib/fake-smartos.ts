// A fake SmartOS host in a directory, driven through the same commands zbak
// runs: fakebin/zfs (simulated pool) and personality/ (vmadm, imgadm, sysinfo,
// zonecfg). Used by the end-to-end tests and `npm run demo`.
import { planChecked, runCheckingPlan } from './plan-check.js';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile, lstat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whether this runs from scripts/ (vitest) or dist/scripts/. */
export const REPO = findRepo(dirname(fileURLToPath(import.meta.url)));

function findRepo(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}
export const FAKEBIN = join(REPO, 'fakebin');
/** What bin/zbak runs: the bundle while it is newer than dist/'s entry (scripts/bundle.sh). */
export const ZBAK_MAIN = zbakEntry(join(REPO, 'dist'));

function zbakEntry(dist: string): string {
  const main = join(dist, 'src/cli/main.js');
  const bundle = join(dist, 'zbak.mjs');
  return existsSync(bundle) && existsSync(main) && statSync(bundle).mtimeMs > statSync(main).mtimeMs ? bundle : main;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ImageSpec {
  uuid: string;
  name: string;
  version: string;
  type: 'zone-dataset' | 'lx-dataset' | 'zvol';
  os?: string;
  origin?: string;
  files: Record<string, string>;
}

export class FakeSmartOS {
  readonly root: string;
  readonly state: string;
  readonly env: Record<string, string>;

  constructor(
    readonly dir: string,
    readonly hostname = 'fake-a',
  ) {
    this.root = join(dir, 'root');
    this.state = join(dir, 'state');
    this.env = {
      PATH: `${FAKEBIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      ZBAK_ROOT: this.root,
      ZBAK_FAKE_STATE: this.state,
    };
  }

  /** Runs a host command (fake zfs, vmadm, ...) and returns its outcome. */
  async exec(argv: string[], input?: string, extraEnv: Record<string, string> = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    const r = await execa(file!, args, {
      env: { ...this.env, ...extraEnv },
      reject: false,
      ...(input !== undefined ? { input } : { stdin: 'ignore' as const }),
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** Like exec, but throws with stderr when the command fails. */
  async must(argv: string[], input?: string): Promise<string> {
    const r = await this.exec(argv, input);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${r.exitCode}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /**
   * Runs the zbak CLI against this host. A restore or a one-zone save is run as --dry-run first and its
   * commands compared with the real run's (plan-check.ts), unless ZBAK_PLAN_CHECK=0.
   */
  zbak(args: string[], extraEnv: Record<string, string> = {}): Promise<ExecResult> {
    const run = (a: string[], env: Record<string, string>): Promise<ExecResult> => this.exec(['node', ZBAK_MAIN, ...a], undefined, env);
    if (!planChecked(args) || extraEnv.ZBAK_PLAN_CHECK === '0' || process.env.ZBAK_PLAN_CHECK === '0') return run(args, extraEnv);
    return runCheckingPlan(run, args, extraEnv, join(this.dir, 'zbak-trace.jsonl'));
  }

  /** A pool `zones` at /zones with zones/cores like SmartOS, and a sysinfo identity. */
  async init(sysinfoUuid: string): Promise<void> {
    await mkdir(join(this.root, 'etc'), { recursive: true });
    await writeFile(
      join(this.root, 'etc/zbak-sysinfo.json'),
      JSON.stringify({ UUID: sysinfoUuid, Hostname: this.hostname, 'Live Image': '20261101T000000Z', 'System Type': 'SunOS', Zpool: 'zones', 'Bhyve Capable': true, 'HVM API': true }),
    );
    await this.must(['zpool', 'create', '-O', 'mountpoint=/zones', 'zones']);
    await this.must(['zfs', 'create', '-o', 'mountpoint=none', '-o', 'compression=gzip', 'zones/cores']);
  }

  /** Builds an image dataset with files and @final, and records its manifest like imgadm. */
  async createImage(img: ImageSpec): Promise<void> {
    const ds = `zones/${img.uuid}`;
    if (img.origin) await this.must(['zfs', 'clone', `zones/${img.origin}@final`, ds]);
    else if (img.type === 'zvol') await this.must(['zfs', 'create', '-V', '64m', ds]);
    else await this.must(['zfs', 'create', ds]);
    // A zvol image's "files" are its disk bytes.
    if (img.type === 'zvol') await this.writeVolume(ds, Object.values(img.files).join(''));
    else await this.writeFiles(`/zones/${img.uuid}`, img.files);
    await this.must(['zfs', 'snapshot', `${ds}@final`]);
    const manifest = {
      v: 2,
      uuid: img.uuid,
      name: img.name,
      version: img.version,
      type: img.type,
      os: img.os ?? 'smartos',
      ...(img.origin ? { origin: img.origin } : {}),
      files: [{ compression: 'none' }],
      ...(img.type === 'zvol' ? { image_size: 64 } : {}),
      ...(img.type === 'lx-dataset' ? { tags: { kernel_version: '5.10.0' } } : {}),
      state: 'active',
      disabled: false,
      public: true,
    };
    await mkdir(join(this.root, 'var/imgadm/images'), { recursive: true });
    await writeFile(join(this.root, `var/imgadm/images/zones-${img.uuid}.json`), JSON.stringify({ manifest, zpool: 'zones' }, null, 2));
  }

  /** `vmadm create` from a payload; returns the uuid. */
  async createZone(payload: Record<string, unknown>): Promise<string> {
    const r = await this.exec(['vmadm', 'create'], JSON.stringify(payload));
    const m = /Successfully created VM ([0-9a-f-]{36})/.exec(r.stderr + r.stdout);
    if (r.exitCode !== 0 || !m) throw new Error(`vmadm create failed (${r.exitCode}): ${r.stderr.trim()}`);
    return m[1]!;
  }

  async writeFiles(hostDir: string, files: Record<string, string>): Promise<void> {
    for (const [rel, content] of Object.entries(files)) {
      const p = join(this.root, hostDir, rel);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, content);
    }
  }

  /** Writes bytes at the start of a volume (its device file under the host root). */
  async writeVolume(dataset: string, content: string): Promise<void> {
    const fh = await open(join(this.root, 'dev/zvol/rdsk', dataset), 'r+');
    try {
      await fh.write(Buffer.from(content), 0, Buffer.byteLength(content), 0);
    } finally {
      await fh.close();
    }
  }

  /** sha256 of a volume's bytes. */
  async volumeHash(dataset: string): Promise<string> {
    return createHash('sha256').update(await readFile(join(this.root, 'dev/zvol/rdsk', dataset))).digest('hex');
  }

  /** sha256 over a directory tree under the host root (paths, modes, contents). */
  async treeHash(hostDir: string, skip: string[] = []): Promise<string> {
    const h = createHash('sha256');
    const walk = async (dir: string, rel: string): Promise<void> => {
      let names: string[];
      try {
        names = (await readdir(dir)).sort();
      } catch {
        return;
      }
      for (const n of names) {
        const r = rel ? `${rel}/${n}` : n;
        if (skip.includes(r)) continue;
        const p = join(dir, n);
        const st = await lstat(p);
        h.update(`${r}\0${st.mode.toString(8)}\0`);
        if (st.isDirectory()) await walk(p, r);
        else if (st.isFile()) h.update(await readFile(p));
      }
    };
    await walk(join(this.root, hostDir), '');
    return h.digest('hex');
  }

  /** Everything that identifies the host's state: datasets, GUIDs, origins, VMs, image DB. */
  async stateSummary(): Promise<string> {
    const zfs = await this.must(['zfs', 'list', '-H', '-p', '-t', 'all', '-o', 'name,type,origin,guid', '-r', 'zones']);
    const vms = await this.must(['vmadm', 'list', '-p', '-o', 'uuid,alias,state']);
    let images: string[] = [];
    try {
      images = (await readdir(join(this.root, 'var/imgadm/images'))).sort();
    } catch {
      images = [];
    }
    return `${zfs}\n--vms--\n${vms}\n--images--\n${images.join('\n')}`;
  }

  /** name -> guid for the snapshots of a dataset, oldest first. */
  async snapshots(dataset: string): Promise<Array<{ name: string; guid: string }>> {
    return (await this.snapshotsOf([dataset])).get(dataset) ?? [];
  }

  /** The snapshots of each dataset (name -> guid, oldest first), from one `zfs list`. */
  async snapshotsOf(datasets: readonly string[]): Promise<Map<string, Array<{ name: string; guid: string }>>> {
    const out = await this.must(['zfs', 'list', '-H', '-p', '-t', 'snapshot', '-o', 'name,guid', '-s', 'createtxg', '-r', '-d', '1', ...datasets]);
    const by = new Map<string, Array<{ name: string; guid: string }>>();
    for (const l of out.split('\n').filter(Boolean)) {
      const [name, guid] = l.split('\t');
      const ds = name!.slice(0, name!.indexOf('@'));
      by.set(ds, [...(by.get(ds) ?? []), { name: name!, guid: guid! }]);
    }
    return by;
  }

  async prop(dataset: string, prop: string): Promise<string> {
    return (await this.must(['zfs', 'get', '-H', '-p', '-o', 'value', prop, dataset])).trim();
  }
}
