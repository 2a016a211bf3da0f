// `zbak run [JOB]`: the nightly jobs of the config. For each zone of a job: save to the
// medium, read the archive back (verify) when the job says so, then prune the medium by the
// job's retention. One zone's failure does not stop the others. Everything said goes to the
// log sink (file or syslog), so cron stays quiet when all is well; the caller prints a short
// summary when something failed.
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Config, Job } from '../config/schema.js';
import { ZbakError, type ZbakErrorCode } from '../errors.js';
import type { Host } from '../host/host.js';
import { verifyArchive } from '../archive/reader.js';
import { verifyStream } from '../archive/sequential-reader.js';
import { archiveInput } from './archive-input.js';
import { zstdLevelOf } from '../plan/argv.js';
import { jobZones } from '../plan/job-zones.js';
import type { Log } from './commands.js';
import { listVms } from './gather.js';
import { runPrune } from './prune-medium.js';
import { readRunRecord, writeRunRecord, type RunRecord, type ZoneOutcome } from './run-record.js';
import { checkTargetDir, runSave } from './save.js';
import type { MediumIdentity } from '../plan/medium-gate.js';

import type { KeyObject } from 'node:crypto';
import { configKeys } from './keys.js';

export interface JobRunOptions {
  now?: Date;
  signal?: AbortSignal;
  /** Accept a disk without identity as this medium (zbak run --new-medium). */
  newMedium?: string;
  /** The config's trust: keys; the verify after a save accepts only archives signed by one. */
  trusted?: readonly KeyObject[];
}

/** Runs one job; resolves with its record (also written to the host). Throws only on interrupt. */
export async function runJob(host: Host, name: string, job: Job, opts: JobRunOptions, log: Log): Promise<RunRecord> {
  const startedAt = (opts.now ?? new Date()).toISOString();
  const previous = await readRunRecord(host, name, log);
  const lastArchive = { ...(previous?.lastArchive ?? {}) };
  const media = structuredClone(previous?.media ?? {});
  const outcomes: ZoneOutcomeRun[] = [];
  const pruned: string[] = [];
  const failAll = (why: string, code: ZbakErrorCode, refs: Array<{ uuid: string; alias?: string }>): void => {
    for (const z of refs) outcomes.push({ zone: z.uuid, ...(z.alias !== undefined ? { alias: z.alias } : {}), ok: false, error: why, code });
  };
  try {
    const { zones, unresolved } = jobZones(job, await listVms(host));
    for (const u of unresolved) outcomes.push({ zone: u.ref, ok: false, error: `${u.ref}: ${u.why}`, code: 'not-found' });
    try {
      await checkTargetDir(job.to);
    } catch (e) {
      if (!(e instanceof ZbakError)) throw e;
      failAll(e.message, e.code, zones);
      zones.length = 0;
    }
    for (const z of zones) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const outcome = await saveOne(host, z.uuid, job, opts, log);
      outcomes.push({ ...outcome, ...(z.alias !== undefined ? { alias: z.alias } : {}) });
      if (outcome.ok && outcome.archive) {
        const good = { path: outcome.archive, createdAt: outcome.createdAt!, bytes: outcome.bytes ?? 0, verified: outcome.verified ?? false, chainLength: outcome.chainLength ?? 1 };
        lastArchive[z.uuid] = good;
        if (outcome.medium) {
          const m = (media[outcome.medium.id] ??= { label: outcome.medium.label, zones: {} });
          m.label = outcome.medium.label;
          m.zones[z.uuid] = good;
        }
        if (job.keep) pruned.push(...(await pruneZone(job, z.uuid, outcome.archive, log)));
      }
    }
  } catch (e) {
    if (opts.signal?.aborted || !(e instanceof ZbakError)) throw e;
    failAll(e.message, e.code, [{ uuid: `job ${name}` }]);
  }
  const record: RunRecord = {
    job: name,
    startedAt,
    endedAt: new Date(Math.max(Date.now(), Date.parse(startedAt))).toISOString(),
    ok: outcomes.every((o) => o.ok),
    outcomes: outcomes.map(({ createdAt: _c, medium: _m, chainLength: _l, ...o }: ZoneOutcomeRun) => o),
    pruned,
    lastArchive,
    media,
  };
  await writeRunRecord(host, record);
  for (const o of record.outcomes) log(outcomeLine(name, o));
  return record;
}

