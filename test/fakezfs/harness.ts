// Runs the fake zfs/zpool (fakebin shims over dist/) in a private temp
// state and root, the way zbak's LocalHost runs them: real processes, real
// pipes, real exit codes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const FAKEBIN = resolve(import.meta.dirname, '../../fakebin');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BytesResult {
  code: number | null;
  out: Buffer;
  stderr: string;
}

export interface FakeHost {
  dir: string;
  root: string;
  state: string;
  env: NodeJS.ProcessEnv;
  zfs(...args: string[]): Promise<Result>;
  zpool(...args: string[]): Promise<Result>;
  /** zfs with stdin from a buffer and stdout captured as bytes. */
  zfsBytes(args: readonly string[], input?: Buffer, extraEnv?: NodeJS.ProcessEnv): Promise<BytesResult>;
  /** Runs `zfs <send...> | zfs <recv...>` as two concurrent processes. */
  pipe(send: readonly string[], recv: readonly string[], extraEnv?: NodeJS.ProcessEnv): Promise<[Result, Result]>;
  /** Path under the simulated host root. */
  path(p: string): string;
  write(p: string, text: string): void;
  read(p: string): string;
  exists(p: string): boolean;
  /** zfs that must succeed; returns stdout. */
  ok(...args: string[]): Promise<string>;
  /** zpool that must succeed. */
  okPool(...args: string[]): Promise<void>;
  cleanup(): void;
}

/** Runs a fakebin command without blocking, so tests can run concurrently. */
function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: Buffer): Promise<BytesResult> {
  return new Promise((done) => {
    const p = spawn(join(FAKEBIN, cmd), args, { env, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    p.stdout!.on('data', (d: Buffer) => out.push(d));
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (input && p.stdin) {
      p.stdin.on('error', () => undefined);
      p.stdin.end(input);
    }
    p.on('close', (code) => done({ code, out: Buffer.concat(out), stderr }));
  });
}

/**
 * Hosts for tests that run concurrently: each call to the returned function
 * makes a host with pool "zones"; `cleanup` removes them all (call it in afterAll).
 */
export function hostPerTest(): { host: () => Promise<FakeHost>; cleanup: () => void } {
  const hosts: FakeHost[] = [];
  return {
    host: async () => {
      const h = makeHost();
      hosts.push(h);
      await h.okPool('create', 'zones');
      return h;
    },
    cleanup: () => hosts.forEach((h) => h.cleanup()),
  };
}

export function makeHost(): FakeHost {
  const dir = mkdtempSync(join(tmpdir(), 'fakezfs-'));
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  mkdirSync(root);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${FAKEBIN}:${process.env['PATH'] ?? ''}`, ZBAK_ROOT: root, ZBAK_FAKE_STATE: state };
  delete env['ZBAK_FAKE_FAIL'];
  const text = async (cmd: string, args: readonly string[]): Promise<Result> => {
    const r = await run(cmd, args, env);
    return { code: r.code, stdout: r.out.toString(), stderr: r.stderr };
  };
  const host: FakeHost = {
    dir,
    root,
    state,
    env,
    zfs: (...args) => text('zfs', args),
    zpool: (...args) => text('zpool', args),
    zfsBytes: (args, input, extra) => run('zfs', args, { ...env, ...extra }, input ?? Buffer.alloc(0)),
    pipe: (send, recv, extra) =>
      new Promise((done) => {
        const e = { ...env, ...extra };
        const a = spawn(join(FAKEBIN, 'zfs'), send, { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
        const b = spawn(join(FAKEBIN, 'zfs'), recv, { env: e, stdio: ['pipe', 'pipe', 'pipe'] });
        a.stdout.pipe(b.stdin);
        b.stdin.on('error', () => undefined);
        // As in a shell pipeline, the sender gets EPIPE once the receiver is gone.
        b.on('exit', () => a.stdout.destroy());
        const collect = (p: ChildProcess) =>
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
    write: (p, data) => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), data);
    },
    read: (p) => readFileSync(join(root, p), 'utf8'),
    exists: (p) => existsSync(join(root, p)),
    ok: async (...args) => {
      const r = await host.zfs(...args);
      if (r.code !== 0) throw new Error(`zfs ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    okPool: async (...args) => {
      const r = await host.zpool(...args);
      if (r.code !== 0) throw new Error(`zpool ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return host;
}
