// Executes scenarios against whatever `zfs` is first in PATH, with real
// processes and pipes. File paths come from `zfs get mountpoint`, under
// $ZBAK_ROOT when set (the fake host), else under / (real ZFS).
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Check, Expect, Scenario, Step } from './scenario-types.js';

export interface CmdResult {
  argv: string[];
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface StepReport {
  step: number;
  what: string;
  ok: boolean;
  detail?: string;
}

export interface Refusal {
  step: number;
  code: number | null;
  stderr: string;
}

export interface ScenarioReport {
  id: number;
  name: string;
  prefix: string;
  ok: boolean;
  failure?: StepReport;
  /** What each expected refusal actually printed (to compare real and fake). */
  refusals: Refusal[];
  ms: number;
}

interface Ctx {
  prefix: string;
  scratch: string;
  remembered: Map<string, string>;
  /** Mountpoints looked up since the last zfs command that changed anything. */
  mountpoints: Map<string, string>;
  step: number;
  refusals: Refusal[];
}

export interface RunOptions {
  /** Keep the scenario's datasets afterwards (for inspection). */
  keep?: boolean;
  /** The pool is known to hold no scenario datasets yet: skip the pre-clean. */
  fresh?: boolean;
}

const sub = (ctx: Ctx, s: string): string => s.split('$P').join(ctx.prefix);

function collect(p: ReturnType<typeof spawn>, argv: string[]): Promise<CmdResult> {
  return new Promise((done) => {
    let stdout = '';
    let stderr = '';
    p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', (e) => (stderr += String(e)));
    p.on('close', (code) => done({ argv, code, stdout, stderr }));
  });
}

/** Runs zfs; stdin from a file region, stdout to a file, when given. */
export function runZfs(args: readonly string[], io: { stdinFile?: string; limit?: number; stdoutFile?: string } = {}): Promise<CmdResult> {
  const argv = ['zfs', ...args];
  const p = spawn('zfs', args, { stdio: [io.stdinFile ? 'pipe' : 'ignore', io.stdoutFile ? 'pipe' : 'pipe', 'pipe'] });
  if (io.stdinFile && p.stdin) {
    p.stdin.on('error', () => undefined);
    const end = io.limit === undefined ? undefined : Math.max(0, io.limit - 1);
    if (end === -1 || io.limit === 0) p.stdin.end();
    else createReadStream(io.stdinFile, { end }).pipe(p.stdin);
  }
  if (io.stdoutFile && p.stdout) {
    const out = createWriteStream(io.stdoutFile);
    const closed = new Promise<void>((res) => out.on('close', () => res()));
    p.stdout.pipe(out);
    // Only stderr and the status are collected; stdout goes to the file.
    return new Promise((done) => {
      let stderr = '';
      p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code) => void closed.then(() => done({ argv, code, stdout: '', stderr })));
    });
  }
  return collect(p, argv);
}

function runPipe(send: readonly string[], recv: readonly string[]): Promise<[CmdResult, CmdResult]> {
  const a = spawn('zfs', send, { stdio: ['ignore', 'pipe', 'pipe'] });
  const b = spawn('zfs', recv, { stdio: ['pipe', 'pipe', 'pipe'] });
  b.stdin?.on('error', () => undefined);
  a.stdout?.on('error', () => undefined);
  if (a.stdout && b.stdin) a.stdout.pipe(b.stdin);
  // Like a shell pipeline: once the reader is gone the writer must see EPIPE,
  // not block on a pipe nobody drains.
  b.on('exit', () => a.stdout?.destroy());
  // collect() would read a's stdout too; only its stderr and status matter.
  const sender = new Promise<CmdResult>((done) => {
    let stderr = '';
    a.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    a.on('close', (code) => done({ argv: ['zfs', ...send], code, stdout: '', stderr }));
  });
  return Promise.all([sender, collect(b, ['zfs', ...recv])]);
}

