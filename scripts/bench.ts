// npm run bench (docs/BENCH.md): zbak's save, verify and restore against raw commands on the
// same bytes, on a fake SmartOS host whose `zfs send` is `cat` of a stream file in page cache
// and whose `zfs receive` reads to /dev/null, so zbak's own cost shows. Paired, interleaved
// runs (zbak, raw, zbak, raw, ...), medians and spreads, ratios, zbak's peak RSS, host commands.
//   node dist/scripts/bench.js [--sizes 256MiB,2GiB] [--pairs 3] [--ops save,verify,restore]
//                              [--medium MiB/s] [--dir /tmp] [--json <file>] [--keep]
// --medium N: the save rows write to a medium of N MiB/s (a USB disk, the nightly target), not
// the page cache: zbak as `save <uuid> --to -` and raw as `cat stream`, each piped into a file
// written at most N MiB/s and then fsynced (timedToMedium); the target is then ≥0.90 of raw.
// That file is the archive verify and restore use.
import { cpus, tmpdir } from 'node:os';
import { mkdtemp, readFile, readdir, rename, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, ZBAK_MAIN } from './lib/fake-smartos.js';
import { BENCH_ZONE, countCommands, createBenchHost, type BenchHost } from './lib/bench-host.js';
import { mustSucceed, preRead, timed, timedShell, timedToMedium, writeStreamFile, type Timed } from './lib/bench-run.js';
import { TARGETS, formatSize, formatTable, parseSize, summarize, type Measured, type Operation, type Summary } from './lib/bench-report.js';

