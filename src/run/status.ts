// `zbak status`: per zone of each job, its newest good archive (from the job's record on the
// host, and from the medium when it is mounted), its age, whether it was verified, and the
// last run's result. Works with the medium unplugged.
import { stat } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import type { Host } from '../host/host.js';
import { jobZones } from '../plan/job-zones.js';
import { hours, type StatusRow } from '../plan/status-check.js';
import type { Log } from './commands.js';
import { listVms } from './gather.js';
import { scanMedium } from './medium-scan.js';
import { linkOf, resolveChain } from '../plan/chain.js';
import { readRunRecord, type RunRecord } from './run-record.js';

export async function gatherStatus(host: Host, config: Config, now: Date, warn: Log): Promise<StatusRow[]> {
  const vms = await listVms(host);
  const rows: StatusRow[] = [];
  for (const [name, job] of Object.entries(config.jobs)) {
    const record = await readRunRecord(host, name, warn);
    const onMedium = await newestOnMedium(job.to);
    const { zones, unresolved } = jobZones(job, vms);
    for (const u of unresolved) rows.push({ job: name, zone: u.ref, lastRun: { at: record?.startedAt ?? '', ok: false, error: u.why } });
    for (const z of zones) {
      const kept = record?.lastArchive[z.uuid];
      const seen = onMedium?.get(z.uuid);
      // The medium may hold a newer archive than the record (a manual save): the newer wins.
      const best = seen && (!kept || Date.parse(seen.createdAt) > Date.parse(kept.createdAt)) ? { ...seen, verified: false } : kept;
      const outcome = record?.outcomes.find((o) => o.zone === z.uuid);
      rows.push({
        job: name,
        zone: z.uuid,
        ...(z.alias !== undefined ? { alias: z.alias } : {}),
        ...(best
          ? { newest: { path: best.path, createdAt: best.createdAt, ageSeconds: ageSeconds(now, best.createdAt), verified: best.verified, chainLength: best.chainLength } }
          : {}),
        // Checked apart from `best`: the record's newest may be another disk's, or the same file.
        ...(seen && seen.chainLength === 0 ? { brokenOnMedium: seen.path } : {}),
        ...mediaOf(record, z.uuid, now),
        ...(record && outcome ? { lastRun: { at: record.startedAt, ok: outcome.ok, ...(outcome.error ? { error: outcome.error } : {}) } } : {}),
      });
    }
  }
  return rows;
}

/** Seconds from an archive's createdAt to `now` (0 for a clock that is behind). */
const ageSeconds = (now: Date, createdAt: string): number => Math.max(0, (now.getTime() - Date.parse(createdAt)) / 1000);

function mediaOf(record: RunRecord | undefined, zone: string, now: Date): Pick<StatusRow, 'media'> {
  const media = Object.entries(record?.media ?? {})
    .flatMap(([id, m]) => {
      const a = m.zones[zone];
      return a ? [{ id, label: m.label, createdAt: a.createdAt, ageSeconds: ageSeconds(now, a.createdAt), verified: a.verified, chainLength: a.chainLength }] : [];
    })
    .sort((a, b) => a.ageSeconds - b.ageSeconds);
  return media.length > 0 ? { media } : {};
}

/** The newest archive of each zone in a medium directory, or undefined when it is not there (unplugged). */
async function newestOnMedium(dir: string): Promise<Map<string, { path: string; createdAt: string; chainLength: number }> | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const { archives, encrypted } = await scanMedium(dir);
  const links = archives.map((a) => linkOf(a.name, a.header));
  const newest = new Map<string, { path: string; createdAt: string; chainLength: number }>();
  archives.forEach((a, i) => {
    const had = newest.get(a.header.zone.uuid);
    if (had && Date.parse(a.header.createdAt) <= Date.parse(had.createdAt)) return;
    let chainLength = 0; // 0: its chain is broken on this medium (a link is missing)
    try {
      chainLength = resolveChain(links[i]!, links).length;
    } catch {
      // reported as 0
    }
    newest.set(a.header.zone.uuid, { path: a.path, createdAt: a.header.createdAt, chainLength });
  });
  // Encrypted archives are full ones (a chain of 1), known by their file name.
  for (const e of encrypted) {
    const had = newest.get(e.zoneUuid);
    if (!had || Date.parse(e.createdAt) > Date.parse(had.createdAt)) newest.set(e.zoneUuid, { path: e.path, createdAt: e.createdAt, chainLength: 1 });
  }
  return newest;
}

export function formatStatus(rows: readonly StatusRow[]): string {
  const head = ['JOB', 'ZONE', 'NEWEST ARCHIVE', 'AGE', 'CHAIN', 'VERIFIED', 'MEDIA', 'LAST RUN'];
  const lines = rows.map((r) => [
    r.job,
    r.alias ? `${r.alias} (${r.zone})` : r.zone,
    r.newest?.path ?? '-',
    r.newest ? hours(r.newest.ageSeconds) : '-',
    r.newest ? String(r.newest.chainLength) : '-',
    r.newest ? (r.newest.verified ? 'yes' : 'no') : '-',
    r.media ? r.media.map((m) => `${m.label} ${hours(m.ageSeconds)}`).join(', ') : '-',
    r.lastRun ? (r.lastRun.ok ? `ok ${r.lastRun.at}` : `FAILED ${r.lastRun.at}: ${r.lastRun.error ?? ''}`) : 'never',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [head, ...lines].map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
