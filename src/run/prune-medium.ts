// Retention on a medium (plan/retention.ts): `zbak prune DIR`, a save's --keep-* flags after
// it succeeded, and a nightly job's keep:. Only files confirmed as complete zbak archives are
// candidates (their header and trailer, archive/archive-identity.ts, not a full verify of
// every archive each night); the rest are listed and kept. --dry-run prints every decision
// with its reason and removes nothing.
import { UsageError } from '../errors.js';
import { hasPolicy, planRetention, type KeepPolicy, type RetainDecision } from '../plan/retention.js';
import type { Log } from './commands.js';
import { scanMedium } from './medium-scan.js';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { checkTargetDir } from './target-dir.js';

/** Removes one archive file; a failure is a warning (the file stays), never an abort. */
async function removeArchive(path: string, log: Log): Promise<boolean> {
  try {
    await unlink(path);
    log(`removed older archive ${path}`);
    return true;
  } catch (e) {
    log(`warning: kept ${path}: ${(e as Error).message}`);
    return false;
  }
}

export interface PruneResult {
  decisions: RetainDecision[];
  removed: string[];
  /** Files kept because they are not readable as archives. */
  unreadable: string[];
}

export interface PruneOptions {
  dryRun?: boolean;
  /** Only this zone's archives. */
  zone?: string;
  /** A save's own archive: always kept, counted as the newest (plan/retention.ts). */
  justWritten?: string;
}

export async function runPrune(dir: string, policy: KeepPolicy, opts: PruneOptions, log: Log): Promise<PruneResult> {
  if (!hasPolicy(policy)) throw new UsageError('give at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly');
  await checkTargetDir(dir);
  const scan = await scanMedium(dir);
  const candidates = [
    ...scan.archives.map((a) => ({ name: a.name, zoneUuid: a.header.zone.uuid, createdAt: a.header.createdAt, ...(a.header.base ? { base: a.header.base.archive } : {}) })),
    // Encrypted: full archives known by their file name (medium-scan.ts).
    ...scan.encrypted.map((e) => ({ name: e.name, zoneUuid: e.zoneUuid, createdAt: e.createdAt })),
  ];
  const decisions = planRetention(
    candidates.filter((a) => opts.zone === undefined || a.zoneUuid === opts.zone),
    policy,
    opts.justWritten,
  );
  const removed: string[] = [];
  if (opts.dryRun) {
    for (const u of scan.unreadable) log(`keep ${u}: not readable as a zbak archive, never pruned`);
    for (const d of decisions) log(`${d.keep ? 'keep' : 'remove'} ${d.name} (${d.createdAt}): ${d.reasons.join(', ')}`);
    return { decisions, removed, unreadable: scan.unreadable };
  }
  if (scan.unreadable.length > 0) log(`kept ${scan.unreadable.length} file(s) in ${dir} that are not readable as archives: ${scan.unreadable.join('; ')}`);
  for (const d of decisions.filter((x) => !x.keep)) {
    if (await removeArchive(join(dir, d.name), log)) removed.push(d.name);
  }
  return { decisions, removed, unreadable: scan.unreadable };
}
