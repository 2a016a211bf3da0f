// Which zones a nightly job saves: 'all' (minus its excludes) or the listed uuids and
// aliases, resolved against `vmadm lookup -j`. A listed zone that is not on the host, or an
// alias that names several, is an error of that zone alone (the others are still saved). Pure.
import type { Job } from '../config/schema.js';

export interface ZoneRef {
  uuid: string;
  alias?: string;
}

export interface JobZones {
  zones: ZoneRef[];
  /** Listed names that match no zone, or several: "<ref>: <why>". */
  unresolved: Array<{ ref: string; why: string }>;
}

export function jobZones(job: Pick<Job, 'zones' | 'exclude'>, vms: readonly ZoneRef[]): JobZones {
  const named = (ref: string, v: ZoneRef): boolean => v.uuid === ref || v.alias === ref;
  if (job.zones === 'all') {
    const zones = vms.filter((v) => !job.exclude.some((x) => named(x, v)));
    return { zones: [...zones].sort((a, b) => (a.alias ?? a.uuid).localeCompare(b.alias ?? b.uuid)), unresolved: [] };
  }
  const zones: ZoneRef[] = [];
  const unresolved: JobZones['unresolved'] = [];
  for (const ref of job.zones) {
    const hits = vms.filter((v) => v.uuid === ref).length > 0 ? vms.filter((v) => v.uuid === ref) : vms.filter((v) => v.alias === ref);
    if (hits.length === 0) unresolved.push({ ref, why: 'no such zone on this host' });
    else if (hits.length > 1) unresolved.push({ ref, why: `alias names ${hits.length} zones; list the uuid` });
    else if (!job.exclude.some((x) => named(x, hits[0]!)) && !zones.some((z) => z.uuid === hits[0]!.uuid)) zones.push(hits[0]!);
  }
  return { zones, unresolved };
}
