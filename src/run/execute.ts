// The one loop that runs a plan's steps. After each step its undo steps are
// pushed on a list that is journaled on the host, so a failure, an interrupt
// or a kill -9 (the next run replays the journal) takes back exactly what this
// run did, newest first. After the commit step nothing is undone; the
// clean-up still to run is journaled instead, so the next run finishes it.
import type { Readable } from 'node:stream';
import { HostCommandError, ZbakError } from '../errors.js';
import type { Host, RunResult } from '../host/host.js';
import { TOLERATE } from '../plan/argv.js';
import type { Step } from '../plan/steps.js';
import { succeeded, type Log } from './commands.js';
import type { Journal } from './journal.js';
import { parseSnapshotGuids } from '../parse/zfs-list.js';
import { receiveFrom, sendInto } from './streams.js';

/** Hands out the archive's streams in header order (see run/stream-feed.ts). */
export interface StreamSource {
  take(streamId: string): Promise<Readable>;
  /** Resolves when the reader has checked the rest of the archive; throws what it found wrong. */
  done(): Promise<void>;
}

/** Where a save's streams go (run/save.ts: the archive writer). */
export interface ArchiveSink {
  /** Header GUIDs from the read step's output. */
  read(step: Step, stdout: string): void;
  /** Called before the send starts (the size estimate for the progress display runs here, not while zfs send's pipe waits). */
  beforeSend?(streamId: string): Promise<void>;
  send(streamId: string, data: Readable): Promise<void>;
  /** Opens the archive through the compressor `argv` (the compress step). */
  compress?(argv: readonly string[]): Promise<void>;
  publish(path: string): Promise<void>;
}

export interface ExecuteOptions {
  streams?: StreamSource;
  sink?: ArchiveSink;
  journal: Journal;
  log: Log;
  signal?: AbortSignal;
  /** Wraps each stream's consumption (progress display). */
  track?: (streamId: string, run: (data: Readable) => Promise<void>, data: Readable) => Promise<void>;
}

function tolerated(step: Step, r: RunResult): boolean {
  return succeeded(r) || ('tolerate' in step && step.tolerate !== undefined && TOLERATE[step.tolerate].test(r.stderrTail));
}

/** Runs one step; throws on failure. Returns the undo steps this run of it earned. */
async function runStep(host: Host, step: Step, opts: ExecuteOptions): Promise<Step[]> {
  switch (step.op) {
    case 'run': {
      const r = await host.run(step.argv, step.input !== undefined ? { input: step.input } : undefined);
      if (!tolerated(step, r)) {
        if (!step.warnOnly) throw new HostCommandError(step.what, r);
        opts.log(`warning: ${new HostCommandError(step.what, r).message}`);
      }
      return step.undo ?? [];
    }
    case 'read': {
      const r = await host.run(step.argv);
      if (!succeeded(r)) throw new HostCommandError(step.what, r);
      needSink(step, opts).read(step, r.stdout);
      return step.undo ?? [];
    }
    case 'send': {
      const sink = needSink(step, opts);
      await sink.beforeSend?.(step.streamId);
      await sendInto(host, step.argv, step.what, (data) => sink.send(step.streamId, data));
      return step.undo ?? [];
    }
    case 'compress': {
      const sink = needSink(step, opts);
      if (!sink.compress) throw new ZbakError(`${step.what}: this archive cannot be compressed`);
      await sink.compress(step.argv);
      return step.undo ?? [];
    }
    case 'publish':
      await needSink(step, opts).publish(step.path);
      return step.undo ?? [];
    case 'receive':
    case 'drain': {
      if (!opts.streams) throw new ZbakError(`${step.what}: no archive stream source`);
      // Restore hashes each part as it goes to zfs receive, so a receive can fail after it
      // made its dataset: its undo (which tolerates a missing dataset) is journaled first.
      const early = step.op === 'receive' ? (step.undo ?? []) : [];
      if (early.length > 0) await opts.journal.push(early);
      const data = await opts.streams.take(step.streamId);
      const consume = step.op === 'receive' ? (d: Readable) => receiveFrom(host, step.argv, step.what, d) : drain;
      const stop = (): void => void data.destroy(opts.signal?.reason as Error);
      opts.signal?.addEventListener('abort', stop, { once: true });
      try {
        await (opts.track ? opts.track(step.streamId, consume, data) : consume(data));
      } finally {
        opts.signal?.removeEventListener('abort', stop);
      }
      return early.length > 0 ? [] : (step.undo ?? []);
    }
    case 'write-file': {
      const before = await host.readFile(step.path);
      // The undo is decided before the write, so a crash during it still puts back the old file.
      const undo: Step[] =
        before === undefined
          ? [{ kind: 'undo', op: 'remove-file', what: `remove ${step.path}`, path: step.path }]
          : [{ kind: 'undo', op: 'write-file', what: `put back ${step.path}`, path: step.path, content: before }];
      await opts.journal.push(undo);
      await host.writeFile(step.path, step.content);
      return [];
    }
    case 'remove-file':
      await host.removeFile(step.path);
      return step.undo ?? [];
    case 'expect-snapshots': {
      const r = await host.run(step.argv);
      if (!succeeded(r)) throw new HostCommandError(step.what, r);
      const got = parseSnapshotGuids(r.stdout);
      const want = step.expected;
      const same = got.length === want.length && want.every((w, i) => got[i]?.name === w.name && got[i]?.guid === w.guid);
      if (!same) {
        const list = got.map((g) => `${g.name} (${g.guid})`).join(', ') || 'none';
        throw new ZbakError(`${step.what}: expected ${want.map((w) => `${w.name} (${w.guid})`).join(', ')}, got ${list}`);
      }
      return step.undo ?? [];
    }
    case 'archive-end':
      if (!opts.streams) throw new ZbakError(`${step.what}: no archive stream source`);
      await opts.streams.done();
      return [];
    case 'commit':
      return [];
  }
}

