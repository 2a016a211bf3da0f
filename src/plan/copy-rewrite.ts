// What a copy (`restore --new-uuid`) changes in what it receives: every property value the
// archive records for a dataset that is a path naming the original uuid as a whole component
// (the cores mountpoint vmadm sets locally, a mountpoint set by hand under /zones/<uuid>) is
// received with `-o` and the copy's uuid instead, so nothing of the copy points at the
// original's places. Pure; the argv builder checks the values' grammar again.
import type { StreamSpec } from '../archive/format.js';
import { PlanConflictError } from '../errors.js';
import { printable } from '../model/printable.js';
import type { ReceiveProps } from './argv.js';

/** Absolute path whose components are dataset-name characters (no '.', '..', empty components). */
const SAFE_PATH_RE = /^(\/[A-Za-z0-9_.:+,=@-]+)+$/;

/**
 * `value` with every path component equal to `from` replaced by `to`; undefined when the value
 * is not such a path or names `from` nowhere as a whole component (`/zones/<from>x` stays).
 */
export function renameUuidInPath(value: string, from: string, to: string): string | undefined {
  if (!SAFE_PATH_RE.test(value)) return undefined;
  const parts = value.split('/');
  if (parts.some((c) => c === '.' || c === '..') || !parts.includes(from)) return undefined;
  return parts.map((c) => (c === from ? to : c)).join('/');
}

export interface CopyReceive {
  props: ReceiveProps;
  /** Plain-language changes for the plan printout. */
  changes: string[];
}

/**
 * The -o/-x a copy's receive of `stream` gets. Recorded values naming the original uuid are
 * rewritten; a zoneroot without a recorded mountpoint gets `-x mountpoint` (inherited: the
 * copy's own /<pool>/<uuid>, whatever the stream carries); cores always ends up at
 * `/<pool>/<uuid>/cores`, as `vmadm create` sets it, also from archives that record no properties.
 */
export function copyReceiveProps(stream: StreamSpec, from: string, to: string, pool: string): CopyReceive {
  const set: Record<string, string> = {};
  const exclude: string[] = [];
  const changes: string[] = [];
  const recorded = stream.properties ?? {};
  for (const [k, v] of Object.entries(recorded).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const renamed = renameUuidInPath(v, from, to);
    if (renamed === undefined) {
      // A path naming the uuid that is not a plain path cannot be rewritten safely: no copy.
      // (Other values, e.g. a user property holding the bare uuid, are data, not places.)
      if (v.startsWith('/') && v.split('/').includes(from)) {
        throw new PlanConflictError(
          `stream ${stream.id} records ${k}=${printable(v)}, which names zone ${from} in a form zbak does not rewrite; ` +
            `this archive cannot be restored as a copy`,
        );
      }
      continue;
    }
    set[k] = renamed;
    changes.push(`${k} ${v} -> ${renamed}`);
  }
  if (recorded.mountpoint === undefined) {
    if (stream.role === 'cores') {
      set.mountpoint = `/${pool}/${to}/cores`;
      changes.push(`mountpoint ${set.mountpoint} (as vmadm sets it; the archive records none)`);
    } else if (stream.role === 'zoneroot') {
      exclude.push('mountpoint');
      changes.push(`mountpoint inherited (/${pool}/${to}), whatever the stream carries`);
    }
  }
  return { props: { ...(Object.keys(set).length > 0 ? { set } : {}), ...(exclude.length > 0 ? { exclude } : {}) }, changes };
}
