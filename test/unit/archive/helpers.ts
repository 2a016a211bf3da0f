// Builders for archive tests: a header with a valid GUID chain, deterministic stream
// bytes that start with the ZFS records the header implies, and a one-call archive writer.
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FORMAT_NAME, FORMAT_VERSION, VMADM_ENTRY, imageManifestEntry, type Header, type StreamSpec } from '../../../src/archive/format.js';
import { createArchiveWriter } from '../../../src/archive/writer.js';
import type { ArchiveSigner } from '../../../src/archive/signature.js';
import { compoundHeader, streamTail, substreamBegin, writeRecord } from '../../../fakezfs/send-records.js';
import { scanTar } from '../../../src/archive/tar-scan.js';
import { rawTar } from '../../../scripts/make-hostile-archives.js';
import { dir, type DirectoryResult } from 'tmp-promise';
import { afterEach, beforeEach } from 'vitest';

export const ZONE = '8aa8dff0-5ee1-4d22-a283-bf79505dfbe3';
export const IMAGE = '39665d70-e5f6-48b5-9000-9b650ef7cd06';
export const VMADM_JSON = `{"uuid":"${ZONE}","alias":"web","brand":"joyent"}\n`;
export const IMAGE_JSON = `{"manifest":{"uuid":"${IMAGE}","name":"base-64","version":"1","type":"zone-dataset"},"zpool":"zones"}\n`;

/** Header with one image stream (s01), a zoneroot from its @final (s02), then plain datasets. */
export function makeHeader(streamCount: number, partSize: number): Header {
  const streams: StreamSpec[] = [
    {
      id: 's01', role: 'image', dataset: IMAGE, kind: 'full', to: { snapshot: 'final', guid: '1001' },
      snapshots: [{ name: 'final', guid: '1001' }], withProperties: false,
      sendArgv: ['zfs', 'send', `zones/${IMAGE}@final`], imageUuid: IMAGE,
    },
  ];
  for (let i = 2; i <= streamCount; i++) {
    const id = `s${String(i).padStart(2, '0')}`;
    const guid = String(2000 + i);
    const to = { snapshot: 'zbak-1', guid };
    if (i === 2) {
      const from = { dataset: IMAGE, snapshot: 'final', guid: '1001' };
      streams.push({
        id, role: 'zoneroot', dataset: ZONE, kind: 'incremental-from-origin', from, origin: from, to,
        snapshots: [{ name: 'zbak-1', guid }], withProperties: true, sendArgv: ['zfs', 'send', '-p', '-I', 'x', 'y'],
      });
    } else {
      streams.push({
        id, role: 'dataset', dataset: `${ZONE}/data${i}`, kind: 'full', to,
        snapshots: [{ name: 'zbak-1', guid }], withProperties: true, sendArgv: ['zfs', 'send', '-p', 'z'],
      });
    }
  }
  return {
    format: FORMAT_NAME, formatVersion: FORMAT_VERSION, tool: { name: 'zbak', version: '0.1.0' },
    createdAt: '2025-03-01T12:00:00.000Z',
    source: { hostname: 'host-a', sysinfoUuid: '44454c4c-3200-1035-8030-b8c04f4c4e31', platform: '20250301T000000Z', pool: 'zones' },
    zone: { uuid: ZONE, alias: 'web', brand: 'joyent', state: 'running', autoboot: true },
    snapshotName: 'zbak-1', partSize, vmadmEntry: VMADM_ENTRY,
    images: [{ uuid: IMAGE, name: 'base-64', version: '1', type: 'zone-dataset', finalGuid: '1001', streamId: 's01', manifestEntry: imageManifestEntry(IMAGE) }],
    streams,
  };
}

