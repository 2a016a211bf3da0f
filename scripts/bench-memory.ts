// Memory and throughput of the archive code on a large synthetic stream (issue 2: peak RSS
// for a 4 GiB stream must stay under 150 MiB). Usage:
//   node dist/scripts/bench-memory.js [--size 4GiB] [--dir /tmp] [--json] [--no-baseline]
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { DEFAULT_PART_SIZE, FORMAT_NAME, FORMAT_VERSION, VMADM_ENTRY, type Header } from '../src/archive/format.js';
import { readStreams, verifyArchive } from '../src/archive/reader.js';
import { createArchiveWriter } from '../src/archive/writer.js';

const MiB = 1024 * 1024;
const CHUNK = MiB;

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

/** Patterned pseudo-random bytes: a fresh 1 MiB buffer per chunk, as a pipe would give. */
function synthetic(size: number): Readable {
  const pool = Array.from({ length: 7 }, () => randomBytes(CHUNK));
  let sent = 0;
  let n = 0;
  return new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const len = Math.min(CHUNK, size - sent);
      const chunk = Buffer.allocUnsafe(len);
      (pool[n % pool.length] as Buffer).copy(chunk, 0, 0, len);
      if (len >= 8) chunk.writeBigUInt64LE(BigInt(n), 0); // no two chunks alike
      n++;
      sent += len;
      this.push(chunk);
    },
  });
}

/** Peak RSS sampled every 50 ms during `fn`. */
async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; peakRss: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = process.hrtime.bigint();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakRss: peak };
  } finally {
    clearInterval(timer);
  }
}

function header(partSize: number): Header {
  return {
    format: FORMAT_NAME, formatVersion: FORMAT_VERSION, tool: { name: 'zbak', version: 'bench' },
    createdAt: new Date().toISOString(),
    source: { hostname: 'bench', sysinfoUuid: 'bench', platform: 'bench', pool: 'zones' },
    zone: { uuid: '00000000-0000-4000-8000-000000000000', brand: 'joyent', state: 'stopped', autoboot: false },
    snapshotName: 'zbak-bench', partSize, vmadmEntry: VMADM_ENTRY, images: [],
    streams: [{
      id: 's01', role: 'zoneroot', dataset: '00000000-0000-4000-8000-000000000000', kind: 'full',
      to: { snapshot: 'zbak-bench', guid: '1' }, snapshots: [{ name: 'zbak-bench', guid: '1' }],
      withProperties: false, sendArgv: ['synthetic'],
    }],
  };
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  await fh.sync();
  await fh.close();
}

async function main(): Promise<void> {
  const size = parseSize(arg('--size') ?? '4GiB');
  const json = process.argv.includes('--json');
  const dir = await mkdtemp(join(arg('--dir') ?? tmpdir(), 'zbak-bench-'));
  const mib = size / MiB;
  const rate = (s: number): number => Math.round((mib / s) * 10) / 10;
  try {
    // The plain copy runs first so both start with clean page cache and dirty-page budget.
    let baseline: { writeMiBs: number; readMiBs: number; peakRssMiB: number } | null = null;
    if (!process.argv.includes('--no-baseline')) {
      const plain = join(dir, 'plain.bin');
      const cw = await measure(async () => {
        await pipeline(synthetic(size), createWriteStream(plain));
        await syncFile(plain);
      });
      const cr = await measure(() => pipeline(createReadStream(plain, { highWaterMark: MiB }), new Writable({ write: (_c, _e, cb) => cb() })));
      baseline = { writeMiBs: rate(cw.seconds), readMiBs: rate(cr.seconds), peakRssMiB: Math.round(Math.max(cw.peakRss, cr.peakRss) / MiB) };
      await rm(plain);
    }
    const archive = join(dir, 'bench.zbak');
    const write = await measure(async () => {
      const w = await createArchiveWriter(archive, { partSize: DEFAULT_PART_SIZE });
      await w.addEntry('zbak.json', JSON.stringify(header(DEFAULT_PART_SIZE)));
      await w.addEntry(VMADM_ENTRY, '{}');
      const sum = await w.addStream('s01', synthetic(size));
      await w.finish();
      return sum;
    });
    const verify = await measure(() => verifyArchive(archive));
    const read = await measure(async () => {
      const h = createHash('sha256');
      let n = 0;
      await readStreams(archive, verify.result, async (_spec, data) => {
        for await (const c of data) {
          h.update(c as Buffer);
          n += (c as Buffer).length;
        }
      });
      return { size: n, sha256: h.digest('hex') };
    });
    if (read.result.size !== size || read.result.sha256 !== write.result.sha256)
      throw new Error(`read back ${read.result.size} bytes sha256 ${read.result.sha256}, wrote ${size} sha256 ${write.result.sha256}`);
    const maxRss = process.resourceUsage().maxRSS * 1024; // KiB; the plain copy before uses less
    await rm(archive);

    const report = {
      sizeMiB: mib,
      partSizeMiB: DEFAULT_PART_SIZE / MiB,
      peakRssMiB: Math.round(Math.max(write.peakRss, verify.peakRss, read.peakRss) / MiB),
      maxRssMiB: Math.round(maxRss / MiB),
      writeMiBs: rate(write.seconds),
      verifyMiBs: rate(verify.seconds),
      readStreamsMiBs: rate(read.seconds),
      phasePeakRssMiB: { write: Math.round(write.peakRss / MiB), verify: Math.round(verify.peakRss / MiB), read: Math.round(read.peakRss / MiB) },
      baseline,
      ratio: baseline && {
        write: Math.round((rate(write.seconds) / baseline.writeMiBs) * 100) / 100,
        verify: Math.round((rate(verify.seconds) / baseline.readMiBs) * 100) / 100,
        readStreams: Math.round((rate(read.seconds) / baseline.readMiBs) * 100) / 100,
      },
    };
    if (json) console.log(JSON.stringify(report));
    else {
      console.log(`stream ${mib} MiB, part size ${report.partSizeMiB} MiB`);
      const p = report.phasePeakRssMiB;
      console.log(`peak RSS ${report.peakRssMiB} MiB (sampled every 50 ms: write ${p.write}, verify ${p.verify}, readStreams ${p.read}); maxRSS ${report.maxRssMiB} MiB (getrusage)`);
      console.log(`write ${report.writeMiBs} MiB/s, verify ${report.verifyMiBs} MiB/s, readStreams ${report.readStreamsMiBs} MiB/s`);
      if (baseline && report.ratio)
        console.log(`plain copy: write ${baseline.writeMiBs} MiB/s, read ${baseline.readMiBs} MiB/s, peak RSS ${baseline.peakRssMiB} MiB; ratio write ${report.ratio.write}, verify ${report.ratio.verify}, readStreams ${report.ratio.readStreams}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