function needSink(step: Step, opts: ExecuteOptions): ArchiveSink {
  if (!opts.sink) throw new ZbakError(`${step.what}: no archive to write`);
  return opts.sink;
}

async function drain(data: Readable): Promise<void> {
  for await (const _chunk of data) {
    // Reading still re-checks every part's checksum.
  }
}

/**
 * Runs `steps` in order. On a failure before the commit, every undo step
 * earned so far runs (newest first) and the error names the failed step.
 */
export async function executeSteps(host: Host, steps: readonly Step[], opts: ExecuteOptions): Promise<void> {
  const { journal, log } = opts;
  let committed = false;
  for (const [i, step] of steps.entries()) {
    try {
      if (!committed) opts.signal?.throwIfAborted();
      if (step.op !== 'commit') log(step.what);
      const undo = await runStep(host, step, opts);
      if (step.op === 'commit') {
        committed = true;
        // The undo list gives way to the clean-up still to run, in one write: a run
        // killed before the clean-up is finished by the next run's recovery.
        await journal.replace(steps.slice(i + 1).filter((s) => s.kind === 'clean-up'));
        continue;
      }
      if (!committed && undo.length > 0) await journal.push(undo);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (committed) throw new ZbakError(`${step.what} failed after the zone was complete: ${why}`, 'failure', { cause: e });
      log(`failed: ${step.what}: ${why}`);
      await runUndo(host, journal, log);
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (e instanceof ZbakError) throw e;
      throw new ZbakError(`${step.what}: ${why}`, 'failure', { cause: e });
    }
  }
  await journal.clear();
}

/**
 * Runs the journaled undo steps, newest group first; reports what it could not undo. Never
 * throws. The steps that failed stay in the journal (in the order they ran), so the next
 * restore of the zone or `zbak recover` tries them again instead of forgetting them.
 */
export async function runUndo(host: Host, journal: Journal, log: Log): Promise<boolean> {
  const failed: Step[] = [];
  for (const group of [...(await journal.groups())].reverse()) {
    for (const step of group) {
      log(`undo: ${step.what}`);
      try {
        await runStep(host, step, { journal: journal.detached(), log });
      } catch (e) {
        failed.push(step);
        log(`undo: ${step.what} failed: ${e instanceof Error ? e.message : String(e)}; finish it by hand`);
      }
    }
    await journal.pop();
  }
  await journal.replace(failed);
  return failed.length === 0;
}
