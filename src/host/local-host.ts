// The one place zbak runs processes (execa, argument arrays, never a shell).
// Host paths are mapped under a root directory so the fake SmartOS host can
// stand for "/" in tests (ZBAK_ROOT); on a real host the root is "/".
import { execa, type ResultPromise } from 'execa';
import { appendFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { takePidLock } from './pid-lock.js';
import { PassThrough, Writable } from 'node:stream';
import { FaultCounter, INJECTED_STDERR, parseFaultSpec, type FaultAction } from './fault-hook.js';
import type { Host, RunOptions, RunResult, SpawnOptions, StreamingChild } from './host.js';

const STDERR_TAIL = 8 * 1024;

/** ZBAK_TRACE=<file>: every command zbak runs is appended as a JSON argv line (audits, and the test that the dry run is the program). */
function trace(argv: readonly string[]): void {
  const file = process.env.ZBAK_TRACE;
  if (file) appendFileSync(file, `${JSON.stringify(argv)}\n`);
}

/**
 * The test hook ZBAK_FAULT_AT (src/host/fault-hook.ts): counts every command
 * about to start. A signal is sent to zbak itself before the command starts;
 * SIGINT then takes the normal interrupt path.
 */
function faultBefore(faults: FaultCounter): FaultAction | undefined {
  const action = faults.next();
  if (action === 'SIGINT' || action === 'SIGKILL') process.kill(process.pid, action);
  return action;
}

function injectedResult(argv: readonly string[]): RunResult {
  return { argv, exitCode: 1, signal: null, stdout: '', stderrTail: INJECTED_STDERR, durationMs: 0 };
}

/** A child that failed before running: stdin swallows what it is given, stdout is empty. */
function injectedChild(argv: readonly string[], opts: SpawnOptions): StreamingChild {
  const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
  const empty = new PassThrough();
  empty.end();
  return {
    argv,
    stdin: opts.stdin === 'pipe' ? sink : null,
    stdout: (opts.stdout ?? 'pipe') === 'pipe' ? empty : null,
    done: Promise.resolve(injectedResult(argv)),
    kill: () => undefined,
  };
}

export class LocalHost implements Host {
  private faults: FaultCounter | undefined;

  /** `faults`: the fault hook's counter (tests); by default read from ZBAK_FAULT_AT at the first command. */
  constructor(
    readonly root: string = process.env.ZBAK_ROOT ?? '/',
    faults?: FaultCounter,
  ) {
    this.faults = faults;
  }

  private fault(): FaultAction | undefined {
    this.faults ??= new FaultCounter(parseFaultSpec(process.env.ZBAK_FAULT_AT));
    return faultBefore(this.faults);
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const [file, ...args] = argv;
    if (!file) throw new Error('run: empty argv');
    if (this.fault() === 'fail') return injectedResult(argv);
    trace(argv);
    const started = Date.now();
    const r = await execa(file, args, {
      reject: false,
      ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
      stripFinalNewline: false,
      maxBuffer: 256 * 1024 * 1024,
    });
    return {
      argv,
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderrTail: tail(typeof r.stderr === 'string' && r.stderr !== '' ? r.stderr : spawnFailure(r)),
      durationMs: Date.now() - started,
    };
  }

  spawn(argv: readonly string[], opts: SpawnOptions = {}): StreamingChild {
    const [file, ...args] = argv;
    if (!file) throw new Error('spawn: empty argv');
    if (this.fault() === 'fail') return injectedChild(argv, opts);
    trace(argv);
    const started = Date.now();
    const child: ResultPromise = execa(file, args, {
      reject: false,
      stdin: opts.stdin ?? 'ignore',
      stdout: opts.stdout ?? 'pipe',
      stderr: 'pipe',
      buffer: { stdout: false, stderr: true },
      stripFinalNewline: false,
    });
    const done = child.then(
      (r): RunResult => ({
        argv,
        exitCode: r.exitCode ?? null,
        signal: r.signal ?? null,
        stdout: '',
        stderrTail: tail(typeof r.stderr === 'string' && r.stderr !== '' ? r.stderr : spawnFailure(r)),
        durationMs: Date.now() - started,
      }),
    );
    return {
      argv,
      stdin: child.stdin,
      stdout: child.stdout,
      done,
      kill: (signal) => {
        child.kill(signal ?? 'SIGTERM');
      },
    };
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      return await readFile(this.map(path), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async writeFile(path: string, data: string): Promise<void> {
    const target = this.map(path);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.zbak-tmp-${process.pid}`;
    await writeFile(tmp, data);
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  }

  async appendFile(path: string, data: string): Promise<void> {
    const target = this.map(path);
    await mkdir(dirname(target), { recursive: true });
    await appendFile(target, data);
  }

  async removeFile(path: string): Promise<void> {
    await rm(this.map(path), { force: true });
  }

  async lock(key: string): Promise<() => Promise<void>> {
    const dir = this.map('/var/run/zbak');
    await mkdir(dir, { recursive: true });
    // Holds this process's pid: a dead holder's lock is taken over at once, a live one refuses.
    return takePidLock(join(dir, `${key}.lock`), key);
  }

  private map(path: string): string {
    return this.root === '/' ? path : join(this.root, path);
  }
}

/** Why a command could not be started at all (ENOENT: not on this host's PATH). */
function spawnFailure(r: { exitCode?: number; signal?: string; code?: string; shortMessage?: string }): string {
  if (r.exitCode !== undefined || r.signal !== undefined) return '';
  if (r.code === 'ENOENT') return 'command not found (zbak runs in a SmartOS global zone)';
  return r.shortMessage ?? r.code ?? '';
}

function tail(s: string): string {
  return s.length > STDERR_TAIL ? s.slice(-STDERR_TAIL) : s;
}
