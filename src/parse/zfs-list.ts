// `zfs list -H -p -o <cols>` is tab-separated with "-" for none; split by hand
// and check field by field (STYLE: tab output is not JSON, no zod here).
import { ParseError } from '../errors.js';
import { splitSnapshotName } from '../model/names.js';

export const ZFS_LIST_COLUMNS = ['name', 'type', 'origin', 'guid', 'createtxg', 'used', 'referenced', 'mountpoint'] as const;
/** The same and `available` last: a restore reads the pool's free space from the pool's own row. */
export const ZFS_LIST_COLUMNS_AVAILABLE = [...ZFS_LIST_COLUMNS, 'available'] as const;

export type ZfsType = 'filesystem' | 'volume' | 'snapshot' | 'bookmark';

export interface ZfsRow {
  name: string;
  type: ZfsType;
  /** Clone origin snapshot (full name) or undefined. */
  origin?: string;
  guid: string;
  createtxg: number;
  used: number;
  referenced: number;
  mountpoint?: string;
  /** Bytes free for the dataset (only from ZFS_LIST_COLUMNS_AVAILABLE; undefined for a snapshot). */
  available?: number;
}

const TYPES: ReadonlySet<string> = new Set(['filesystem', 'volume', 'snapshot', 'bookmark']);

/** Parses `zfs list -H -p -t all -o <ZFS_LIST_COLUMNS or ZFS_LIST_COLUMNS_AVAILABLE>`. */
export function parseZfsList(text: string, columns: typeof ZFS_LIST_COLUMNS | typeof ZFS_LIST_COLUMNS_AVAILABLE = ZFS_LIST_COLUMNS): ZfsRow[] {
  const source = `zfs list -H -p -o ${columns.join(',')}`;
  const rows: ZfsRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.split('\t');
    if (f.length !== columns.length) {
      throw new ParseError(source, `line ${i + 1} has ${f.length} fields, expected ${columns.length}: ${line}`);
    }
    const [name, type, origin, guid, createtxg, used, referenced, mountpoint, available] = f as [
      string, string, string, string, string, string, string, string, string | undefined,
    ];
    if (!TYPES.has(type)) throw new ParseError(source, `line ${i + 1}: unknown type "${type}"`);
    if (!/^\d+$/.test(guid)) throw new ParseError(source, `line ${i + 1}: guid "${guid}" is not a number`);
    rows.push({
      name,
      type: type as ZfsType,
      origin: origin === '-' || origin === '' ? undefined : origin,
      guid,
      createtxg: intField(createtxg, 'createtxg', i, source),
      used: intField(used, 'used', i, source),
      referenced: intField(referenced, 'referenced', i, source),
      mountpoint: mountpoint === '-' ? undefined : mountpoint,
      ...(available !== undefined && available !== '-' ? { available: intField(available, 'available', i, source) } : {}),
    });
  });
  return rows;
}

function intField(v: string, what: string, line: number, source: string): number {
  if (v === '-') return 0;
  if (!/^\d+$/.test(v)) throw new ParseError(source, `line ${line + 1}: ${what} "${v}" is not a number`);
  return Number(v);
}

/** Parses `zfs list -H -p -t snapshot -o name,guid`: each snapshot and its decimal GUID. */
export function parseSnapshotGuids(text: string): Array<{ name: string; guid: string }> {
  const rows: Array<{ name: string; guid: string }> = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const [name = '', guid = '', ...rest] = line.split('\t');
    if (rest.length > 0 || splitSnapshotName(name) === undefined || !/^\d{1,20}$/.test(guid)) {
      throw new ParseError('zfs list -H -p -t snapshot -o name,guid', `line ${i + 1} is not "<snapshot>\\t<guid>": ${line}`);
    }
    rows.push({ name, guid });
  });
  return rows;
}
