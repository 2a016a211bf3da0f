// `zbak restore`: check the archive's structure (with --force: verify all of it), take the
// zone's and the images' locks, take back what an interrupted earlier restore left (its
// journal), plan against the host (refusing before any change), then run the plan's steps
// with run/execute.ts; the receive steps read the stream bytes once, hashing them as they go
// to zfs receive, and the plan commits only after the whole archive matched. --dry-run
// prints the same steps.
import type { Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import type { CheckedArchive } from '../archive/reader.js';
import { openSequentialArchive, type ArchiveFront } from '../archive/sequential-reader.js';
import { checkStructure } from '../archive/structure-check.js';
import type { Host } from '../host/host.js';
import { planRestore, DEFAULT_POOL, type RestoreOptions, type RestorePlan, type RestoreTarget } from '../plan/restore-plan.js';
import type { Log } from './commands.js';
import { holdsOn, listPoolWithSpace, listVms, zonedBelow } from './gather.js';
import { zoneRoleOf } from '../model/ownership.js';
import { compareNames, relativeToPool, splitSnapshotName } from '../model/names.js';
import { executeSteps, runUndo, type StreamSource } from './execute.js';
import type { Header } from '../archive/format.js';
import { ChainFeed } from './chain-feed.js';
import { gatherChain } from './chain-restore.js';
import { Journal, journalPath } from './journal.js';
import { ArchiveFormatError, UsageError, ZbakError } from '../errors.js';
import { globalReachLines, printRestorePlan } from './restore-print.js';
import { StreamFeed } from './stream-feed.js';
import { counted, silentProgress, tracked, type Progress } from './progress.js';
import { verifyWithProgress } from './verify.js';

export interface RestoreRunOptions extends RestoreOptions {
  /** Where the rest of an incremental archive's chain is (default: beside it). */
  from?: string;
  dryRun?: boolean;
  /** Aborts the restore (SIGINT/SIGTERM): the undo list runs. */
  signal?: AbortSignal;
  /** Told the bytes of the verify pass and of each stream as they go by. */
  progress?: Progress;
  /** --trust keys: the archive must be signed by one of them (archive/signature.ts). */
  trusted?: readonly KeyObject[];
  /** A stream restore whose archive was verified whole just before (an encrypted file's --force). */
  checkedWhole?: boolean;
}

export interface RestoreResult {
  plan: RestorePlan;
  verified: CheckedArchive;
}

/**
 * Before any change. A plain restore (or copy) changes nothing the host had, so it checks
 * only the structure here and every byte while receiving (undone on a mismatch). With
 * --force the existing zone is put aside, so the whole archive is verified first. When the
 * structure pass refuses, the full verify names what is wrong (or accepts an archive in a
 * tar form only it reads, e.g. with pax records, which is then read a second time).
 */
async function checkArchive(file: string, force: boolean, progress: Progress, log: Log, trusted: readonly KeyObject[]): Promise<CheckedArchive> {
  if (!force) {
    try {
      const checked = await checkStructure(file, trusted);
      log(`checked ${file}: ${checked.header.streams.length} streams, every part present; their checksums are matched while they are received`);
      return checked;
    } catch (err) {
      if (!(err instanceof ArchiveFormatError)) throw err;
    }
  }
  const verified = await verifyWithProgress(file, progress, trusted);
  log(`verified ${file}: ${verified.header.streams.length} streams, checksums match`);
  return verified;
}

export async function runRestore(host: Host, file: string, opts: RestoreRunOptions, log: Log): Promise<RestoreResult> {
  const progress = opts.progress ?? silentProgress;
  const check = (path: string): Promise<CheckedArchive> => checkArchive(path, opts.force === true, progress, log, opts.trusted ?? []);
  const verified = await check(file);
  // An incremental archive restores with its whole chain: one plan over every link's streams.
  const chain = verified.header.base ? await gatherChain(file, verified, opts.from, check, log) : undefined;
  const header = chain?.header ?? verified.header;
  const imageManifests = (chain?.links[0]!.verified ?? verified).imageManifests;
  const plan = await restoreArchive(host, {
    header,
    front: verified,
    imageManifests,
    source: (): Source => chain
      ? { feed: new ChainFeed(chain.links), sizes: chain.sizes, header }
      : { feed: StreamFeed.ofFile(file, verified), sizes: new Map(verified.trailer.streams.map((t) => [t.id, t.size])), header },
  }, opts, log);
  return { plan, verified };
}

/** Said with a pipe restore's plan (dry run and real): what a bad stream leads to. */
export const PIPE_PLAN_NOTE =
  'from a pipe: streams are received as they arrive and matched at the end; a bad stream (a checksum, the trailer or the end that does not match, a cut pipe, a sender that died) fails the run before "commit" and every step above is undone: nothing the host had is touched';

/**
 * `zbak restore -`: the archive from a stream (standard input), read once. Its front
 * entries are checked and planned from like a file's; the streams are received as they
 * arrive and everything is matched before the commit step, so a bad stream undoes the
 * whole run. --force and an incremental archive need the archive whole first: refused
 * before any change.
 */
export async function runRestoreStream(host: Host, input: Readable, label: string, opts: RestoreRunOptions, log: Log): Promise<RestorePlan> {
  if (opts.force && !opts.checkedWhole)
    throw new UsageError(`restore - --force: a zone cannot be replaced from a pipe (the archive must be checked whole before the old zone is put aside); save to a file first, then 'zbak restore FILE --force'`);
  if (opts.from !== undefined) throw new UsageError('--from applies to an incremental archive in a file; restore the chain from its directory');
  const seq = await openSequentialArchive(input, label, { trusted: opts.trusted ?? [] });
  try {
    const { front } = seq;
    const base = front.header.base;
    if (base)
      throw new UsageError(`${label} holds an incremental archive (it continues ${base.archive}): restore the chain from its directory ('zbak restore FILE' with every link beside it)`);
    log(`read the front of ${label}: zone ${front.header.zone.uuid}, ${front.header.streams.length} streams; every checksum is matched while they are received, before the commit`);
    return await restoreArchive(host, {
      header: front.header,
      front,
      imageManifests: front.imageManifests,
      notes: [PIPE_PLAN_NOTE],
      source: (): Source => {
        const feed = new StreamFeed((onStream) => seq.readStreams(onStream));
        return {
          feed: { take: (id) => feed.take(id), done: () => feed.done(), close: async () => void (await Promise.all([seq.close(), feed.close()])) },
          sizes: new Map(),
          header: front.header,
        };
      },
    }, opts, log);
  } finally {
    await seq.close();
  }
}

/** What a restore needs from its archive (or chain) once its front entries are checked. */
interface RestoreInput {
  header: Header;
  front: ArchiveFront;
  imageManifests: Map<string, string>;
  /** Lines the plan output adds (dry run and real run). */
  notes?: readonly string[];
  /** Where the receive steps' bytes come from; made after the locks are taken. */
  source: () => Source;
}

async function restoreArchive(host: Host, input: RestoreInput, opts: RestoreRunOptions, log: Log): Promise<RestorePlan> {
  const { header, front, imageManifests } = input;
  const vmJson = front.vm as Record<string, unknown>;
  const pool = opts.pool ?? DEFAULT_POOL;
  const uuid = opts.newUuid ?? front.header.zone.uuid;
  const makePlan = async (): Promise<RestorePlan> =>
    planRestore(header, vmJson, await restoreTarget(host, pool, uuid, opts.force === true), opts, imageManifests);
  if (opts.dryRun) {
    if (await Journal.load(host, uuid)) log(`note: an interrupted restore of ${uuid} is recorded; a real run first takes it back`);
    const plan = await makePlan();
    printRestorePlan(plan, log, input.notes);
    return plan;
  }

  // Locks before looking at the host, so the plan (conflicts, images present)
  // cannot be made stale by another zbak; images sorted so two restores cannot deadlock.
  const unlocks: Array<() => Promise<void>> = [];
  try {
    unlocks.push(await host.lock(uuid));
    for (const img of [...header.images].sort((a, b) => compareNames(a.uuid, b.uuid))) {
      unlocks.push(await host.lock(`image-${img.uuid}`));
    }
    if ((await recoverInterrupted(host, uuid, log)) === 'partly') {
      throw new ZbakError(
        `some undo steps of an interrupted restore of ${uuid} failed (listed above; ${journalPath(uuid)} keeps them): finish them by hand, then run 'zbak recover ${uuid}'`,
      );
    }
    const plan = await makePlan();
    for (const note of input.notes ?? []) log(note);
    await execute(host, input.source(), plan, opts, log);
    log(`restored zone ${plan.uuid}${plan.alias ? ` (${plan.alias})` : ''}${plan.start ? ', started' : ''}`);
    for (const line of globalReachLines(plan)) log(line);
    return plan;
  } finally {
    for (const unlock of unlocks.reverse()) await unlock();
  }
}

/** The target host's facts for the planner; with --force over an existing zone also its snapshots' holds. */
async function restoreTarget(host: Host, pool: string, uuid: string, force: boolean): Promise<RestoreTarget> {
  // Side by side, started in this order (see gatherSaveInventory).
  const [vms, { rows, available }] = await Promise.all([listVms(host), listPoolWithSpace(host, pool)]);
  const exists = vms.some((v) => v.uuid === uuid);
  // Every snapshot of a dataset the zone owns (the ownership rule), for their holds.
  const owned = (name: string): boolean => {
    const dataset = splitSnapshotName(name)?.dataset;
    return dataset !== undefined && dataset.startsWith(`${pool}/`) && zoneRoleOf(relativeToPool(dataset), uuid) !== null;
  };
  const snapshots = rows.filter((r) => r.type === 'snapshot' && owned(r.name)).map((r) => r.name);
  return {
    vms,
    rows,
    poolAvailable: available,
    // `zoned` and holds matter only to a zone that is replaced.
    zoned: exists ? await zonedBelow(host, `${pool}/${uuid}`) : [],
    ...(force && exists ? { holds: await holdsOn(host, snapshots) } : {}),
  };
}

/** What replaying a killed restore's journal did: nothing recorded, all undone, or some steps still journaled. */
export type Recovery = 'none' | 'undone' | 'partly';

/** A journal left by a killed restore of this zone: undo what it did first. */
async function recoverInterrupted(host: Host, uuid: string, log: Log): Promise<Recovery> {
  const journal = await Journal.load(host, uuid);
  if (!journal) return 'none';
  log(`an earlier restore of ${uuid} was interrupted; taking back what it did`);
  return (await runUndo(host, journal, log)) ? 'undone' : 'partly';
}

/**
 * `zbak recover UUID`: only the first thing every restore of that zone does, so an
 * operator can bring the host back to its state before a killed restore (kill -9,
 * power cut) without restoring again. Takes the zone's lock like a restore.
 */
export async function runRecover(host: Host, uuid: string, log: Log): Promise<Recovery> {
  const unlock = await host.lock(uuid);
  try {
    return await recoverInterrupted(host, uuid, log);
  } finally {
    await unlock();
  }
}

/** Where the receive steps' bytes come from: one archive, or a chain of them. */
interface Source {
  feed: StreamSource & { close(): Promise<void> };
  sizes: Map<string, number>;
  header: Header;
}

async function execute(host: Host, source: Source, plan: RestorePlan, opts: RestoreRunOptions, log: Log): Promise<void> {
  const progress = opts.progress ?? silentProgress;
  const { feed, sizes } = source;
  const labels = new Map(source.header.streams.map((s) => [s.id, `${s.id} ${s.dataset}`]));
  try {
    await executeSteps(host, plan.steps, {
      streams: feed,
      journal: Journal.create(host, plan.uuid),
      log,
      ...(opts.signal ? { signal: opts.signal } : {}),
      track: (id: string, run: (d: Readable) => Promise<void>, data: Readable) =>
        tracked(progress, labels.get(id) ?? id, sizes.get(id), () => run(counted(data, progress))),
    });
  } finally {
    await feed.close();
  }
}
