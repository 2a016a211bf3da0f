// `zbak prune DIR`: retention on a medium (plan/retention.ts). Only files confirmed as
// complete zbak archives are candidates; the rest are listed and kept. --dry-run prints
// every decision with its reason and removes nothing.
import { UsageError } from '../errors.js';
import { hasPolicy, planRetention, type KeepPolicy, type RetainDecision } from '../plan/retention.js';
import type { Log } from './commands.js';
import { scanMedium } from './medium-scan.js';
import { removeArchive } from './prune-archives.js';
import { join } from 'node:path';
import { checkTargetDir } from './save.js';

export interface PruneResult {
  decisions: RetainDecision[];
  removed: string[];
  /** Files kept because they are not readable as archives. */
  unreadable: string[];
}

export async function runPrune(dir: string, policy: KeepPolicy, opts: { dryRun?: boolean; zone?: string }, log: Log): Promise<PruneResult> {
  if (!hasPolicy(policy)) throw new UsageError('give at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly');
  await checkTargetDir(dir);
  const scan = await scanMedium(dir);
  const archives = scan.archives.filter((a) => opts.zone === undefined || a.header.zone.uuid === opts.zone);
  const decisions = planRetention(
    archives.map((a) => ({ name: a.name, zoneUuid: a.header.zone.uuid, createdAt: a.header.createdAt })),
    policy,
  );
  for (const u of scan.unreadable) log(`keep ${u}: not readable as a zbak archive, never pruned`);
  const removed: string[] = [];
  for (const d of decisions) {
    if (opts.dryRun || d.keep) {
      log(`${d.keep ? 'keep' : 'remove'} ${d.name} (${d.createdAt}): ${d.reasons.join(', ')}`);
      continue;
    }
    if (await removeArchive(join(dir, d.name), log)) removed.push(d.name);
  }
  return { decisions, removed, unreadable: scan.unreadable };
}
