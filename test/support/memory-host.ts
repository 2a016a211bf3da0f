// An in-process Host for run/ unit tests: records every argv, answers from a
// script (first matching rule wins, default success), keeps files in memory.
import { PassThrough, Writable } from 'node:stream';
import type { Host, RunResult, StreamingChild } from '../../src/host/host.js';

export interface Rule {
  match: (argv: readonly string[]) => boolean;
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

export class MemoryHost implements Host {
  readonly ran: string[] = [];
  readonly files = new Map<string, string>();
  readonly received = new Map<string, Buffer>();
  constructor(readonly rules: Rule[] = []) {}

  private answer(argv: readonly string[]): RunResult {
    this.ran.push(argv.join(' '));
    const rule = this.rules.find((r) => r.match(argv));
    return { argv, exitCode: rule?.exitCode ?? 0, signal: null, stdout: rule?.stdout ?? '', stderrTail: rule?.stderr ?? '', durationMs: 0 };
  }

  async run(argv: readonly string[]): Promise<RunResult> {
    return this.answer(argv);
  }

  spawn(argv: readonly string[]): StreamingChild {
    const r = this.answer(argv);
    const chunks: Buffer[] = [];
    let finish: (r: RunResult) => void = () => undefined;
    const done = new Promise<RunResult>((resolve) => (finish = resolve));
    const stdin = new Writable({
      write: (c: Buffer, _e, cb) => void (chunks.push(c), cb()),
      final: (cb) => {
        this.received.set(argv[argv.length - 1]!, Buffer.concat(chunks));
        cb();
        finish(r);
      },
    });
    const stdout = new PassThrough();
    stdout.end();
    if (argv[1] !== 'receive') finish(r);
    return { argv, stdin, stdout, done, kill: () => finish({ ...r, exitCode: null, signal: 'SIGTERM' }) };
  }

  async readFile(path: string): Promise<string | undefined> {
    return this.files.get(path);
  }

  async writeFile(path: string, data: string): Promise<void> {
    this.files.set(path, data);
  }

  async appendFile(path: string, data: string): Promise<void> {
    this.files.set(path, (this.files.get(path) ?? '') + data);
  }

  async removeFile(path: string): Promise<void> {
    this.files.delete(path);
  }

  async lock(): Promise<() => Promise<void>> {
    return async () => undefined;
  }
}

export const argvIs = (prefix: string) => (argv: readonly string[]): boolean => argv.join(' ').startsWith(prefix);