const PROBE_FILE = join(REPO, 'dist/scripts/bench/usage-probe.js');
const PROBE = pathToFileURL(PROBE_FILE).href;
const OPERATIONS: Operation[] = ['save', 'verify', 'restore'];
/** ZBAK_BENCH_NODE_ARGS: node flags for zbak's runs, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them. */
const NODE_ARGS = (process.env.ZBAK_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const MiB = 1024 * 1024;
const rawCommands = (medium: number | undefined): Record<Operation, string> => ({
  save: medium === undefined
    ? "cat stream > file; sync file (same directory as zbak's archive)"
    : `cat stream | written at ${medium / MiB} MiB/s + fsync (zbak: save <uuid> --to - | the same medium)`,
  verify: 'openssl dgst -sha256 archive',
  restore: 'zfs receive -u -F <zoneroot> < stream with the stand-in (reads the stream to /dev/null)',
});

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const log = (line: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const load = (): Promise<string> => readFile('/proc/loadavg', 'utf8').then((l) => l.split(' ').slice(0, 3).join(' '));

interface ZbakRun {
  seconds: number;
  peakRss: number;
  cpuSeconds: number;
  commands: number;
  processes: number;
  byName: Record<string, number>;
  traced: number;
  /** Wall seconds of the stand-in host commands zbak waited for (their fixed cost, not the data's). */
  standinSeconds: number;
}

class Bench {
  private readonly out: string;
  private readonly cmdLog: string;
  private readonly usage: string;
  private readonly trace: string;
  /** The fake's own stream of the zoneroot, kept by the stand-in at each save ... */
  private readonly sent: string;
  /** ... and the one of the archive being verified and restored. */
  private readonly kept: string;
  private archive: string | null = null;
  readonly commandsByName: Record<string, Record<string, number>> = {};

  /** `medium`: bytes per second of the medium the saves write to (--medium); none: a directory. */
  constructor(
    private readonly dir: string,
    private readonly host: BenchHost,
    private readonly medium?: number,
  ) {
    this.out = join(dir, 'out');
    this.cmdLog = join(dir, 'commands.log');
    this.usage = join(dir, 'usage.json');
    this.trace = join(dir, 'trace.jsonl');
    this.sent = join(dir, 'sent.zfs');
    this.kept = join(dir, 'kept.zfs');
  }

  async init(): Promise<void> {
    await mkdir(this.out);
  }

  /** Runs zbak; with `toMedium`, its standard output goes into that file on the medium. */
  private async zbak(args: string[], env: Record<string, string>, toMedium?: string): Promise<ZbakRun> {
    await rm(this.usage, { force: true });
    await writeFile(this.cmdLog, '');
    await writeFile(this.trace, '');
    const argv = [...NODE_ARGS, '--import', PROBE, ZBAK_MAIN, ...args];
    const runEnv = { ...this.host.env, ...env, ZBAK_BENCH_LOG: this.cmdLog, ZBAK_BENCH_USAGE: this.usage, ZBAK_TRACE: this.trace };
    const r = toMedium !== undefined && this.medium !== undefined
      ? await timedToMedium(process.execPath, argv, runEnv, toMedium, this.medium)
      : await timed(process.execPath, argv, runEnv);
    mustSucceed(`zbak ${args.join(' ')}`, r);
    const usage = JSON.parse(await readFile(this.usage, 'utf8')) as { peakRss: number; cpuSeconds: number };
    const counted = countCommands(await readFile(this.cmdLog, 'utf8'));
    const traced = (await readFile(this.trace, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
    return { seconds: r.seconds, ...usage, commands: counted.zbak, processes: counted.all, byName: counted.byName, traced, standinSeconds: counted.standinSeconds };
  }

  private record(m: Measured, z: ZbakRun, op: Operation): void {
    m.zbakSeconds.push(z.seconds);
    m.zbakPeakRss.push(z.peakRss);
    m.zbakCpuSeconds.push(z.cpuSeconds);
    (m.standinSeconds ??= []).push(z.standinSeconds);
    if (op !== 'verify') {
      // The breakdown printed is the one of the run with the most commands.
      if (z.commands >= Math.max(0, ...(m.commands ?? []))) this.commandsByName[op] = z.byName;
      (m.commands ??= []).push(z.commands);
      if (z.traced !== z.commands) log(`note: ZBAK_TRACE counted ${z.traced} commands, the wrappers ${z.commands}`);
    }
  }

  private async saveZbak(stream: string, bytes: number): Promise<ZbakRun> {
    await rm(this.sent, { force: true });
    await preRead(stream);
    const sendEnv = { ZBAK_BENCH_STREAM: stream, ZBAK_BENCH_SENT: this.sent };
    if (this.medium !== undefined) {
      // The file on the medium is the whole archive (--to - writes the same format); it replaces the last one.
      const archive = join(this.out, 'medium.zbak');
      const z = await this.zbak(['save', BENCH_ZONE, '--to', '-'], sendEnv, archive);
      await this.keepSent(stream, archive, bytes);
      return z;
    }
    const z = await this.zbak(['save', BENCH_ZONE, '--to', this.out], sendEnv);
    const archives = (await readdir(this.out)).filter((f) => f.endsWith('.zbak')).map((f) => join(this.out, f));
    const fresh = archives.filter((f) => f !== this.archive);
    if (fresh.length !== 1) throw new Error(`expected one new archive in ${this.out}, found ${fresh.join(', ') || 'none'}`);
    await this.keepSent(stream, fresh[0]!, bytes);
    return z;
  }

  /** After a save: checks the stand-in sent `stream` and the archive's size, and keeps both for verify and restore. */
  private async keepSent(stream: string, archive: string, bytes: number): Promise<void> {
    if (!existsSync(this.sent)) throw new Error(`the stand-in zfs did not send ${stream} for the zoneroot (no ${this.sent})`);
    if ((await stat(archive)).size < bytes) throw new Error(`${archive} is smaller than the ${bytes}-byte stream`);
    if (this.archive && this.archive !== archive) await rm(this.archive);
    this.archive = archive;
    await rename(this.sent, this.kept);
    await rename(`${this.sent}.headlen`, `${this.kept}.headlen`);
  }

  private async saveRaw(stream: string): Promise<number> {
    const file = join(this.out, 'raw.zfs');
    await preRead(stream);
    let r: Timed;
    if (this.medium !== undefined) r = await timedToMedium('cat', [stream], this.host.env, file, this.medium);
    else r = await timedShell('cat "$1" >"$2" && sync "$2"', [stream, file], this.host.env);
    mustSucceed('raw save', r);
    await rm(file);
    return r.seconds;
  }

  private async verifyZbak(): Promise<ZbakRun> {
    await preRead(this.archive!);
    return this.zbak(['verify', this.archive!], {});
  }

  private async verifyRaw(): Promise<number> {
    await preRead(this.archive!);
    return mustSucceed('openssl dgst', await timed('openssl', ['dgst', '-sha256', this.archive!], this.host.env)).seconds;
  }

  private async restoreZbak(): Promise<ZbakRun> {
    await this.host.fake.must(['vmadm', 'delete', BENCH_ZONE]);
    await rm(`${this.kept}.used`, { force: true });
    await preRead(this.archive!);
    const z = await this.zbak(['restore', this.archive!], { ZBAK_BENCH_RECEIVE: this.kept });
    if (!existsSync(`${this.kept}.used`)) throw new Error('the stand-in zfs did not see the zoneroot stream on receive');
    return z;
  }

  private async restoreRaw(stream: string): Promise<number> {
    await preRead(stream);
    const r = await timedShell('zfs receive -u -F "$1" <"$2"', [`zones/${BENCH_ZONE}`, stream], { ...this.host.env, ZBAK_BENCH_DRAIN: '1' });
    return mustSucceed('raw receive', r).seconds;
  }

  /** `pairs` paired runs of one operation: zbak, raw, zbak, raw, ... */
  async measure(op: Operation, stream: string, bytes: number, pairs: number): Promise<Measured> {
    const m: Measured = { op, bytes, zbakSeconds: [], rawSeconds: [], zbakPeakRss: [], zbakCpuSeconds: [] };
    if (op === 'save' && this.medium !== undefined) m.mediumBytesPerSecond = this.medium;
    for (let i = 1; i <= pairs; i++) {
      const z = op === 'save' ? await this.saveZbak(stream, bytes) : op === 'verify' ? await this.verifyZbak() : await this.restoreZbak();
      this.record(m, z, op);
      const raw = op === 'save' ? await this.saveRaw(stream) : op === 'verify' ? await this.verifyRaw() : await this.restoreRaw(stream);
      m.rawSeconds.push(raw);
      log(`${op} ${formatSize(bytes)} pair ${i}/${pairs}: zbak ${z.seconds.toFixed(2)} s, raw ${raw.toFixed(2)} s`);
    }
    return m;
  }
}

async function main(): Promise<void> {
  const sizes = (arg('--sizes') ?? '256MiB,2GiB').split(',').map(parseSize);
  const pairs = Number(arg('--pairs') ?? '3');
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`--pairs must be a whole number >= 1`);
  const ops = (arg('--ops') ?? OPERATIONS.join(',')).split(',') as Operation[];
  for (const op of ops) if (!OPERATIONS.includes(op)) throw new Error(`unknown operation ${op} in --ops (save, verify, restore)`);
  if (ops.some((op) => op !== 'save') && !ops.includes('save')) throw new Error('verify and restore need the archive a save writes: keep save in --ops');
  const medium = arg('--medium') === undefined ? undefined : Number(arg('--medium')) * MiB;
  if (medium !== undefined && !(medium > 0)) throw new Error('--medium wants MiB/s, e.g. 150');
  const raws = rawCommands(medium);
  const jsonFile = arg('--json') ?? join(REPO, 'dist/bench-results.json');
  if (!existsSync(ZBAK_MAIN) || !existsSync(PROBE_FILE)) throw new Error('no compiled zbak in dist/: run npm run build first (npm run bench does)');

  const started = new Date().toISOString();
  const loadStart = await load();
  const dir = await mkdtemp(join(arg('--dir') ?? tmpdir(), 'zbak-bench-'));
  log(`${cpus().length} cores, load average ${loadStart}; working in ${dir}`);
  const rows: Summary[] = [];
  const samples: Measured[] = [];
  let bench: Bench | null = null;
  try {
    const host = await createBenchHost(dir);
    bench = new Bench(dir, host, medium);
    await bench.init();
    for (const bytes of sizes) {
      const stream = join(dir, `stream-${bytes}.zfs`);
      log(`writing the ${formatSize(bytes)} stream file`);
      await writeStreamFile(stream, bytes);
      for (const op of OPERATIONS.filter((o) => ops.includes(o))) {
        const m = await bench.measure(op, stream, bytes, pairs);
        samples.push(m);
        rows.push(summarize(m));
      }
      await rm(stream);
    }
  } finally {
    if (process.argv.includes('--keep')) log(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  const loadEnd = await load();
  const heading = `zbak bench, ${started}: ${cpus().length} cores, load average ${loadStart} at start, ${loadEnd} at end; ` +
    `${pairs} pairs per operation and size (zbak then raw), inputs pre-read into the page cache before each run` +
    (medium === undefined ? '' : `; saves to a medium of ${medium / MiB} MiB/s, both sides: ` +
      `zbak save <uuid> --to - and raw cat stream, each piped into a file written at most ${medium / MiB} MiB/s and then fsynced ` +
      `(target ≥${TARGETS.mediumSaveRatio.toFixed(2)} of raw); that file is the archive verify and restore read`);
  console.log(`${heading}\n\n${formatTable(rows, raws)}`);
  const names = bench?.commandsByName ?? {};
  for (const op of Object.keys(names)) console.log(`  zbak ${op}, the run with the most host commands: ${Object.entries(names[op]!).map(([n, c]) => `${n} ×${c}`).join(', ')}`);
  // A nightly cron job names the zone by uuid; an alias costs one `vmadm lookup` more.
  if (names.save) console.log('  zbak save names the zone by uuid, as a nightly cron job does (by alias: one vmadm lookup more)');
  await mkdir(dirname(jsonFile), { recursive: true });
  await writeFile(jsonFile, JSON.stringify({ started, cores: cpus().length, loadStart, loadEnd, pairs, mediumBytesPerSecond: medium ?? null, raw: raws, rows, samples, commandsByName: names }, null, 2) + '\n');
  console.log(`\nJSON: ${jsonFile}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
