// The seam between zbak and the machine it runs on. Everything that touches
// the host (commands, files under the host's root) goes through a Host, so
// tests can run zbak against the fake SmartOS host and the lab against a VM.
import type { Readable, Writable } from 'node:stream';

/** What one finished command did: same shape for success and failure. */
export interface RunResult {
  argv: readonly string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  /** The last few KiB of stderr, enough for an error message. */
  stderrTail: string;
  durationMs: number;
}

export interface RunOptions {
  /** Text written to the command's stdin. */
  input?: string;
}

/** A long-running command whose stdin/stdout are streams (zfs send/receive). */
export interface StreamingChild {
  argv: readonly string[];
  stdin: Writable | null;
  stdout: Readable | null;
  /** Settles when the process has exited; never rejects. */
  done: Promise<RunResult>;
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnOptions {
  /** 'pipe' gives the caller a writable stdin (zfs receive). Default 'ignore'. */
  stdin?: 'pipe' | 'ignore';
  /** 'pipe' gives the caller a readable stdout (zfs send). Default 'pipe'. */
  stdout?: 'pipe' | 'ignore';
}

export interface Host {
  /** Runs a command to completion. Resolves with the result even on failure. */
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Starts a command whose stdin/stdout are streamed. */
  spawn(argv: readonly string[], opts?: SpawnOptions): StreamingChild;
  /** Reads a file on the host (path is absolute on the host, e.g. /var/imgadm/...). */
  readFile(path: string): Promise<string | undefined>;
  /** Writes a file on the host atomically (temp + rename). */
  writeFile(path: string, data: string): Promise<void>;
  /** Appends to a file on the host (a log), creating it and its directory. */
  appendFile(path: string, data: string): Promise<void>;
  /** Removes a file on the host; missing is fine. */
  removeFile(path: string): Promise<void>;
  /**
   * Takes an exclusive lock named `key` on the host (one zbak at a time per
   * zone); resolves to its release, or rejects with a LockedError.
   */
  lock(key: string): Promise<() => Promise<void>>;
}