/** Deterministic bytes for stream `seed` (a different pattern per stream). */
export function streamBytes(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * What `zfs send` writes first for `spec`: with -p or -I a compound header (here with a
 * 40-byte stand-in nvlist when -p), then the BEGIN of the first snapshot the stream carries.
 */
export function sendHead(spec: StreamSpec, pool = 'zones'): Buffer {
  const first = spec.snapshots[0] as { name: string; guid: string };
  const sub = substreamBegin({
    toguid: first.guid, fromguid: spec.from?.guid ?? '0', toname: `${pool}/${spec.dataset}@${first.name}`,
    type: spec.role === 'disk' ? 'volume' : 'filesystem', clone: spec.kind === 'incremental-from-origin', creation: 1,
  });
  if (!isCompound(spec)) return sub;
  const nvlist = Buffer.alloc(spec.withProperties ? 40 : 0, 'nvlist');
  return Buffer.concat([compoundHeader(`${pool}/${spec.dataset}@${spec.to.snapshot}`, nvlist), sub]);
}

/** zfs send writes a compound header (and a final END) with -p or -I. */
const isCompound = (spec: StreamSpec): boolean => spec.withProperties || spec.sendArgv.includes('-I');

/** A whole send stream for `spec` whose one WRITE record carries `body`. */
export function sendStream(spec: StreamSpec, body: Buffer, pool = 'zones'): Buffer {
  return Buffer.concat([sendHead(spec, pool), writeRecord(body.length), body, streamTail(isCompound(spec))]);
}

/**
 * Bytes of makeHeader's stream number `index` (0-based), `size` in all: a whole send stream
 * (its head, one WRITE record of streamBytes(seed), its END records).
 */
export function streamData(index: number, size: number, seed = index + 1): Buffer {
  const spec = makeHeader(index + 1, 1024).streams[index] as StreamSpec;
  const overhead = sendStream(spec, Buffer.alloc(0)).length;
  if (size < overhead) throw new Error(`stream ${index} needs at least ${overhead} bytes for its records`);
  return sendStream(spec, streamBytes(seed, size - overhead));
}

/** A Readable that yields `data` in chunks of `chunk` bytes (to exercise part boundaries). */
export function chunked(data: Buffer, chunk: number): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
  return Readable.from(pieces);
}

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Write an archive whose streams carry `datas` (one per stream). */
export async function writeArchive(path: string, datas: Buffer[], partSize: number, chunk = 1000, signer?: ArchiveSigner): Promise<Header> {
  const header = makeHeader(datas.length, partSize);
  const w = await createArchiveWriter(path, { partSize, signer });
  try {
    await w.addEntry('zbak.json', `${JSON.stringify(header, null, 2)}\n`);
    await w.addEntry('vmadm.json', VMADM_JSON);
    await w.addEntry(imageManifestEntry(IMAGE), IMAGE_JSON);
    for (const [i, s] of header.streams.entries()) await w.addStream(s.id, chunked(datas[i] as Buffer, chunk));
    await w.finish();
  } catch (err) {
    await w.abort();
    throw err;
  }
  return header;
}

/** Files in `dir` (to assert nothing named *.zbak or leftover temp remains). */
export const listDir = (dir: string): Promise<string[]> => readdir(dir).then((n) => n.sort());

/** Every tar entry of a (small) archive, name and bytes, in order. */
async function readEntries(path: string): Promise<Array<{ name: string; data: Buffer }>> {
  const entries: Array<{ name: string; data: Buffer }> = [];
  await scanTar(path, async (e) => {
    const chunks: Buffer[] = [];
    for await (const c of e.data) chunks.push(c);
    entries.push({ name: e.name, data: Buffer.concat(chunks) });
  });
  return entries;
}

/**
 * Rewrites the JSON entries of a (small) archive the way someone with the file could:
 * `edit` gets each JSON entry's text by name and returns the new text; the trailer's
 * checksums are recomputed, so the result passes every checksum and only content
 * checks can refuse it. Stream parts are copied unchanged.
 */