/** An outcome with what the run needs beyond the record's fields. */
type ZoneOutcomeRun = ZoneOutcome & { createdAt?: string; medium?: MediumIdentity; chainLength?: number };

async function saveOne(host: Host, uuid: string, job: Job, opts: JobRunOptions, log: Log): Promise<ZoneOutcomeRun> {
  try {
    const medium = job.media ? { medium: { labels: job.media, ...(opts.newMedium ? { newLabel: opts.newMedium } : {}) } } : {};
    const inc = job.incremental;
    const incremental = inc === false ? {} : { incremental: inc === true ? {} : { ...(inc.full_every_days ? { fullEveryDays: inc.full_every_days } : {}), ...(inc.max_links ? { maxLinks: inc.max_links } : {}) } };
    const keys = await configKeys(host, job);
    const compress = job.compress ? { compress: { level: zstdLevelOf(job.compress)! } } : {};
    const r = await runSave(host, uuid, { to: job.to, keep: job.snapshots, ...medium, ...incremental, ...keys, ...compress, ...(opts.now ? { now: opts.now } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }, log);
    const archive = r.path!;
    const bytes = (await stat(archive)).size;
    let verified = false;
    if (job.verify && keys.recipients) log(`${archive}: not verified: it is encrypted and this host holds no identity (verify it where the key is: zbak verify --identity)`);
    else if (job.verify) {
      try {
        // A compressed archive is read back in one pass through zstd -d (run/archive-input.ts).
        const input = await archiveInput(host, archive, []);
        if (input.stream) await verifyStream(input.stream, archive, { trusted: opts.trusted ?? [] });
        else await verifyArchive(archive, { trusted: opts.trusted ?? [] });
        verified = true;
      } catch (e) {
        if (!(e instanceof ZbakError)) throw e;
        return { zone: uuid, ok: false, archive, bytes, verified: false, error: `${archive} failed to verify after writing: ${e.message}`, code: 'archive-invalid' };
      }
    }
    return { zone: uuid, ok: true, archive, bytes, verified, createdAt: r.header!.createdAt, chainLength: r.chainLength ?? 1, ...(r.medium ? { medium: r.medium } : {}) };
  } catch (e) {
    if (opts.signal?.aborted || !(e instanceof ZbakError)) throw e;
    return { zone: uuid, ok: false, error: e.message, code: e.code };
  }
}

async function pruneZone(job: Job, uuid: string, written: string, log: Log): Promise<string[]> {
  try {
    return (await runPrune(job.to, job.keep!, { zone: uuid, justWritten: basename(written) }, () => undefined)).removed;
  } catch (e) {
    log(`warning: pruning ${job.to} for ${uuid} failed: ${(e as Error).message}`);
    return [];
  }
}

export function outcomeLine(job: string, o: ZoneOutcome): string {
  const who = o.alias ? `${o.alias} (${o.zone})` : o.zone;
  if (o.ok) return `job ${job}: ${who}: saved ${o.archive} (${o.bytes} bytes${o.verified ? ', verified' : ''})`;
  return `job ${job}: ${who}: FAILED: ${o.error ?? 'unknown error'}`;
}

/** The jobs `zbak run [JOB]` runs: the named one, or all in the config's order. */
export function selectJobs(config: Config, name: string | undefined): Array<[string, Job]> {
  const all = Object.entries(config.jobs);
  if (name === undefined) return all;
  const job = config.jobs[name];
  if (!job) throw new ZbakError(`no job '${name}' in the config; its jobs: ${all.map(([n]) => n).join(', ')}`, 'usage');
  return [[name, job]];
}
