// Runs the fake zfs/zpool (fakebin shims over dist/) in a private temp
// state and root, the way zbak's LocalHost runs them: real processes, real
// pipes, real exit codes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const FAKEBIN = resolve(import.meta.dirname, '../../fakebin');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface FakeHost {
  dir: string;
  root: string;
  state: string;
  env: NodeJS.ProcessEnv;
  zfs(...args: string[]): Result;
  zpool(...args: string[]): Result;
  /** zfs with stdin from a buffer and stdout captured as bytes. */
  zfsBytes(args: readonly string[], input?: Buffer, extraEnv?: NodeJS.ProcessEnv): { code: number | null; out: Buffer; stderr: string };
  /** Runs `zfs <send...> | zfs <recv...>` as two concurrent processes. */
  pipe(send: readonly string[], recv: readonly string[], extraEnv?: NodeJS.ProcessEnv): Promise<[Result, Result]>;
  /** Path under the simulated host root. */
  path(p: string): string;
  write(p: string, text: string): void;
  read(p: string): string;
  exists(p: string): boolean;
  /** zfs that must succeed; returns stdout. */
  ok(...args: string[]): string;
  cleanup(): void;
}

export function makeHost(): FakeHost {
  const dir = mkdtempSync(join(tmpdir(), 'fakezfs-'));
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  mkdirSync(root);
  const env = { ...process.env, PATH: `${FAKEBIN}:${process.env['PATH'] ?? ''}`, ZBAK_ROOT: root, ZBAK_FAKE_STATE: state };
  delete env['ZBAK_FAKE_FAIL'];
  const run = (cmd: string, args: readonly string[], extra?: NodeJS.ProcessEnv, input?: Buffer) => {
    const r = spawnSync(join(FAKEBIN, cmd), args, { env: { ...env, ...extra }, input, maxBuffer: 1 << 30 });
    return { code: r.status, out: r.stdout, stderr: r.stderr.toString() };
  };
  const host: FakeHost = {
    dir,
    root,
    state,
    env,
    zfs: (...args) => {
      const r = run('zfs', args);
      return { code: r.code, stdout: r.out.toString(), stderr: r.stderr };
    },
    zpool: (...args) => {
      const r = run('zpool', args);
      return { code: r.code, stdout: r.out.toString(), stderr: r.stderr };
    },
    zfsBytes: (args, input, extra) => run('zfs', args, extra, input ?? Buffer.alloc(0)),
    pipe: (send, recv, extra) =>
      new Promise((done) => {
        const e = { ...env, ...extra };
        const a = spawn(join(FAKEBIN, 'zfs'), send, { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
        const b = spawn(join(FAKEBIN, 'zfs'), recv, { env: e, stdio: ['pipe', 'pipe', 'pipe'] });
        a.stdout.pipe(b.stdin);
        b.stdin.on('error', () => undefined);
        // As in a shell pipeline, the sender gets EPIPE once the receiver is gone.
        b.on('exit', () => a.stdout.destroy());
        const collect = (p: typeof a) =>
          new Promise<Result>((res) => {
            let stdout = '';
            let stderr = '';
            p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
            p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
            p.on('close', (code) => res({ code, stdout, stderr }));
          });
        const sendOut = new Promise<Result>((res) => {
          let stderr = '';
          a.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          a.on('close', (code) => res({ code, stdout: '', stderr }));
        });
        void Promise.all([sendOut, collect(b)]).then(done);
      }),
    path: (p) => join(root, p),
    write: (p, text) => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), text);
    },
    read: (p) => readFileSync(join(root, p), 'utf8'),
    exists: (p) => existsSync(join(root, p)),
    ok: (...args) => {
      const r = host.zfs(...args);
      if (r.code !== 0) throw new Error(`zfs ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return host;
}
