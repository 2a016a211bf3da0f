// Incremental archive chains (issue 9): which archive a save continues from, and the
// chain a restore must receive. An archive is either full or incremental from its base: the
// newest archive of the same zone on the same medium, every dataset sent -I from the base's
// zbak snapshot, checked by GUID. Both functions are pure; the caller reads the headers
// (run/medium-scan.ts) and the host's `zfs list`.
import { startsAtBase, type Header } from '../archive/format.js';
import type { ZfsRow } from '../parse/zfs-list.js';
import { relativeToPool } from '../model/names.js';

/** What an archive says about its place in a chain (from its header). */
export interface ChainLink {
  /** File name on the medium. */
  name: string;
  zoneUuid: string;
  createdAt: string;
  /** The zbak snapshot the archive ends at (header.snapshotName). */
  snapshotName: string;
  /** Dataset (relative to the pool) -> GUID of its @snapshotName: where the next link starts. */
  ends: Readonly<Record<string, string>>;
  /** Incremental archives: the base they continue, and per dataset the GUID their stream starts from. */
  base?: { archive: string; createdAt: string; snapshotName: string };
  from?: Readonly<Record<string, string>>;
}

export interface ChainPolicy {
  /** A full archive at least every N days (counted from the chain's full archive). */
  fullEveryDays?: number;
  /** At most N archives in a chain, the full one included. */
  maxLinks?: number;
}

export type BaseChoice =
  | { kind: 'full'; reason: string }
  | {
      kind: 'incremental';
      base: ChainLink;
      /** The chain from its full archive to the base, oldest first. */
      chain: ChainLink[];
      /** Full dataset name -> the base's snapshot it is sent -I from. */
      from: Record<string, { snapshot: string; guid: string }>;
      /** Datasets the base does not have (sent in full within the incremental archive). */
      added: string[];
    };

const newestFirst = (a: ChainLink, b: ChainLink): number => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.name < b.name ? 1 : -1);

/**
 * The base for a save of `zoneUuid` whose datasets are `datasets` (full names in `pool`),
 * or why the save must be full. `links` are the archives readable on the medium.
 */
export function chooseBase(
  zoneUuid: string,
  links: readonly ChainLink[],
  rows: readonly ZfsRow[],
  datasets: readonly string[],
  pool: string,
  policy: ChainPolicy,
  now: Date,
): BaseChoice {
  const mine = links.filter((l) => l.zoneUuid === zoneUuid).sort(newestFirst);
  const base = mine[0];
  if (!base) return { kind: 'full', reason: 'no earlier archive of this zone on the medium' };
  let chain: ChainLink[];
  try {
    chain = resolveChain(base, mine);
  } catch (e) {
    return { kind: 'full', reason: `the newest archive's chain is broken: ${(e as Error).message}` };
  }
  if (policy.maxLinks !== undefined && chain.length >= policy.maxLinks) {
    return { kind: 'full', reason: `the chain has ${chain.length} archives (at most ${policy.maxLinks})` };
  }
  const days = (now.getTime() - Date.parse(chain[0]!.createdAt)) / 86_400_000;
  if (policy.fullEveryDays !== undefined && days >= policy.fullEveryDays) {
    return { kind: 'full', reason: `the chain's full archive is ${Math.floor(days)} days old (a full one every ${policy.fullEveryDays})` };
  }
  const from: Record<string, { snapshot: string; guid: string }> = {};
  for (const [ds, guid] of Object.entries(base.ends)) {
    const full = `${pool}/${ds}`;
    if (!datasets.includes(full)) return { kind: 'full', reason: `dataset ${full} is in the base archive ${base.name} but no longer in the zone` };
    const snap = rows.find((r) => r.name === `${full}@${base.snapshotName}`);
    if (!snap) return { kind: 'full', reason: `snapshot ${full}@${base.snapshotName} of the base archive ${base.name} is gone from this host` };
    if (snap.guid !== guid) return { kind: 'full', reason: `snapshot ${full}@${base.snapshotName} has GUID ${snap.guid}, the base archive ${base.name} has ${guid}` };
    from[full] = { snapshot: base.snapshotName, guid };
  }
  const added = datasets.filter((d) => !(relativeToPool(d) in base.ends));
  return { kind: 'incremental', base, chain, from, added };
}

/**
 * The chain `target` belongs to, from its full archive to `target` (oldest first). Each
 * link's base must be among `links`, be the archive it names (time and snapshot), and end
 * at the GUIDs the link starts from; otherwise an Error naming the link.
 */
export function resolveChain(target: ChainLink, links: readonly ChainLink[]): ChainLink[] {
  const chain: ChainLink[] = [target];
  for (let link = target; link.base; ) {
    const want = link.base;
    const base = links.find((l) => l.name === want.archive);
    if (!base) throw new Error(`${want.archive}, the base of ${link.name}, is missing`);
    if (base.zoneUuid !== link.zoneUuid || base.createdAt !== want.createdAt || base.snapshotName !== want.snapshotName) {
      throw new Error(`${base.name} is not the archive ${link.name} continues (it names one of ${want.createdAt}, @${want.snapshotName})`);
    }
    for (const [ds, guid] of Object.entries(link.from ?? {})) {
      if (base.ends[ds] !== guid) throw new Error(`${link.name} starts ${ds} at GUID ${guid}, but ${base.name} ends it at ${base.ends[ds] ?? 'nothing'}`);
    }
    if (chain.includes(base)) throw new Error(`the chain of ${target.name} loops at ${base.name}`);
    chain.unshift(base);
    link = base;
  }
  return chain;
}

/** An archive's chain facts from its (validated) header. */
export function linkOf(name: string, header: Header): ChainLink {
  const ends: Record<string, string> = {};
  const from: Record<string, string> = {};
  for (const s of header.streams) {
    if (s.role === 'image') continue;
    if (s.to.snapshot === header.snapshotName) ends[s.dataset] = s.to.guid;
    if (startsAtBase(header, s)) from[s.dataset] = s.from!.guid;
  }
  return {
    name,
    zoneUuid: header.zone.uuid,
    createdAt: header.createdAt,
    snapshotName: header.snapshotName,
    ends,
    ...(header.base ? { base: header.base, from } : {}),
  };
}
