// Which archives of a medium `zbak prune` (and a nightly job's `keep:`) keeps, as restic's
// `forget` does: --keep-last N newest, and the newest archive of each of the last N days,
// ISO weeks and months that have one (UTC: archives carry UTC times). An archive kept by any
// rule stays, the newest of each zone always stays, and so does every archive a kept one
// depends on (its chain's base). Per zone; files that are not readable archives are never
// candidates (the caller keeps them). Pure.

export interface RetainCandidate {
  name: string;
  zoneUuid: string;
  /** The header's createdAt (ISO 8601 UTC). */
  createdAt: string;
  /** Name of the archive this one is incremental from (a chain's previous link), if any. */
  base?: string;
}

export interface KeepPolicy {
  last?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
}

export interface RetainDecision {
  name: string;
  zoneUuid: string;
  createdAt: string;
  keep: boolean;
  /** Why it stays ("last 1", "daily 2026-11-30", "base of x.zbak", "newest"), or why it goes. */
  reasons: string[];
}

export const hasPolicy = (p: KeepPolicy): boolean =>
  [p.last, p.daily, p.weekly, p.monthly].some((n) => n !== undefined && n > 0);

const day = (d: Date): string => d.toISOString().slice(0, 10);
const month = (d: Date): string => d.toISOString().slice(0, 7);
/** ISO 8601 week, e.g. "2026-W48" (the week's Thursday decides its year). */
function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

const RULES: Array<{ key: keyof KeepPolicy; bucket: (d: Date) => string }> = [
  { key: 'daily', bucket: day },
  { key: 'weekly', bucket: isoWeek },
  { key: 'monthly', bucket: month },
];

/**
 * Decisions for every candidate, newest first within each zone. `justWritten` (a save's own
 * archive) counts as its zone's newest whatever its time says (a skewed clock, a copied file
 * with a later header): it is always kept and is the first of --keep-last's N.
 */
export function planRetention(candidates: readonly RetainCandidate[], policy: KeepPolicy, justWritten?: string): RetainDecision[] {
  const zones = new Map<string, RetainCandidate[]>();
  for (const c of candidates) zones.set(c.zoneUuid, [...(zones.get(c.zoneUuid) ?? []), c]);
  return [...zones.values()].flatMap((list) => retainZone(list, policy, justWritten));
}

function retainZone(list: readonly RetainCandidate[], policy: KeepPolicy, justWritten: string | undefined): RetainDecision[] {
  const sorted = [...list]
    .map((c) => ({ c, t: new Date(c.createdAt) }))
    // Equal times: the name decides, so the outcome does not depend on directory order.
    .sort((a, b) => Number(b.c.name === justWritten) - Number(a.c.name === justWritten) || b.t.getTime() - a.t.getTime() || (a.c.name < b.c.name ? 1 : -1));
  const reasons = new Map<string, string[]>(sorted.map(({ c }) => [c.name, []]));
  const why = (name: string, reason: string): void => void reasons.get(name)!.push(reason);
  sorted.slice(0, policy.last ?? 0).forEach(({ c }, i) => why(c.name, `last ${i + 1}`));
  for (const rule of RULES) {
    const n = policy[rule.key] ?? 0;
    const seen = new Set<string>();
    for (const { c, t } of sorted) {
      const b = rule.bucket(t);
      if (seen.has(b)) continue;
      if (seen.size >= n) break;
      seen.add(b);
      why(c.name, `${rule.key} ${b}`);
    }
  }
  if (sorted[0]) why(sorted[0].c.name, sorted[0].c.name === justWritten ? 'just written' : 'newest');
  // A kept archive's base, and its base in turn, must stay or the kept one cannot restore.
  const byName = new Map(sorted.map(({ c }) => [c.name, c]));
  for (const { c } of sorted) {
    if (reasons.get(c.name)!.length === 0) continue;
    for (let link = c; link.base !== undefined; ) {
      const base = byName.get(link.base);
      if (!base) break;
      const r = reasons.get(base.name)!;
      if (r.some((x) => x.startsWith('base of'))) break;
      r.push(`base of ${link.name}`);
      link = base;
    }
  }
  return sorted.map(({ c }) => {
    const r = reasons.get(c.name)!;
    return { name: c.name, zoneUuid: c.zoneUuid, createdAt: c.createdAt, keep: r.length > 0, reasons: r.length > 0 ? r : ['no rule keeps it'] };
  });
}