function judge(r: CmdResult, expect: Expect, ctx: Ctx): string | undefined {
  if (expect === 'ok') return r.code === 0 ? undefined : `exit ${r.code}: ${r.stderr.trim()}`;
  const wanted = (typeof expect.fail === 'string' ? [expect.fail] : expect.fail).map((s) => sub(ctx, s));
  if (r.code === 0) return `succeeded, expected refusal "${wanted.join('" or "')}"`;
  ctx.refusals.push({ step: ctx.step, code: r.code, stderr: r.stderr.split(ctx.prefix).join('$P') });
  if (expect.code !== undefined && r.code !== expect.code) return `exit ${r.code}, expected ${expect.code}: ${r.stderr.trim()}`;
  return wanted.some((w) => r.stderr.includes(w)) ? undefined : `exit ${r.code}, stderr ${JSON.stringify(r.stderr)} lacks "${wanted.join('" or "')}"`;
}

/** `name` may hold several space-separated datasets: one line of output each. */
async function get(name: string, prop: string, fields = 'value'): Promise<string> {
  const r = await runZfs(['get', '-H', '-p', '-o', fields, prop, ...name.split(' ')]);
  if (r.code !== 0) throw new Error(`zfs get ${prop} ${name}: ${r.stderr.trim()}`);
  return r.stdout.replace(/\n$/, '');
}

async function filePath(ctx: Ctx, ds: string, file: string): Promise<string> {
  const mp = ctx.mountpoints.get(ds) ?? (await get(ds, 'mountpoint'));
  ctx.mountpoints.set(ds, mp);
  if (!mp.startsWith('/')) throw new Error(`${ds} has mountpoint ${mp}`);
  return join(process.env['ZBAK_ROOT'] ?? '/', mp, file);
}

/** Deterministic bytes, so real and fake runs write the same data. */
function patternBytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

async function runCheck(c: Check, ctx: Ctx): Promise<string | undefined> {
  const s = (x: string): string => sub(ctx, x);
  switch (c.what) {
    case 'prop': {
      const v = await get(s(c.name), c.prop, c.value.includes('\t') ? 'value,source' : 'value');
      return v === s(c.value) ? undefined : `${c.prop} of ${s(c.name)} is ${JSON.stringify(v)}, expected ${JSON.stringify(s(c.value))}`;
    }
    case 'remembered': {
      const v = await get(s(c.name), c.prop);
      const was = ctx.remembered.get(c.key);
      return v === was ? undefined : `${c.prop} of ${s(c.name)} is ${v}, was ${was}`;
    }
    case 'same': {
      const [a, b] = (await get(`${s(c.a)} ${s(c.b)}`, c.prop)).split('\n');
      return a === b ? undefined : `${c.prop} differs: ${s(c.a)}=${a} ${s(c.b)}=${b}`;
    }
    case 'exists':
    case 'missing': {
      const r = await runZfs(['list', '-H', '-o', 'name', '-t', 'all', s(c.name)]);
      if (c.what === 'exists') return r.code === 0 ? undefined : `${s(c.name)} does not exist`;
      return r.code !== 0 && r.stderr.includes('dataset does not exist') ? undefined : `${s(c.name)} exists`;
    }
    case 'file': {
      const p = await filePath(ctx, s(c.ds), c.file);
      const got = existsSync(p) ? readFileSync(p, 'utf8') : undefined;
      return got === c.content ? undefined : `${p}: ${JSON.stringify(got)}, expected ${JSON.stringify(c.content)}`;
    }
    case 'nofile': {
      const p = await filePath(ctx, s(c.ds), c.file);
      return existsSync(p) ? `${p} exists` : undefined;
    }
    case 'snapshots': {
      const r = await runZfs(['list', '-H', '-o', 'name', '-t', 'snapshot', '-d', '1', s(c.ds)]);
      const names = r.stdout.split('\n').filter(Boolean).map((n) => n.slice(n.indexOf('@') + 1));
      return names.join(',') === c.names.join(',') ? undefined : `snapshots of ${s(c.ds)}: [${names}], expected [${c.names}]`;
    }
  }
}

