// An archive held in memory as its parts (header object, vmadm.json text, image
// records, stream bytes) so a mutation is a plain edit; `writeArchiveBytes` lays it
// out as a tar with every checksum recomputed (entry, part and stream sums in the
// trailer, the stream's by the header's format version), i.e. an archive that still
// verifies unless its content is refused.
import { createHash } from 'node:crypto';
import { rawTar, type RawEntry } from '../../make-hostile-archives.js';
import { partListDigest } from '../../../src/archive/stream-digest.js';

export interface ArchiveModel {
  /** zbak.json, parsed; mutations edit it freely (it is re-serialised as is). */
  header: Record<string, unknown>;
  vmadm: string;
  /** images/<uuid>.json entries, in archive order. */
  manifests: Array<{ name: string; text: string }>;
  /** Stream bytes by the stream id they had in the genuine archive. */
  streams: Map<string, Buffer>;
  /** The part size the genuine archive was cut with. */
  partSize: number;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The entries of a ustar file (regular files only, as zbak writes them). */
export function tarEntries(buf: Buffer): Array<{ name: string; data: Buffer }> {
  const out: Array<{ name: string; data: Buffer }> = [];
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const field = (a: number, n: number): string => h.subarray(a, a + n).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim(), 8);
    out.push({ name, data: Buffer.from(buf.subarray(off + 512, off + 512 + size)) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

export function readArchive(buf: Buffer): ArchiveModel {
  const entries = tarEntries(buf);
  const get = (n: string): Buffer => {
    const e = entries.find((x) => x.name === n);
    if (!e) throw new Error(`genuine archive has no ${n}`);
    return e.data;
  };
  const header = JSON.parse(get('zbak.json').toString('utf8')) as Record<string, unknown>;
  const parts = new Map<string, Buffer[]>();
  for (const e of entries) {
    const m = /^streams\/(s[0-9]+)\/[0-9]{6}$/.exec(e.name);
    if (m) parts.set(m[1]!, [...(parts.get(m[1]!) ?? []), e.data]);
  }
  const streams = new Map([...parts].map(([id, p]) => [id, Buffer.concat(p)]));
  return {
    header,
    vmadm: get('vmadm.json').toString('utf8'),
    manifests: entries.filter((e) => e.name.startsWith('images/')).map((e) => ({ name: e.name, text: e.data.toString('utf8') })),
    streams,
    partSize: header.partSize as number,
  };
}

export function cloneModel(m: ArchiveModel): ArchiveModel {
  return {
    header: structuredClone(m.header),
    vmadm: m.vmadm,
    manifests: m.manifests.map((x) => ({ ...x })),
    streams: new Map(m.streams),
    partSize: m.partSize,
  };
}

/** The part size to cut streams with: the header's when a writer could have used it, else the genuine one. */
function cutSize(m: ArchiveModel): number {
  const p = m.header.partSize;
  return typeof p === 'number' && Number.isInteger(p) && p >= 512 && p <= 1024 * 1024 * 1024 ? p : m.partSize;
}

/** The tar bytes of `m`, checksums recomputed. Streams are written in header order, by id. */
export function writeArchiveBytes(m: ArchiveModel): Buffer {
  const headerText = `${JSON.stringify(m.header, null, 2)}\n`;
  const sum = (name: string, data: Buffer): { name: string; size: number; sha256: string } => ({ name, size: data.length, sha256: sha(data) });
  const json: RawEntry[] = [
    { name: 'zbak.json', data: headerText },
    { name: 'vmadm.json', data: m.vmadm },
    ...m.manifests.map((x) => ({ name: x.name, data: x.text })),
  ];
  const size = cutSize(m);
  // A mutation may set any version; the trailer follows the header's so only that field is off.
  const version = typeof m.header.formatVersion === 'number' ? m.header.formatVersion : 1;
  const specs = Array.isArray(m.header.streams) ? (m.header.streams as Array<{ id?: unknown }>) : [];
  const parts: RawEntry[] = [];
  const streamSums = [];
  for (const spec of specs) {
    const id = String(spec?.id);
    const bytes = m.streams.get(id) ?? Buffer.alloc(0);
    const sums = [];
    for (let i = 0; i === 0 || i * size < bytes.length; i++) {
      const data = bytes.subarray(i * size, (i + 1) * size);
      const name = `streams/${id}/${String(i).padStart(6, '0')}`;
      parts.push({ name, data });
      sums.push(sum(name, data));
    }
    // The stream digest of the header's format version: version 2 of the part list, 1 of the bytes.
    streamSums.push({ id, size: bytes.length, sha256: version === 1 ? sha(bytes) : partListDigest(sums), parts: sums });
  }
  const trailer = {
    format: 'zbak',
    formatVersion: version,
    entries: json.map((e) => sum(e.name, Buffer.from(e.data as string))),
    streams: streamSums,
  };
  return rawTar([...json, ...parts, { name: 'zbak-trailer.json', data: `${JSON.stringify(trailer, null, 2)}\n` }]);
}
