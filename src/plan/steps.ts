// A plan is an ordered list of typed steps: what --dry-run prints and the one
// executor (run/execute.ts) runs, nothing else. Each step carries its argv
// (built in plan/argv.ts), the stderr it may tolerate and the steps that undo
// it. Steps are plain JSON so the undo list can be journaled on the host.
import type { TOLERATE } from './argv.js';

export type Tolerated = keyof typeof TOLERATE;

export type StepKind =
  | 'install-image'
  | 'skip-image'
  | 'check-image'
  | 'make-work'
  | 'receive'
  | 'archive-checked'
  | 'stop-old'
  | 'set-aside'
  | 'delete-old'
  | 'create-zone'
  | 'stop'
  | 'destroy-fresh'
  | 'move-in'
  | 'mount'
  | 'set-timestamp'
  | 'start'
  | 'autoboot'
  | 'commit'
  | 'protect'
  | 'clean-up'
  | 'snapshot'
  | 'read-guids'
  | 'compress'
  | 'send'
  | 'publish'
  | 'prune'
  | 'hold'
  | 'release'
  | 'undo';

interface StepBase {
  kind: StepKind;
  /** Plain-language purpose, for the plan printout and error messages. */
  what: string;
  /** Run, in this order, if a later step fails (before the commit). */
  undo?: Step[];
}

/** A command run to completion; `input` goes to its stdin. */
export interface RunStep extends StepBase {
  op: 'run';
  argv: string[];
  input?: string;
  tolerate?: Tolerated;
  /** A failure is reported as a warning and the plan goes on (pruning after a save). */
  warnOnly?: boolean;
}

/** `zfs receive` fed with one archive stream, in header order. */
export interface ReceiveStep extends StepBase {
  op: 'receive';
  argv: string[];
  streamId: string;
}

/** An archive stream that is read (and its checksums checked) but not received. */
export interface DrainStep extends StepBase {
  op: 'drain';
  streamId: string;
}

/** Writes a host file; its undo puts back what was there before (read when it runs). */
export interface WriteFileStep extends StepBase {
  op: 'write-file';
  path: string;
  content: string;
}

export interface RemoveFileStep extends StepBase {
  op: 'remove-file';
  path: string;
}

/** Runs `argv` (a `zfs list -o name,guid`) and fails unless it lists exactly `expected`. */
export interface ExpectSnapshotsStep extends StepBase {
  op: 'expect-snapshots';
  argv: string[];
  expected: Array<{ name: string; guid: string }>;
}

/** Runs a read-only command whose output a later step needs (the new snapshots' GUIDs). */
export interface ReadStep extends StepBase {
  op: 'read';
  argv: string[];
}

/**
 * Starts the compressor (`zstd -q -c`) the archive's tar bytes go through from here on, before
 * they are encrypted and written (docs/FORMAT.md "Layers"); it ends with the publish step.
 */
export interface CompressStep extends StepBase {
  op: 'compress';
  argv: string[];
}

/** `zfs send` whose stdout becomes one archive stream. */
export interface SendStep extends StepBase {
  op: 'send';
  argv: string[];
  streamId: string;
}

/** Writes the trailer, flushes and gives the archive its final name. */
export interface PublishStep extends StepBase {
  op: 'publish';
  path: string;
}

/** Waits until the archive reader has checked every remaining byte (trailer, end blocks). */
export interface ArchiveEndStep extends StepBase {
  op: 'archive-end';
}

/** The point of no return: the undo list is dropped; later failures are reported, not undone. */
export interface CommitStep extends StepBase {
  op: 'commit';
}

export type Step = RunStep | ReceiveStep | DrainStep | WriteFileStep | RemoveFileStep | ExpectSnapshotsStep | ArchiveEndStep | CommitStep | ReadStep | CompressStep | SendStep | PublishStep;

/** The argv a step runs, if it runs one. */
export function stepArgv(step: Step): string[] | undefined {
  return 'argv' in step ? step.argv : undefined;
}
