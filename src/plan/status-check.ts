// `zbak status --check`: the monitoring verdict over every zone's status row, with nagios's
// exit codes (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) and its one-line output. Pure.

export interface StatusRow {
  job: string;
  zone: string;
  alias?: string;
  /** The zone's newest good archive, from the job's record or the medium (chainLength 0: a link of its chain is missing). */
  newest?: { path: string; createdAt: string; ageSeconds: number; verified: boolean; chainLength: number };
  lastRun?: { at: string; ok: boolean; error?: string };
  /**
   * The zone's newest archive on the mounted medium when its chain is broken there (a link
   * missing), even if another medium holds a newer good one: tonight's save to this disk falls
   * back to full, and this disk cannot give the zone back as of its newest archive.
   */
  brokenOnMedium?: string;
  /** The newest archive on each medium the job has written to (rotated disks), newest first. */
  media?: Array<{ id: string; label: string; createdAt: string; ageSeconds: number; verified: boolean; chainLength: number }>;
}

export const NAGIOS = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
export type Severity = keyof typeof NAGIOS;

export interface Thresholds {
  warnSeconds: number;
  critSeconds: number;
}

const RANK: Severity[] = ['ok', 'warning', 'critical', 'unknown'];
const worse = (a: Severity, b: Severity): Severity => (RANK.indexOf(a) >= RANK.indexOf(b) ? a : b);

export const hours = (s: number): string => `${(s / 3600).toFixed(1)}h`;

/** One zone's severity and, when not OK, why. */
export function judgeRow(row: StatusRow, t: Thresholds): { severity: Severity; why?: string } {
  const who = row.alias ?? row.zone;
  if (!row.newest) return { severity: 'critical', why: `${who}: no archive${row.lastRun?.error ? ` (last run: ${row.lastRun.error})` : ''}` };
  const age = row.newest.ageSeconds;
  if (row.newest.chainLength === 0) return { severity: 'critical', why: `${who}: newest archive ${row.newest.path} cannot be restored: a link of its chain is missing on the medium` };
  if (row.brokenOnMedium) return { severity: 'critical', why: `${who}: newest archive on the mounted medium ${row.brokenOnMedium} cannot be restored: a link of its chain is missing there` };
  if (age > t.critSeconds) return { severity: 'critical', why: `${who}: newest archive ${hours(age)} old (critical over ${hours(t.critSeconds)})` };
  if (age > t.warnSeconds) return { severity: 'warning', why: `${who}: newest archive ${hours(age)} old (warning over ${hours(t.warnSeconds)})` };
  if (row.lastRun && !row.lastRun.ok) return { severity: 'warning', why: `${who}: last run failed: ${row.lastRun.error ?? 'unknown error'}` };
  if (!row.newest.verified) return { severity: 'warning', why: `${who}: newest archive was not verified after writing` };
  return { severity: 'ok' };
}

export function judgeStatus(rows: readonly StatusRow[], t: Thresholds): { code: number; line: string } {
  if (rows.length === 0) return { code: NAGIOS.unknown, line: 'ZBAK UNKNOWN - the config names no zone on this host' };
  let severity: Severity = 'ok';
  const problems: string[] = [];
  for (const row of rows) {
    const j = judgeRow(row, t);
    severity = worse(severity, j.severity);
    if (j.why) problems.push(j.why);
  }
  const ages = rows.flatMap((r) => (r.newest ? [r.newest.ageSeconds] : []));
  const summary =
    problems.length > 0
      ? problems.join('; ')
      : `${rows.length} zone${rows.length === 1 ? '' : 's'}, newest archives ${hours(Math.min(...ages))} to ${hours(Math.max(...ages))} old`;
  const oldest = ages.length > 0 ? Math.max(...ages) : 0;
  return { code: NAGIOS[severity], line: `ZBAK ${severity.toUpperCase()} - ${summary} | oldest_archive=${Math.round(oldest)}s;${t.warnSeconds};${t.critSeconds}` };
}

/** "26h", "2d", "90m" as seconds; undefined when not a duration. */
export function parseAge(text: string): number | undefined {
  const m = /^(\d{1,6})(m|h|d)$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * { m: 60, h: 3600, d: 86400 }[m[2] as 'm' | 'h' | 'd'];
}