export async function rewriteArchive(from: string, to: string, edit: (name: string, text: string) => string): Promise<void> {
  const entries = await readEntries(from);
  const trailer = entries.pop()!;
  const t = JSON.parse(trailer.data.toString()) as { entries: Array<{ name: string; size: number; sha256: string }> };
  for (const e of entries) {
    if (e.name.startsWith('streams/')) continue;
    e.data = Buffer.from(edit(e.name, e.data.toString()));
    const sum = t.entries.find((x) => x.name === e.name)!;
    sum.size = e.data.length;
    sum.sha256 = sha(e.data);
  }
  await writeFile(to, rawTar([...entries, { name: trailer.name, data: `${JSON.stringify(t, null, 2)}\n` }]));
}

/** rewriteArchive for one JSON entry: `edit` changes the parsed document in place (or returns a replacement). */
export function editJson(entry: string, edit: (doc: any) => unknown): (name: string, text: string) => string {
  return (name, text) => {
    if (name !== entry) return text;
    const doc = JSON.parse(text) as unknown;
    const out = edit(doc);
    return JSON.stringify(out === undefined ? doc : out);
  };
}

/**
 * Rewrites an archive as format version 1 wrote it: both JSON documents say version 1 and
 * each stream's `sha256` is the SHA-256 of its bytes (version 2: of its part list).
 * `streamSum` may replace that sum (to build a v1 archive whose stream sum is wrong).
 */
export async function rewriteAsVersion1(from: string, to: string, streamSum?: (id: string, right: string) => string): Promise<void> {
  const entries = await readEntries(from);
  const trailer = entries.pop()!;
  const t = JSON.parse(trailer.data.toString()) as {
    formatVersion: number; entries: Array<{ name: string; size: number; sha256: string }>;
    streams: Array<{ id: string; sha256: string; parts: Array<{ name: string }> }>;
  };
  t.formatVersion = 1;
  const header = entries[0]!;
  header.data = Buffer.from(JSON.stringify({ ...JSON.parse(header.data.toString()), formatVersion: 1 }));
  t.entries[0] = { name: header.name, size: header.data.length, sha256: sha(header.data) };
  for (const s of t.streams) {
    const bytes = Buffer.concat(s.parts.map((p) => entries.find((e) => e.name === p.name)!.data));
    s.sha256 = streamSum ? streamSum(s.id, sha(bytes)) : sha(bytes);
  }
  await writeFile(to, rawTar([...entries, { name: trailer.name, data: `${JSON.stringify(t, null, 2)}\n` }]));
}

/** Rewrites the trailer of a (small) archive: `edit` changes the parsed trailer in place. */
export async function rewriteTrailer(from: string, to: string, edit: (trailer: any) => void): Promise<void> {
  const entries: Array<{ name: string; data: Buffer | string }> = [];
  await scanTar(from, async (e) => {
    const chunks: Buffer[] = [];
    for await (const c of e.data) chunks.push(c);
    entries.push({ name: e.name, data: Buffer.concat(chunks) });
  });
  const trailer = entries.pop()!;
  const t = JSON.parse(trailer.data.toString()) as unknown;
  edit(t);
  await writeFile(to, rawTar([...entries, { name: trailer.name, data: `${JSON.stringify(t, null, 2)}\n` }]));
}

/** Every entry of the archive at `path`, its data read whole (small test archives only). */
export async function entriesOf(path: string): Promise<Array<{ name: string; data: Buffer }>> {
  const out: Array<{ name: string; data: Buffer }> = [];
  await scanTar(path, async (e) => {
    const chunks: Buffer[] = [];
    for await (const c of e.data) chunks.push(Buffer.from(c));
    out.push({ name: e.name, data: Buffer.concat(chunks) });
  });
  return out;
}

/**
 * A fresh temporary directory for each test of the file that calls this (its `path`), removed
 * after the test; ZBAK_READ_COUNT, which the read-counting tests set, is forgotten with it.
 */
export function tempDirPerTest(): { readonly path: string } {
  let current: DirectoryResult | undefined;
  beforeEach(async () => {
    current = await dir({ unsafeCleanup: true });
  });
  afterEach(() => {
    delete process.env.ZBAK_READ_COUNT;
    return current?.cleanup();
  });
  return {
    get path(): string {
      if (current === undefined) throw new Error('tempDirPerTest: no directory outside a test');
      return current.path;
    },
  };
}