async function runStep(step: Step, ctx: Ctx): Promise<string | undefined> {
  const s = (x: string): string => sub(ctx, x);
  // Only these can move a mountpoint (or replace the dataset behind a name).
  const moving = ['set', 'inherit', 'rename', 'destroy', 'receive', 'recv'];
  if (step.kind === 'pipe' || step.kind === 'load' || (step.kind === 'zfs' && moving.includes(step.args[0] ?? ''))) {
    ctx.mountpoints.clear();
  }
  switch (step.kind) {
    case 'zfs':
      return judge(await runZfs(step.args.map(s)), step.expect, ctx);
    case 'write': {
      const p = await filePath(ctx, s(step.ds), step.file);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, step.bytes === undefined ? step.content : patternBytes(step.bytes));
      return undefined;
    }
    case 'pipe': {
      const [a, b] = await runPipe(step.send.map(s), step.recv.map(s));
      const bad = judge(b, step.expect, ctx);
      if (bad) return `receive ${bad}${a.code === 0 ? '' : ` (send exit ${a.code}: ${a.stderr.trim()})`}`;
      if (step.expect === 'ok' && a.code !== 0) return `send exit ${a.code}: ${a.stderr.trim()}`;
      return undefined;
    }
    case 'save': {
      const r = await runZfs(step.send.map(s), { stdoutFile: join(ctx.scratch, step.file) });
      return judge(r, step.expect, ctx);
    }
    case 'load': {
      let file = join(ctx.scratch, step.file);
      const size = statSync(file).size;
      if (step.flip !== undefined) {
        const data = readFileSync(file);
        const at = Math.floor(size * step.flip);
        data[at] = (data[at] ?? 0) ^ 0xff;
        file = `${file}.flipped`;
        writeFileSync(file, data);
      }
      const limit = step.truncate === undefined ? undefined : Math.floor(size * step.truncate);
      return judge(await runZfs(step.recv.map(s), { stdinFile: file, limit }), step.expect, ctx);
    }
    case 'remember':
      ctx.remembered.set(step.key, await get(s(step.name), step.prop));
      return undefined;
    case 'check':
      return runCheck(step.check, ctx);
  }
}

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'zfs':
      return `zfs ${step.args.join(' ')}`;
    case 'pipe':
      return `zfs ${step.send.join(' ')} | zfs ${step.recv.join(' ')}`;
    case 'save':
      return `zfs ${step.send.join(' ')} > ${step.file}`;
    case 'load':
      return `zfs ${step.recv.join(' ')} < ${step.file}${step.truncate !== undefined ? ` (truncated to ${step.truncate})` : ''}${step.flip !== undefined ? ' (byte flipped)' : ''}`;
    case 'write':
      return `write ${step.ds}:${step.file}`;
    case 'remember':
      return `remember ${step.prop} of ${step.name}`;
    case 'check':
      return `check ${JSON.stringify(step.check)}`;
  }
}

export async function runScenario(id: number, sc: Scenario, pool: string, scratch: string, opts: RunOptions = {}): Promise<ScenarioReport> {
  const start = Date.now();
  const ctx: Ctx = { prefix: `${pool}/scn-${id}`, scratch: join(scratch, `scn-${id}`), remembered: new Map(), mountpoints: new Map(), step: 0, refusals: [] };
  mkdirSync(ctx.scratch, { recursive: true });
  if (!opts.fresh) await runZfs(['destroy', '-R', ctx.prefix]);
  const report: ScenarioReport = { id, name: sc.name, prefix: ctx.prefix, ok: true, refusals: ctx.refusals, ms: 0 };
  const created = await runZfs(['create', ctx.prefix]);
  if (created.code !== 0) {
    report.ok = false;
    report.failure = { step: 0, what: `zfs create ${ctx.prefix}`, ok: false, detail: created.stderr.trim() };
  }
  for (let i = 0; report.ok && i < sc.steps.length; i++) {
    const step = sc.steps[i] as Step;
    ctx.step = i + 1;
    let detail: string | undefined;
    try {
      detail = await runStep(step, ctx);
    } catch (e) {
      detail = e instanceof Error ? e.message : String(e);
    }
    if (detail !== undefined) {
      report.ok = false;
      report.failure = { step: i + 1, what: sub(ctx, describeStep(step)), ok: false, detail };
    }
  }
  if (!opts.keep) await runZfs(['destroy', '-R', ctx.prefix]);
  report.ms = Date.now() - start;
  return report;
}
