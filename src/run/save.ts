// `zbak save`: snapshot every dataset of a zone in one command, then stream
// the archive (header, vmadm JSON, image manifests, streams, trailer) into a
// temp file that is renamed only when complete, or to a stream (`--to -`). On
// failure the snapshot this run made is destroyed and no *.zbak file is left (a
// stream ends without its trailer, so a reader refuses it).
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { StreamArchiveSink } from '../archive/stream-sink.js';
import { createArchiveWriter, createArchiveWriterTo, type ArchiveWriter } from '../archive/writer.js';
import { createFileSink } from '../archive/file-sink.js';
import { AgeArchiveSink } from '../archive/age-sink.js';
import { ZstdArchiveSink } from '../archive/zstd-sink.js';
import { neverStarted } from '../archive/filter-process.js';
import { ZSTD_MISSING } from '../archive/zstd-input.js';
import { zstd } from '../plan/argv.js';
import type { ArchiveSink as ByteSink } from '../archive/sink.js';
import { HEADER_ENTRY, VMADM_ENTRY, imageManifestEntry, type Header } from '../archive/format.js';
import { HostCommandError, NotFoundError, PlanConflictError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { compactUtcStamp, zbakSnapshotName } from '../model/names.js';
import { ZBAK_VERSION } from '../model/version.js';
import { buildHeader } from '../plan/header.js';
import { planSave, withNewGuids, type ChainBase, type SavePlan, type SaveTarget } from '../plan/save-plan.js';
import { readMedia, writeMedia, type ChainEnd, type Media } from './media-record.js';
import { mediumHoldTag } from '../model/ownership.js';
import { chooseBase, linkOf, type ChainPolicy } from '../plan/chain.js';
import { zoneDatasets, zonePool } from '../plan/zone-datasets.js';
import { scanMedium } from './medium-scan.js';
import { findRow, largestDatasetBytes, type SaveInventory } from '../plan/inventory.js';
import { autoPartSize } from '../model/part-size.js';
import { succeeded, type Log } from './commands.js';
import { gatherSaveInventory } from './gather.js';
import { executeSteps, type ArchiveSink } from './execute.js';
import { parseSnapshotGuids } from '../parse/zfs-list.js';
import { Journal } from './journal.js';
import { stepLine } from './step-line.js';
import { runPrune } from './prune-medium.js';
import { checkTargetDir } from './target-dir.js';
export { checkTargetDir };
import type { KeepPolicy } from '../plan/retention.js';
import { sweepDeadTemps } from './sweep-temps.js';
import { counted, silentProgress, tracked, type Progress } from './progress.js';
import { estimateArgv, parseSendEstimate } from '../parse/zfs-send-estimate.js';
import type { MediumIdentity, MediumWant } from '../plan/medium-gate.js';
import { admitMedium } from './medium.js';
import type { ArchiveSigner } from '../archive/signature.js';

/** `--to -`: the archive goes to standard output. */
export const STDOUT_TARGET = '-';

export interface SaveOptions {
  /** A directory, or STDOUT_TARGET ('-'; `stream` is then where the archive goes, unless a dry run). */
  to: string;
  /** Write the archive to this stream (standard output) instead of a file in `to`. */
  stream?: Writable;
  dryRun?: boolean;
  partSize?: number;
  now?: Date;
  /** zbak snapshots to keep per dataset after a successful save (default 1: the new one). */
  keep?: number;
  /** After a successful save: this zone's archives in `to` kept by these rules (plan/retention.ts), the new one always. */
  retention?: KeepPolicy;
  /** Aborts the save (SIGINT/SIGTERM): the temp file and the snapshot are removed. */
  signal?: AbortSignal;
  /** Told the bytes of each stream as they are written. */
  progress?: Progress;
  /** Continue the newest archive of the zone in `to` when it can (plan/chain.ts), else a full archive. */
  incremental?: ChainPolicy;
  /** Write only to one of these media (plan/medium-gate.ts): refuses a bare folder or another disk. */
  medium?: MediumWant;
  /** Sign the archive (archive/signature.ts), and encrypt it to these age recipients (archive/age-sink.ts). */
  signer?: ArchiveSigner;
  recipients?: readonly string[];
  /** Compress the tar with zstd at this level (the compress step; before encryption). */
  compress?: { level: number };
}

type ArchiveKeys = Pick<SaveOptions, 'signer' | 'recipients'>;

/**
 * The archive's writer (a file, or the stream): signed when asked, compressed through the
 * compress step's zstd when asked, and encrypted to the recipients (sign, compress, encrypt:
 * encrypted bytes do not compress).
 */
async function createKeyedWriter(host: Host, path: string, opts: { partSize: number; stream?: Writable; compressArgv?: readonly string[] } & ArchiveKeys): Promise<ArchiveWriter> {
  const { partSize } = opts;
  const signer = opts.signer ? { signer: opts.signer } : {};
  if (!opts.recipients?.length && !opts.compressArgv) {
    return opts.stream ? createArchiveWriterTo(new StreamArchiveSink(opts.stream), { partSize, ...signer }) : createArchiveWriter(path, { partSize, ...signer });
  }
  let sink: ByteSink = opts.stream ? new StreamArchiveSink(opts.stream) : await createFileSink(path);
  try {
    if (opts.recipients?.length) sink = await AgeArchiveSink.create(sink, opts.recipients);
    if (opts.compressArgv) sink = new ZstdArchiveSink(sink, host.spawn(opts.compressArgv, { stdin: 'pipe', stdout: 'pipe' }));
    return createArchiveWriterTo(sink, { partSize, ...signer });
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

/** save --compress: zstd must be installed, asked before anything else (the dry run asks too). */
async function requireZstd(host: Host): Promise<void> {
  const r = await host.run(zstd.version());
  if (neverStarted(r)) throw new UsageError(`--compress zstd: ${ZSTD_MISSING}, or save without --compress`);
  if (!succeeded(r)) throw new HostCommandError('run zstd (save --compress zstd)', r);
}

export interface SaveResult {
  plan: SavePlan;
  /** Archive path (undefined for a dry run and a save to a stream). */
  path?: string;
  header?: Header;
  bytes?: number;
  /** The medium written to, when the save named its media. */
  medium?: MediumIdentity;
  /** Archives in this archive's chain, itself included (1: a full archive). */
  chainLength?: number;
}

export async function runSave(host: Host, ref: string, opts: SaveOptions, log: Log): Promise<SaveResult> {
  const now = opts.now ?? new Date();
  if (opts.compress) await requireZstd(host);
  const inv = await gatherSaveInventory(host, ref);
  const partSize = opts.partSize ?? autoPartSize(largestDatasetBytes(inv.rows));
  const snapshotName = zbakSnapshotName(now);
  const toStream = opts.to === STDOUT_TARGET;
  if (toStream && !opts.dryRun && !opts.stream) throw new Error('internal error: a save to standard output without its stream');
  const path = toStream ? STDOUT_TARGET : join(opts.to, archiveFileName(inv.vm.alias, inv.vm.uuid, now));
  if (!toStream) await checkTargetDir(opts.to);
  const admitted = opts.medium ? await admitMedium(host, opts.to, opts.medium, { write: !opts.dryRun, now }, log) : undefined;
  const medium = admitted?.identity;
  const media = admitted?.media ?? (await readMedia(host, log));
  // An encrypted archive's header is unreadable here (no key on this host), so it cannot be continued.
  if (opts.incremental && opts.recipients?.length) log(`full archive of ${inv.vm.uuid}: encrypted archives are always full (this host holds no key to read the last one)`);
  // A chain's links are read with seeks (header and trailer); a compressed archive is read in one pass only.
  else if (opts.incremental && opts.compress) log(`full archive of ${inv.vm.uuid}: compressed archives are always full (a chain is read by seeking in plain archives)`);
  const base = opts.incremental && !opts.recipients?.length && !opts.compress ? await chooseChainBase(inv, opts.to, opts.incremental, now, log) : undefined;
  const compress = opts.compress ? { compress: { level: opts.compress.level, encrypted: Boolean(opts.recipients?.length) } } : {};
  const plan = planSave(inv, snapshotName, { path, keep: opts.keep ?? 1, ...mediumTarget(media, medium?.id, inv.vm.uuid), ...compress }, base);
  const taken = plan.datasets.filter((d) => findRow(inv.rows, `${d.name}@${snapshotName}`));
  if (taken.length > 0) {
    throw new PlanConflictError(`snapshot ${taken[0]!.name}@${snapshotName} already exists; another save ran this second, retry`);
  }
  if (opts.dryRun) {
    printSavePlan(plan, path, log);
    return { plan };
  }

  opts.signal?.throwIfAborted();
  if (!toStream) await sweepDeadTemps(opts.to, log);
  const unlock = await host.lock(inv.vm.uuid);
  try {
    const result = { ...(await executeSave(host, inv, plan, path, { ...opts, now, partSize }, log)), ...(medium ? { medium } : {}) };
    if (medium) await recordChainEnd(host, medium.id, inv.vm.uuid, { snapshot: snapshotName, datasets: plan.datasets.map((d) => d.name) }, log);
    if (opts.retention) await runPrune(opts.to, opts.retention, { zone: inv.vm.uuid, justWritten: basename(path) }, log);
    return result;
  } finally {
    await unlock();
  }
}

/** Runs the save plan's steps; the sink turns the read and send steps into the archive. */
async function executeSave(
  host: Host,
  inv: SaveInventory,
  plan: SavePlan,
  path: string,
  opts: SaveOptions & { now: Date; partSize: number },
  log: Log,
): Promise<SaveResult> {
  const progress = opts.progress ?? silentProgress;
  let writer: ArchiveWriter | undefined;
  let header: Header | undefined;
  let total = 0;
  let estimate: number | undefined;
  const sink: ArchiveSink = {
    read: (_step, stdout) => {
      const guids = new Map(parseSnapshotGuids(stdout).map((g) => [g.name, g.guid]));
      header = buildHeader(inv, withNewGuids(plan, guids), { createdAt: opts.now, toolVersion: ZBAK_VERSION, partSize: opts.partSize });
    },
    compress: async (argv) => {
      if (writer) throw new Error('internal error: the compress step comes before the archive is opened');
      writer = await openArchive(host, path, header, inv, { ...opts, compressArgv: argv });
    },
    beforeSend: async (streamId) => {
      if (!writer) writer = await openArchive(host, path, header, inv, opts);
      const s = header?.streams.find((x) => x.id === streamId);
      estimate = progress.enabled && s ? await estimateSize(host, s.sendArgv) : undefined;
    },
    send: async (streamId, data) => {
      const s = header?.streams.find((x) => x.id === streamId);
      if (!writer || !s) throw new Error(`stream ${streamId}: the archive was not opened for it`);
      const r = await tracked(progress, `${s.id} ${s.dataset}`, estimate, () =>
        writer!.addStream(s.id, counted(data, progress), opts.signal ? { signal: opts.signal } : {}),
      );
      total += r.size;
    },
    publish: async () => {
      if (!writer) writer = await openArchive(host, path, header, inv, opts);
      await writer.finish();
    },
  };
  try {
    await executeSteps(host, plan.steps, { journal: Journal.memory(inv.vm.uuid), log, sink, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (e) {
    await writer?.abort();
    // Ctrl-C also reaches zfs send, which may fail first: report the interrupt.
    throw opts.signal?.aborted ? opts.signal.reason : e;
  }
  log(`saved ${inv.vm.uuid} to ${opts.stream ? 'standard output' : path} (${total} bytes of streams, ${header!.streams.length} streams)`);
  return { plan, ...(opts.stream ? {} : { path }), header: header!, bytes: total, chainLength: plan.base ? plan.base.links + 1 : 1 };
}

/** The archive's temp file (or the stream) with the header, vmadm JSON and image records; the streams follow. */
async function openArchive(
  host: Host,
  path: string,
  header: Header | undefined,
  inv: SaveInventory,
  opts: { partSize: number; stream?: Writable; compressArgv?: readonly string[] } & ArchiveKeys,
): Promise<ArchiveWriter> {
  if (!header) throw new Error('the header is written after the snapshot GUIDs are read');
  const writer = await createKeyedWriter(host, path, opts);
  try {
    await writer.addEntry(HEADER_ENTRY, `${JSON.stringify(header, null, 2)}\n`);
    await writer.addEntry(VMADM_ENTRY, inv.rawVmJson);
    for (const img of header.images) {
      await writer.addEntry(imageManifestEntry(img.uuid), inv.images.find((i) => i.uuid === img.uuid)!.rawRecord);
    }
    return writer;
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/** zfs's own estimate of a stream's size, for the progress display only (undefined if it has none). */
async function estimateSize(host: Host, sendArgv: readonly string[]): Promise<number | undefined> {
  const r = await host.run(estimateArgv(sendArgv));
  return succeeded(r) ? parseSendEstimate(r.stdout) : undefined;
}

/** What the plan needs about media: this medium's hold tag and previous chain end, every other medium's ends (never pruned). */
function mediumTarget(media: Media, mediumId: string | undefined, zone: string): Pick<SaveTarget, 'medium' | 'protect'> {
  const protect = Object.entries(media)
    .filter(([id]) => id !== mediumId)
    .flatMap(([, m]) => {
      const end = m.ends[zone];
      return end ? end.datasets.map((ds) => `${ds}@${end.snapshot}`) : [];
    });
  const prev = mediumId ? media[mediumId]?.ends[zone] : undefined;
  return {
    protect,
    ...(mediumId ? { medium: { tag: mediumHoldTag(mediumId), ...(prev ? { previousEnd: prev } : {}) } } : {}),
  };
}

/** After the save: this medium's chain of the zone ends at the new snapshot (held by the plan's hold step). */
async function recordChainEnd(host: Host, mediumId: string, zone: string, end: ChainEnd, log: Log): Promise<void> {
  // Read again, not the copy the plan used: another zone's save may have written it since.
  const media = await readMedia(host, log);
  const m = media[mediumId];
  if (!m) return;
  m.ends[zone] = end;
  await writeMedia(host, media);
}

/** The archive this save continues, or undefined (a full archive, and the one-line reason logged). */
async function chooseChainBase(inv: SaveInventory, dir: string, policy: ChainPolicy, now: Date, log: Log): Promise<ChainBase | undefined> {
  const scan = await scanMedium(dir);
  const links = scan.archives.map((a) => linkOf(a.name, a.header));
  const datasets = zoneDatasets(inv.vm, inv.rows).map((d) => d.name);
  const choice = chooseBase(inv.vm.uuid, links, inv.rows, datasets, zonePool(inv.vm), policy, now);
  if (choice.kind === 'full') {
    log(`full archive of ${inv.vm.uuid}: ${choice.reason}`);
    return undefined;
  }
  log(`incremental archive of ${inv.vm.uuid}: continues ${choice.base.name} (chain of ${choice.chain.length + 1})`);
  return { archive: choice.base.name, createdAt: choice.base.createdAt, snapshotName: choice.base.snapshotName, from: choice.from, links: choice.chain.length };
}

export function archiveFileName(alias: string | undefined, uuid: string, now: Date): string {
  const safeAlias = alias?.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safeAlias ? `${safeAlias}-` : ''}${uuid}-${compactUtcStamp(now)}.zbak`;
}

export function printSavePlan(plan: SavePlan, path: string, log: Log): void {
  log(`plan: save to ${path === STDOUT_TARGET ? 'standard output' : path}`);
  for (const n of plan.notes) log(`note: ${n}`);
  log(path === STDOUT_TARGET
    ? '  on any failure or interrupt before "commit", the snapshot is removed and the stream ends without its trailer (a reader refuses it)'
    : '  on any failure or interrupt before "commit", the snapshot is removed and no archive is left');
  plan.steps.forEach((step, i) => {
    const carried = step.op === 'send' ? plan.streams.find((s) => s.id === step.streamId)?.snapshots.map((x) => x.name).join(', ') : undefined;
    log(`  ${i + 1}. ${stepLine(step)}${carried ? `; snapshots: ${carried}` : ''}`);
  });
}
