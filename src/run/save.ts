// `zbak save`: snapshot every dataset of a zone in one command, then stream
// the archive (header, vmadm JSON, image manifests, streams, trailer) into a
// temp file that is renamed only when complete. On failure the snapshot this
// run made is destroyed and no *.zbak file is left.
import { access, constants, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createArchiveWriter } from '../archive/writer.js';
import { DEFAULT_PART_SIZE, HEADER_ENTRY, VMADM_ENTRY, imageManifestEntry, type Header } from '../archive/format.js';
import { NotFoundError, PlanConflictError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { compactUtcStamp, zbakSnapshotName } from '../model/names.js';
import { ZBAK_VERSION } from '../model/version.js';
import { buildHeader } from '../plan/header.js';
import { planSave, type SavePlan } from '../plan/save-plan.js';
import { snapshotsToPrune } from '../plan/prune.js';
import { pruneArchivesBeside } from './prune-archives.js';
import { findRow, type SaveInventory } from '../plan/inventory.js';
import { quoteArgv, succeeded, must, type Log } from './commands.js';
import { gatherSaveInventory, listPool } from './gather.js';
import { sendInto } from './streams.js';
import { sweepDeadTemps } from './sweep-temps.js';
import { counted, silentProgress, tracked, type Progress } from './progress.js';
import { estimateArgv, parseSendEstimate } from '../parse/zfs-send-estimate.js';

export interface SaveOptions {
  to: string;
  dryRun?: boolean;
  partSize?: number;
  now?: Date;
  /** zbak snapshots to keep per dataset after a successful save (default 1: the new one). */
  keep?: number;
  /** Archives of this zone to keep in `to` after a successful save, the new one included (default: all). */
  keepArchives?: number;
  /** Aborts the save (SIGINT/SIGTERM): the temp file and the snapshot are removed. */
  signal?: AbortSignal;
  /** Told the bytes of each stream as they are written. */
  progress?: Progress;
}

export interface SaveResult {
  plan: SavePlan;
  /** Archive path (undefined for a dry run). */
  path?: string;
  header?: Header;
  bytes?: number;
}

export async function runSave(host: Host, ref: string, opts: SaveOptions, log: Log): Promise<SaveResult> {
  const now = opts.now ?? new Date();
  const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
  const inv = await gatherSaveInventory(host, ref);
  const snapshotName = zbakSnapshotName(now);
  const plan = planSave(inv, snapshotName);
  const taken = plan.datasets.filter((d) => findRow(inv.rows, `${d.name}@${snapshotName}`));
  if (taken.length > 0) {
    throw new PlanConflictError(`snapshot ${taken[0]!.name}@${snapshotName} already exists; another save ran this second, retry`);
  }
  const path = join(opts.to, archiveFileName(inv.vm.alias, inv.vm.uuid, now));
  await checkTargetDir(opts.to);
  if (opts.dryRun) {
    printSavePlan(plan, path, log);
    return { plan };
  }

  opts.signal?.throwIfAborted();
  await sweepDeadTemps(opts.to, log);
  const unlock = await host.lock(inv.vm.uuid);
  try {
    return await snapshotAndWrite(host, inv, plan, path, { ...opts, now, partSize }, log);
  } finally {
    await unlock();
  }
}

async function snapshotAndWrite(
  host: Host,
  inv: SaveInventory,
  plan: SavePlan,
  path: string,
  opts: SaveOptions & { now: Date; partSize: number },
  log: Log,
): Promise<SaveResult> {
  const { now, partSize } = opts;
  const snapshotName = plan.snapshotName;
  await must(host, plan.snapshotArgv, `snapshot zone ${inv.vm.uuid}`);
  let result: SaveResult & { plan: SavePlan };
  try {
    const after = planSave({ ...inv, rows: await listPool(host, plan.pool) }, snapshotName);
    const header = buildHeader(inv, after, { createdAt: now, toolVersion: ZBAK_VERSION, partSize });
    const bytes = await writeArchive(host, path, header, inv.rawVmJson, inv.images, { partSize, log, signal: opts.signal, progress: opts.progress ?? silentProgress });
    log(`saved ${inv.vm.uuid} to ${path} (${bytes} bytes of streams, ${header.streams.length} streams)`);
    result = { plan: after, path, header, bytes };
  } catch (e) {
    await destroySnapshots(host, plan, log);
    // Ctrl-C also reaches zfs send, which may fail first: report the interrupt.
    throw opts.signal?.aborted ? opts.signal.reason : e;
  }
  // Outside the try: the archive is complete, so a pruning problem must not remove the new snapshot.
  await pruneOldSnapshots(host, result.plan, opts.keep ?? 1, log);
  if (opts.keepArchives !== undefined) await pruneOldArchives(path, inv.vm.uuid, opts.keepArchives, log);
  return result;
}

interface WriteOptions {
  partSize: number;
  log: Log;
  signal: AbortSignal | undefined;
  progress: Progress;
}

async function writeArchive(
  host: Host,
  path: string,
  header: Header,
  rawVmJson: string,
  images: { uuid: string; rawRecord: string }[],
  { partSize, log, signal, progress }: WriteOptions,
): Promise<number> {
  const writer = await createArchiveWriter(path, { partSize });
  try {
    await writer.addEntry(HEADER_ENTRY, `${JSON.stringify(header, null, 2)}\n`);
    await writer.addEntry(VMADM_ENTRY, rawVmJson);
    for (const img of header.images) {
      const raw = images.find((i) => i.uuid === img.uuid)!.rawRecord;
      await writer.addEntry(imageManifestEntry(img.uuid), raw);
    }
    let total = 0;
    for (const s of header.streams) {
      log(`send ${s.id}: ${quoteArgv(s.sendArgv)}`);
      const estimate = progress.enabled ? await estimateSize(host, s.sendArgv) : undefined;
      const r = await tracked(progress, `${s.id} ${s.dataset}`, estimate, () =>
        sendInto(host, s.sendArgv, `send ${s.dataset} (${s.id})`, (data) =>
          writer.addStream(s.id, counted(data, progress), signal ? { signal } : {}),
        ),
      );
      total += r.size;
    }
    await writer.finish();
    return total;
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

/** After a successful save: older zbak snapshots go, so nightly runs do not pile them up. */
async function pruneOldSnapshots(host: Host, plan: SavePlan, keep: number, log: Log): Promise<void> {
  const rows = await listPool(host, plan.pool);
  for (const snap of snapshotsToPrune(rows, plan.datasets.map((d) => d.name), keep)) {
    // No -R: a clone someone made from an old zbak snapshot keeps it alive.
    const r = await host.run(['zfs', 'destroy', snap]);
    if (succeeded(r)) log(`pruned ${snap}`);
    else log(`warning: kept ${snap}: ${r.stderrTail.trim().split('\n')[0]}`);
  }
}

/** After a successful save with --keep-archives: older archives of this zone beside the new one go. */
async function pruneOldArchives(written: string, uuid: string, keep: number, log: Log): Promise<void> {
  await pruneArchivesBeside(written, uuid, keep, log);
}

/** Removes the snapshot this run made (best effort; says what it could not remove). */
async function destroySnapshots(host: Host, plan: SavePlan, log: Log): Promise<void> {
  for (const d of plan.datasets) {
    const r = await host.run(['zfs', 'destroy', `${d.name}@${plan.snapshotName}`]);
    if (!succeeded(r) && !/could not find any snapshots|does not exist/.test(r.stderrTail)) {
      log(`warning: could not remove ${d.name}@${plan.snapshotName}: ${r.stderrTail.trim()}`);
    }
  }
}

/** The target directory exists and is writable; a clear error naming the fix otherwise. */
export async function checkTargetDir(dir: string): Promise<void> {
  let st;
  try {
    st = await stat(dir);
  } catch {
    throw new NotFoundError(`target directory ${dir} does not exist; create it or mount the backup disk`);
  }
  if (!st.isDirectory()) throw new UsageError(`target ${dir} is not a directory; give --to a directory`);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw new UsageError(`target directory ${dir} is not writable; check its permissions or mount options`);
  }
}

export function archiveFileName(alias: string | undefined, uuid: string, now: Date): string {
  const safeAlias = alias?.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safeAlias ? `${safeAlias}-` : ''}${uuid}-${compactUtcStamp(now)}.zbak`;
}

export function printSavePlan(plan: SavePlan, path: string, log: Log): void {
  log(`plan: save to ${path}`);
  for (const n of plan.notes) log(`note: ${n}`);
  log(`  1. ${quoteArgv(plan.snapshotArgv)}`);
  let step = 2;
  for (const s of plan.streams) {
    const carried = s.snapshots.map((x) => x.name).join(', ');
    log(`  ${step++}. ${quoteArgv(s.sendArgv)}   # ${s.id} ${s.role} ${s.kind}; snapshots: ${carried}`);
  }
  log(`  ${step}. write ${path} (temp name first, renamed when complete)`);
}
