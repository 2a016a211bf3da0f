// The figures `npm run bench` prints (docs/BENCH.md): medians and spreads of paired runs,
// zbak's throughput over raw's, and issue 8's targets with pass/miss. Pure functions.

export type Operation = 'save' | 'verify' | 'restore';

/** What one operation at one size measured: seconds per run, zbak's and raw's, in run order. */
export interface Measured {
  op: Operation;
  bytes: number;
  zbakSeconds: number[];
  rawSeconds: number[];
  /** zbak's peak RSS (bytes) per run. */
  zbakPeakRss: number[];
  /** zbak's own CPU seconds (user + system, not its children) per run. */
  zbakCpuSeconds: number[];
  /** Host commands zbak started per run (save and restore only). */
  commands?: number[];
  /** Wall seconds per run spent in the stand-in host's commands (node processes here). */
  standinSeconds?: number[];
  /** Save only: both sides wrote to a medium of this many bytes per second (then fsync). */
  mediumBytesPerSecond?: number;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface Check {
  what: string;
  value: number;
  target: string;
  pass: boolean;
}

export interface Summary {
  op: Operation;
  bytes: number;
  zbak: Spread;
  raw: Spread;
  /** zbak's throughput over raw's on the same bytes: raw median seconds / zbak median seconds. */
  ratio: number;
  /**
   * The same ratio with each run's stand-in command time taken out: zbak's own data path and
   * logic against raw (the stand-ins are node processes, far dearer than SmartOS's zfs).
   */
  ownRatio: number | null;
  peakRss: number;
  cpuSeconds: Spread;
  /** The most host commands of a run (the target's figure), and the fewest. */
  commands: number | null;
  fewestCommands: number | null;
  checks: Check[];
}

const MiB = 1024 * 1024;

/** Issue 8's targets (a benchmark prints them; no test times anything). */
export const TARGETS = {
  ratio: { save: 0.5, verify: 0.9, restore: 0.8 } satisfies Record<Operation, number>,
  /** A save when the target disk is the bottleneck (bench --medium): within 10 % of raw. */
  mediumSaveRatio: 0.9,
  peakRss: 100 * MiB,
  commands: { save: 12, restore: 15 } satisfies Partial<Record<Operation, number>>,
};

export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Throughput ratio zbak/raw for the same bytes. */
export function throughputRatio(zbakSeconds: number, rawSeconds: number): number {
  return rawSeconds / zbakSeconds;
}

export function summarize(m: Measured): Summary {
  const zbak = spread(m.zbakSeconds);
  const raw = spread(m.rawSeconds);
  const ratio = throughputRatio(zbak.median, raw.median);
  const peakRss = Math.max(...m.zbakPeakRss);
  const standin = m.standinSeconds;
  const ownRatio = standin && standin.length === m.zbakSeconds.length
    ? throughputRatio(spread(m.zbakSeconds.map((s, i) => s - standin[i]!)).median, raw.median)
    : null;
  const counted = m.commands && m.commands.length > 0 ? m.commands : null;
  const commands = counted && Math.max(...counted);
  const fewestCommands = counted && Math.min(...counted);
  const wanted = m.op === 'save' && m.mediumBytesPerSecond !== undefined ? TARGETS.mediumSaveRatio : TARGETS.ratio[m.op];
  const checks: Check[] = [
    { what: 'zbak/raw', value: ratio, target: `≥${wanted.toFixed(2)}`, pass: ratio >= wanted },
    { what: 'peak RSS', value: peakRss, target: `≤${TARGETS.peakRss / MiB} MiB`, pass: peakRss <= TARGETS.peakRss },
  ];
  const maxCommands = (TARGETS.commands as Partial<Record<Operation, number>>)[m.op];
  if (commands !== null && maxCommands !== undefined)
    checks.push({ what: 'host commands', value: commands, target: `≤${maxCommands}`, pass: commands <= maxCommands });
  return { op: m.op, bytes: m.bytes, zbak, raw, ratio, ownRatio, peakRss, cpuSeconds: spread(m.zbakCpuSeconds), commands, fewestCommands, checks };
}

/** "256MiB", "2GiB", "4096KiB", "1048576" -> bytes; at least 1 MiB. */
export function parseSize(text: string): number {
  const m = /^(\d+)\s*(GiB|MiB|KiB|B)?$/i.exec(text.trim());
  if (!m) throw new Error(`bad size ${text} (use e.g. 256MiB, 2GiB)`);
  const unit = { gib: 1024 * MiB, mib: MiB, kib: 1024, b: 1 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  const bytes = Number(m[1]) * unit;
  if (bytes < MiB) throw new Error(`size ${text} is below 1 MiB`);
  return bytes;
}

/** 268435456 -> "256 MiB", 2147483648 -> "2 GiB". */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * MiB && bytes % (1024 * MiB) === 0) return `${bytes / (1024 * MiB)} GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** "12.34 (11.90–13.02)": median and spread in seconds. */
export function formatSpread(s: Spread): string {
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}

const passMiss = (c: Check): string => (c.pass ? 'pass' : 'MISS');

function mibs(bytes: number, seconds: number): string {
  return `${Math.round(bytes / MiB / seconds)}`;
}

/** "14", or "11–14" when runs differed (a save after an earlier one also prunes its snapshots). */
function formatCommands(r: Summary): string {
  if (r.commands === null) return '-';
  return r.fewestCommands !== null && r.fewestCommands !== r.commands ? `${r.fewestCommands}–${r.commands}` : String(r.commands);
}

/** The printed table: one line per operation and size, targets next to the figures. */
export function formatTable(rows: readonly Summary[], raws: Record<Operation, string>): string {
  const head = ['operation', 'size', 'zbak s median (min–max)', 'MiB/s', 'raw s median (min–max)', 'MiB/s', 'zbak/raw', 'target', 'less stand-ins', 'peak RSS', 'target', 'zbak CPU s', 'host cmds', 'target'];
  const lines: string[][] = [head];
  for (const r of rows) {
    const [ratio, rss, cmds] = r.checks;
    lines.push([
      r.op, formatSize(r.bytes),
      formatSpread(r.zbak), mibs(r.bytes, r.zbak.median),
      formatSpread(r.raw), mibs(r.bytes, r.raw.median),
      r.ratio.toFixed(2), `${ratio!.target} ${passMiss(ratio!)}`,
      r.ownRatio === null ? '-' : r.ownRatio.toFixed(2),
      `${Math.round(r.peakRss / MiB)} MiB`, `${rss!.target} ${passMiss(rss!)}`,
      r.cpuSeconds.median.toFixed(2),
      formatCommands(r), cmds ? `${cmds.target} ${passMiss(cmds)}` : '-',
    ]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => [...l[i]!].length)));
  const table = lines.map((l) => l.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('  ').trimEnd());
  const legend = (Object.keys(raws) as Operation[]).map((op) => `  raw ${op}: ${raws[op]}`);
  return [...table, '', ...legend].join('\n');
}
