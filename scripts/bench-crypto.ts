// npm run bench:crypto (docs/BENCH.md "Encryption"): an encrypted save (--encrypt-to, the age
// payload sealed with node:crypto) against a plain save of the same bytes, on the bench's
// fake host (zfs send = cat of a stream file in the page cache). Paired, interleaved runs
// (plain, encrypted, plain, ...); medians, the throughput ratio encrypted/plain and each
// side's peak RSS. Then one decrypt+verify (zbak verify --identity) of the last encrypted
// archive, checked to succeed.
//   node dist/scripts/bench-crypto.js [--sizes 256MiB,2GiB] [--pairs 3] [--sign] [--dir /tmp]
//                                     [--medium MiB/s]
// --medium N: both saves go to standard output (--to -), written into a file at most N MiB/s
// and fsynced, as on a USB disk: the save then waits for the medium, not the CPU.
import { cpus, tmpdir } from 'node:os';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, ZBAK_MAIN } from './lib/fake-smartos.js';
import { BENCH_ZONE, createBenchHost } from './lib/bench-host.js';
import { mustSucceed, preRead, timed, timedToMedium, writeStreamFile } from './lib/bench-run.js';
import { formatSize, parseSize, spread } from './lib/bench-report.js';
import { newAgeIdentity } from '../src/archive/age-header.js';

const PROBE = pathToFileURL(join(REPO, 'dist/scripts/bench/usage-probe.js')).href;
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const log = (line: string): void => void process.stderr.write(`[bench-crypto ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const MiB = 1024 * 1024;

interface Run {
  seconds: number;
  peakRss: number;
}

async function main(): Promise<void> {
  const sizes = (arg('--sizes') ?? '256MiB,2GiB').split(',').map(parseSize);
  const pairs = Number(arg('--pairs') ?? '3');
  const medium = arg('--medium') === undefined ? undefined : Number(arg('--medium')) * MiB;
  if (medium !== undefined && !(medium > 0)) throw new Error('--medium wants MiB/s, e.g. 150');
  const dir = await mkdtemp(join(arg('--dir') ?? tmpdir(), 'zbak-bench-crypto-'));
  const load = async (): Promise<string> => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
  const loadStart = await load();
  const lines: string[] = [];
  try {
    const host = await createBenchHost(dir);
    const { identity, recipient } = await newAgeIdentity();
    const idFile = join(dir, 'key.txt');
    await writeFile(idFile, `${identity}\n`, { mode: 0o600 });
    const out = join(dir, 'out');
    await mkdir(out);
    const usage = join(dir, 'usage.json');
    const zbak = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
      await rm(usage, { force: true });
      const argv = ['--import', PROBE, ZBAK_MAIN, ...args];
      const runEnv = { ...host.env, ...env, ZBAK_BENCH_USAGE: usage };
      const toMedium = medium !== undefined && args[0] === 'save';
      const r = mustSucceed(
        `zbak ${args.join(' ')}`,
        toMedium ? await timedToMedium(process.execPath, argv, runEnv, join(out, 'medium.zbak'), medium) : await timed(process.execPath, argv, runEnv),
      );
      const u = JSON.parse(await readFile(usage, 'utf8')) as { peakRss: number };
      return { seconds: r.seconds, peakRss: u.peakRss };
    };
    const clean = async (): Promise<void> => {
      for (const f of await readdir(out)) await rm(join(out, f));
    };
    for (const bytes of sizes) {
      const stream = join(dir, `stream-${bytes}.zfs`);
      log(`writing the ${formatSize(bytes)} stream file`);
      await writeStreamFile(stream, bytes);
      const plain: Run[] = [];
      const enc: Run[] = [];
      const sent = { ZBAK_BENCH_STREAM: stream, ZBAK_BENCH_SENT: join(dir, 'sent.zfs') };
      let last = '';
      for (let i = 1; i <= pairs; i++) {
        await clean();
        await preRead(stream);
        const to = medium === undefined ? out : '-';
        plain.push(await zbak(['save', BENCH_ZONE, '--to', to], sent));
        await clean();
        await preRead(stream);
        enc.push(await zbak(['save', BENCH_ZONE, '--to', to, '--encrypt-to', recipient], sent));
        last = join(out, (await readdir(out)).find((f) => f.endsWith('.zbak'))!);
        log(`${formatSize(bytes)} pair ${i}/${pairs}: plain ${plain.at(-1)!.seconds.toFixed(2)} s, encrypted ${enc.at(-1)!.seconds.toFixed(2)} s`);
      }
      const p = spread(plain.map((r) => r.seconds));
      const e = spread(enc.map((r) => r.seconds));
      const rss = (rs: Run[]): string => `${(Math.max(...rs.map((r) => r.peakRss)) / MiB).toFixed(0)} MiB`;
      await preRead(last);
      const v = await zbak(['verify', last, '--identity', idFile]).catch((e: Error) => (log(`verify --identity failed: ${e.message.split('\n')[0]}`), { seconds: NaN, peakRss: NaN }));
      lines.push(
        `${formatSize(bytes).padEnd(8)} plain ${p.median.toFixed(2)} s (${p.min.toFixed(2)}–${p.max.toFixed(2)}), ` +
          `encrypted ${e.median.toFixed(2)} s (${e.min.toFixed(2)}–${e.max.toFixed(2)}); throughput encrypted/plain ${(p.median / e.median).toFixed(2)}; ` +
          `peak RSS plain ${rss(plain)}, encrypted ${rss(enc)}; verify --identity ${v.seconds.toFixed(2)} s, peak RSS ${rss([v])}`,
      );
      await rm(stream);
      await clean();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const target = medium === undefined ? 'to a directory (page cache, fsync)' : `to standard output, written into a file at ${medium / MiB} MiB/s (fsync)`;
  console.log(`zbak bench-crypto: ${cpus().length} cores, load ${loadStart} at start, ${await load()} at end; ${pairs} pairs (plain then encrypted save), ${target}\n${lines.join('\n')}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
