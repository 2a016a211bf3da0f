// A throwaway fake SmartOS host for the personality's integration tests:
// fakebin/ first in PATH, ZBAK_ROOT and ZBAK_FAKE_STATE in a temp dir.
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FAKEBIN = path.join(REPO, 'fakebin');

export interface Ran {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class FakeHost {
  readonly root: string;
  readonly env: Record<string, string>;
  constructor(readonly dir: string) {
    this.root = path.join(dir, 'root');
    this.env = { PATH: `${FAKEBIN}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, ZBAK_ROOT: this.root, ZBAK_FAKE_STATE: path.join(dir, 'state') };
  }

  static async create(): Promise<FakeHost> {
    const host = new FakeHost(await mkdtemp(path.join(os.tmpdir(), 'zbak-personality-')));
    await mkdir(host.root, { recursive: true });
    await host.must(['zpool', 'create', 'zones']);
    await host.must(['zfs', 'create', '-o', 'mountpoint=none', '-o', 'compression=gzip', 'zones/cores']);
    return host;
  }

  async run(argv: string[], input?: string): Promise<Ran> {
    const [file = '', ...args] = argv;
    const r = await execa(file, args, { env: this.env, reject: false, stripFinalNewline: false, ...(input !== undefined ? { input } : { stdin: 'ignore' as const }) });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  async must(argv: string[], input?: string): Promise<string> {
    const r = await this.run(argv, input);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${r.exitCode}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Writes files below a host path (e.g. a mounted dataset's mountpoint). */
  async writeFiles(at: string, files: Record<string, string>): Promise<void> {
    for (const [rel, content] of Object.entries(files)) {
      const p = path.join(this.root, at, rel);
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, content);
    }
  }

  /** Builds an image the way it arrives on SmartOS: a `zfs send` file installed with `imgadm install`. */
  async installImage(manifest: Record<string, unknown> & { uuid: string }, build: (ds: string) => Promise<void>): Promise<Ran> {
    const ds = `zones/${manifest.uuid}`;
    await build(ds);
    await this.must(['zfs', 'snapshot', `${ds}@final`]);
    const file = path.join(this.dir, `${manifest.uuid}.zfs`);
    const send = await execa('zfs', ['send', `${ds}@final`], { env: this.env, reject: false, stdout: { file } });
    if (send.exitCode !== 0) throw new Error(`zfs send failed: ${String(send.stderr)}`);
    await this.must(['zfs', 'destroy', '-r', ds]);
    const mpath = path.join(this.dir, `${manifest.uuid}.json`);
    await writeFile(mpath, JSON.stringify(manifest));
    return this.run(['imgadm', 'install', '-m', mpath, '-f', file]);
  }

  async json(argv: string[]): Promise<Record<string, unknown>> {
    return JSON.parse(await this.must(argv)) as Record<string, unknown>;
  }

  /** `zfs get -H -p -o value <prop> <ds>`. */
  async prop(ds: string, prop: string): Promise<string> {
    return (await this.must(['zfs', 'get', '-H', '-p', '-o', 'value', prop, ds])).trim();
  }

  async exists(ds: string): Promise<boolean> {
    return (await this.run(['zfs', 'list', '-H', '-o', 'name', '-t', 'all', ds])).exitCode === 0;
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
