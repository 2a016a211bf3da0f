// Memory and throughput of the archive code on a large synthetic stream (issue 2: peak RSS
// for a 4 GiB stream must stay under 150 MiB). Each phase runs in its own process, as the
// CLI does: "save" writes the archive, "restore" verifies it and reads every stream back.
//   node dist/scripts/bench-memory.js [--size 4GiB] [--dir /tmp] [--json] [--no-baseline]
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { FORMAT_NAME, FORMAT_VERSION, VMADM_ENTRY, streamPartEntry, type Header } from '../src/archive/format.js';
import { partListDigest } from '../src/archive/stream-digest.js';
import { readStreams, verifyArchive } from '../src/archive/reader.js';
import { createArchiveWriter } from '../src/archive/writer.js';
import { autoPartSize } from '../src/model/part-size.js';
import { RECORD_SIZE as RECORD, endRecord, nextWriteLength, substreamBegin, writeRecord } from '../fakezfs/send-records.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024; // what a read from a zfs send pipe gives

function parseSize(text: string): number {
  const m = /^(\d+)\s*(GiB|MiB|KiB|B)?$/i.exec(text);
  if (!m) throw new Error(`bad --size ${text} (use e.g. 4GiB, 512MiB)`);
  const unit = { gib: 1024 ** 3, mib: MiB, kib: 1024, b: 1 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Number(m[1]) * unit;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ZONE = '00000000-0000-4000-8000-000000000000';
/** The BEGIN record verify compares with the header's stream. */
const HEAD = substreamBegin({ toguid: '1', fromguid: '0', toname: `zones/${ZONE}@zbak-bench`, type: 'filesystem', clone: false, creation: 0 });
const END = endRecord();

/**
 * A whole send stream of `size` bytes: the BEGIN record, WRITE records of patterned
 * pseudo-random bytes one chunk each (a fresh buffer per chunk, as a pipe would give), END.
 */
function synthetic(size: number): Readable {
  const pool = Array.from({ length: 7 }, () => randomBytes(CHUNK));
  let left = size - HEAD.length - END.length;
  if (left < RECORD) throw new Error(`a synthetic stream needs at least ${HEAD.length + RECORD + END.length} bytes`);
  let n = 0;
  return new Readable({
    read() {
      if (n === 0) {
        n++;
        return void this.push(HEAD);
      }
      if (left === 0) {
        this.push(END);
        return void this.push(null);
      }
      const len = nextWriteLength(left, CHUNK);
      const chunk = Buffer.allocUnsafe(len);
      writeRecord(len - RECORD).copy(chunk);
      (pool[n % pool.length] as Buffer).copy(chunk, RECORD, 0, len - RECORD);
      if (len >= RECORD + 8) chunk.writeBigUInt64LE(BigInt(n), RECORD); // no two chunks alike
      n++;
      left -= len;
      this.push(chunk);
    },
  });
}

/** Seconds and peak RSS (sampled every 50 ms) of `fn`. */
async function measure<T>(fn: () => Promise<T>): Promise<T & { seconds: number; peakRss: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = process.hrtime.bigint();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { ...result, seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakRss: peak };
  } finally {
    clearInterval(timer);
  }
}


/** The part size a save of a zone of this size picks. */
const partSizeOf = (size: number): number => autoPartSize(size);

function header(partSize: number): Header {
  const uuid = ZONE;
  return {
    format: FORMAT_NAME, formatVersion: FORMAT_VERSION, tool: { name: 'zbak', version: 'bench' },
    createdAt: new Date().toISOString(),
    source: { hostname: 'bench', sysinfoUuid: 'bench', platform: 'bench', pool: 'zones' },
    zone: { uuid, brand: 'joyent', state: 'stopped', autoboot: false },
    snapshotName: 'zbak-bench', partSize, vmadmEntry: VMADM_ENTRY, images: [],
    streams: [{
      id: 's01', role: 'zoneroot', dataset: uuid, kind: 'full', to: { snapshot: 'zbak-bench', guid: '1' },
      snapshots: [{ name: 'zbak-bench', guid: '1' }], withProperties: false, sendArgv: ['synthetic'],
    }],
  };
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  await fh.sync();
  await fh.close();
}

const discard = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

/** One phase, in this (child) process; prints one JSON line. */
async function runPhase(phase: string, file: string, size: number): Promise<void> {
  let out: Record<string, unknown>;
  if (phase === 'save') {
    out = await measure(async () => {
      const w = await createArchiveWriter(file, { partSize: partSizeOf(size) });
      await w.addEntry('zbak.json', JSON.stringify(header(partSizeOf(size))));
      // verify checks vmadm.json against the header (uuid, brand)
      await w.addEntry(VMADM_ENTRY, JSON.stringify({ uuid: ZONE, brand: 'joyent' }));
      const sum = await w.addStream('s01', synthetic(size));
      await w.finish();
      return { sha256: sum.sha256, size: sum.size };
    });
  } else if (phase === 'restore') {
    const verify = await measure(async () => ({ v: await verifyArchive(file) }));
    const read = await measure(async () => {
      // The format version 2 stream digest: of the sha256 of every part-sized slice read back.
      const parts: Array<{ name: string; sha256: string }> = [];
      let h = createHash('sha256');
      let inPart = 0;
      let n = 0;
      const endPart = (): void => {
        parts.push({ name: streamPartEntry('s01', parts.length), sha256: h.digest('hex') });
        h = createHash('sha256');
        inPart = 0;
      };
      await readStreams(file, verify.v, async (_spec, data) => {
        for await (const c of data) {
          for (let off = 0; off < (c as Buffer).length; ) {
            const take = Math.min((c as Buffer).length - off, partSizeOf(size) - inPart);
            h.update((c as Buffer).subarray(off, off + take));
            off += take;
            inPart += take;
            if (inPart === partSizeOf(size)) endPart();
          }
          n += (c as Buffer).length;
        }
      });
      if (inPart > 0 || parts.length === 0) endPart();
      return { sha256: partListDigest(parts), size: n };
    });
    out = { ...read, verifySeconds: verify.seconds, verifyPeakRss: verify.peakRss, readSeconds: read.seconds, readPeakRss: read.peakRss };
  } else if (phase === 'plain-write') {
    out = await measure(async () => {
      await pipeline(synthetic(size), createWriteStream(file));
      await syncFile(file);
      return {};
    });
  } else if (phase === 'plain-read') {
    out = await measure(async () => ({ done: await pipeline(createReadStream(file, { highWaterMark: MiB }), discard()) }));
  } else throw new Error(`unknown phase ${phase}`);
  console.log(JSON.stringify({ ...out, maxRss: process.resourceUsage().maxRSS * 1024 }));
}

interface PhaseResult {
  seconds: number;
  peakRss: number;
  maxRss: number;
  sha256?: string;
  size?: number;
  verifySeconds?: number;
  verifyPeakRss?: number;
  readSeconds?: number;
  readPeakRss?: number;
}

async function child(phase: string, file: string, size: number): Promise<PhaseResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [process.argv[1] as string, '--phase', phase, '--file', file, '--size', String(size)], { maxBuffer: MiB });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as PhaseResult;
}

