// `imgadm list`: datasets named <pool>/<uuid> that are not zone roots and not
// bare clones of an @final, with their manifests and clone counts.
import { runZfs, splitRows, ZfsCommandError } from '../common/zfs.js';
import { readAllStoredVms } from '../vmadm/store.js';
import { loadImageDbEntry, type ImageInfo } from './db.js';

const IMAGE_NAME_RE = /^([^/]+)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export type ListedImage = ImageInfo & { cloneNames: string[]; clones: number };

interface DatasetLine {
  name: string;
  origin: string;
  mountpoint: string;
}

/** Picks the image datasets from `zfs list -o name,origin,mountpoint` rows. Pure. */
export function pickImages(rows: readonly DatasetLine[], zoneRoots: ReadonlySet<string>): { names: string[]; clonesOf: Map<string, string[]> } {
  const hasFinal = new Set(rows.filter((r) => r.name.endsWith('@final')).map((r) => r.name.slice(0, -'@final'.length)));
  const names: string[] = [];
  const clonesOf = new Map<string, string[]>();
  for (const r of rows) {
    if (IMAGE_NAME_RE.test(r.name) && !zoneRoots.has(r.mountpoint) && !(r.origin.endsWith('@final') && !hasFinal.has(r.name))) {
      names.push(r.name);
    }
    if (r.origin !== '-') {
      const base = r.origin.split('@')[0] ?? '';
      clonesOf.set(base, [...(clonesOf.get(base) ?? []), r.name]);
    }
  }
  return { names, clonesOf };
}

export async function listImages(): Promise<ListedImage[]> {
  const r = await runZfs(['list', '-t', 'filesystem,volume,snapshot', '-p', '-H', '-o', 'name,origin,mountpoint']);
  if (r.exitCode !== 0) throw new ZfsCommandError(r);
  const rows = splitRows(r.stdout).map(([name = '', origin = '-', mountpoint = '-']) => ({ name, origin, mountpoint }));
  const zoneRoots = new Set((await readAllStoredVms()).map((vm) => vm.zonepath));
  const { names, clonesOf } = pickImages(rows, zoneRoots);
  const out: ListedImage[] = [];
  for (const name of names) {
    const m = IMAGE_NAME_RE.exec(name);
    if (!m?.[1] || !m[2]) continue;
    const info = await loadImageDbEntry(m[1], m[2]);
    const cloneNames = clonesOf.get(name) ?? [];
    out.push({ ...info, cloneNames, clones: cloneNames.length });
  }
  return out;
}

/** A row of the table: manifest fields plus imgadm's computed ones (pub, published, size, clones...). */
export function rowOf(info: ListedImage): Record<string, unknown> {
  const row: Record<string, unknown> = { ...info.manifest };
  const pubAt = info.manifest.published_at;
  if (typeof pubAt === 'string') {
    row['published_date'] = pubAt.slice(0, 10);
    row['pub'] = row['published_date'];
    row['published'] = pubAt.replace(/\.\d+Z$/, 'Z');
  }
  row['source'] = info.source;
  row['clones'] = info.clones;
  row['zpool'] = info.zpool;
  const size = info.manifest.files?.[0]?.size;
  if (size !== undefined) row['size'] = size;
  return row;
}

/** tabula-style table: upper-case headers, columns padded and separated by two spaces. */
export function formatTable(rows: Array<Record<string, unknown>>, columns: string[], sort: string[], header: boolean): string[] {
  const cell = (v: unknown): string => (v === undefined || v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const sorted = [...rows].sort((a, b) => {
    for (const key of sort) {
      const desc = key.startsWith('-');
      const k = key.replace(/^-/, '');
      const x = cell(a[k]);
      const y = cell(b[k]);
      if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
    }
    return 0;
  });
  const table = sorted.map((r) => columns.map((c) => cell(r[c])));
  if (header) table.unshift(columns.map((c) => c.toUpperCase()));
  const widths = columns.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  return table.map((r) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}
