// A command that transforms bytes from its stdin to its stdout (zstd), as the Host starts it
// (host/host.ts StreamingChild has this shape). archive/ never starts one itself: run/ does,
// through the Host, and hands it in.
import type { Readable, Writable } from 'node:stream';
import { HostCommandError } from '../errors.js';

export interface FilterProcess {
  argv: readonly string[];
  stdin: Writable | null;
  stdout: Readable | null;
  /** Settles when the process has exited; never rejects. */
  done: Promise<{ exitCode: number | null; signal: string | null; stderrTail: string }>;
  kill(signal?: NodeJS.Signals): void;
}

/** A filter's failure as a host command's ("cannot <what>: zstd exited 1: <stderr>"). */
export function filterError(what: string, child: FilterProcess, r: { exitCode: number | null; signal: string | null; stderrTail: string }): HostCommandError {
  return new HostCommandError(what, { argv: child.argv, exitCode: r.exitCode, signal: r.signal, stderrTail: r.stderrTail, stdout: '', durationMs: 0 });
}

/**
 * Whether the process never ran: not installed, as LocalHost reports it (no exit code, no
 * signal, its "command not found" line). Any other outcome without an exit code is a failure.
 */
export function neverStarted(r: { exitCode: number | null; signal: string | null; stderrTail: string }): boolean {
  return r.exitCode === null && r.signal === null && /command not found/.test(r.stderrTail);
}