async function main(): Promise<void> {
  const size = parseSize(arg('--size') ?? '4GiB');
  const phase = arg('--phase');
  if (phase) return runPhase(phase, arg('--file') as string, size);
  const dir = await mkdtemp(join(arg('--dir') ?? tmpdir(), 'zbak-bench-'));
  const mib = size / MiB;
  const rate = (s: number): number => Math.round((mib / s) * 10) / 10;
  const m = (bytes: number): number => Math.round(bytes / MiB);
  try {
    // The plain copy runs first, so both writes start with the same dirty-page budget.
    let baseline = null;
    if (!process.argv.includes('--no-baseline')) {
      const plain = join(dir, 'plain.bin');
      const w = await child('plain-write', plain, size);
      const r = await child('plain-read', plain, size);
      await rm(plain);
      baseline = { writeMiBs: rate(w.seconds), readMiBs: rate(r.seconds), peakRssMiB: m(Math.max(w.maxRss, r.maxRss)) };
    }
    const archive = join(dir, 'bench.zbak');
    const save = await child('save', archive, size);
    const restore = await child('restore', archive, size);
    if (restore.size !== size || restore.sha256 !== save.sha256)
      throw new Error(`read back ${restore.size} bytes sha256 ${restore.sha256}, wrote ${size} sha256 ${save.sha256}`);
    const report = {
      sizeMiB: mib,
      partSizeMiB: partSizeOf(size) / MiB,
      peakRssMiB: m(Math.max(save.maxRss, restore.maxRss, save.peakRss, restore.peakRss)),
      save: { peakRssMiB: m(save.peakRss), maxRssMiB: m(save.maxRss), writeMiBs: rate(save.seconds) },
      restore: {
        maxRssMiB: m(restore.maxRss), verifyPeakRssMiB: m(restore.verifyPeakRss ?? 0), readPeakRssMiB: m(restore.readPeakRss ?? 0),
        verifyMiBs: rate(restore.verifySeconds ?? 0), readStreamsMiBs: rate(restore.readSeconds ?? 0),
      },
      baseline,
      ratio: baseline && {
        write: Math.round((rate(save.seconds) / baseline.writeMiBs) * 100) / 100,
        verify: Math.round((rate(restore.verifySeconds ?? 0) / baseline.readMiBs) * 100) / 100,
        readStreams: Math.round((rate(restore.readSeconds ?? 0) / baseline.readMiBs) * 100) / 100,
      },
    };
    if (process.argv.includes('--json')) return void console.log(JSON.stringify(report));
    console.log(`stream ${mib} MiB, part size ${report.partSizeMiB} MiB, each phase in its own process`);
    console.log(`peak RSS ${report.peakRssMiB} MiB (save ${report.save.maxRssMiB}; restore ${report.restore.maxRssMiB}: verify ${report.restore.verifyPeakRssMiB}, readStreams ${report.restore.readPeakRssMiB})`);
    console.log(`save ${report.save.writeMiBs} MiB/s, verify ${report.restore.verifyMiBs} MiB/s, readStreams ${report.restore.readStreamsMiBs} MiB/s`);
    if (baseline && report.ratio)
      console.log(`plain copy: write ${baseline.writeMiBs} MiB/s, read ${baseline.readMiBs} MiB/s, peak RSS ${baseline.peakRssMiB} MiB; ` +
        `ratio save ${report.ratio.write}, verify ${report.ratio.verify}, readStreams ${report.ratio.readStreams}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
