// Command handlers: validate the parsed flags with zod (the CLI boundary),
// call run/, print results. Each returns an exit code.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { verifyStreamWithProgress, verifyWithProgress } from '../run/verify.js';
import { verifyArchive } from '../archive/reader.js';
import { progressDisplay, type ProgressDisplay } from './progress-bar.js';
import { ZbakError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { STDOUT_TARGET, checkTargetDir, runSave } from '../run/save.js';
import { runRecover, runRestore, runRestoreStream } from '../run/restore.js';
import type { Readable } from 'node:stream';
import { ISO_UTC_RE, uuid } from '../archive/grammar.js';
import { globalReachLines } from '../run/restore-print.js';
import { runList, formatList } from '../run/list.js';
import { listVms } from '../run/gather.js';
import { inspectSummary, formatInspect } from '../run/inspect.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { interruptSignal } from './interrupt.js';
import { printable, printableJson, printableLines } from '../model/printable.js';
import { mediumLabel } from '../plan/medium-gate.js';
import { hasPolicy, type KeepPolicy } from '../plan/retention.js';
import { MAX_PART_SIZE, MIN_PART_SIZE, partSizeProblem } from '../model/part-size.js';
import type { KeyObject } from 'node:crypto';
import { describeSignature, type ArchiveSigner } from '../archive/signature.js';
import { loadIdentities, loadRecipients, loadSigner, loadTrusted } from '../run/keys.js';
import { archiveInput, isLayeredFile, layerWords, runRestoreLayered } from '../run/archive-input.js';
import { verifyStream } from '../archive/sequential-reader.js';
import { keygen } from './keygen.js';
import { ZSTD_LEVELS, zstdLevelOf } from '../plan/argv.js';

/**
 * A lone '-' argument (standard input or output). yargs turns '-' into an empty string, so
 * main() hands it over as this, which no real argument can be (argv cannot hold a NUL).
 */
export const STDIO_ARG = '\u0000-';

// Archive text (alias, hostname, names) reaches these: control characters are shown escaped.
export const out = (line: string): void => {
  process.stdout.write(`${printableLines(line)}\n`);
};
export const outJson = (value: unknown): void => {
  process.stdout.write(`${printableJson(JSON.stringify(value, null, 2))}\n`);
};

export function parseOpts<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UsageError(`--${String(i?.path[0] ?? '?').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}

const humanSize = (n: number): string => (n >= 1024 ** 3 ? `${n / 1024 ** 3}G` : n >= 1024 ** 2 ? `${n / 1024 ** 2}M` : `${n / 1024}K`);

const SIZE_RE = /^(\d+)([KMG]?)$/i;
export function parseSize(s: string): number {
  const m = SIZE_RE.exec(s.trim());
  if (!m) throw new UsageError(`--part-size '${s}' is not a size; use e.g. 32M or 1G`);
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  const n = Number(m[1]) * mult;
  if (partSizeProblem(n) !== null) throw new UsageError(`--part-size ${s} is out of range; use ${humanSize(MIN_PART_SIZE)} to ${humanSize(MAX_PART_SIZE)}`);
  return n;
}

/**
 * ZBAK_NOW=<ISO time>: the clock a save uses (simulations and the dry-run/real comparison in
 * tests). The archive grammar's UTC form only: Date() alone takes "1", "May 5" or local times,
 * and a simulation's clock must mean the same on every host.
 */
export function parseNow(text: string): Date {
  const d = new Date(text);
  if (!ISO_UTC_RE.test(text) || Number.isNaN(d.getTime()))
    throw new UsageError(`ZBAK_NOW '${printable(text)}' is not a UTC time; use ISO 8601 with Z, e.g. 2026-12-01T03:00:00Z`);
  return d;
}

/** The --keep-* retention flags of save and prune (as restic's forget). */
export const KEEP_FLAGS = {
  keepLast: z.number().int().min(1).optional(),
  keepDaily: z.number().int().min(1).optional(),
  keepWeekly: z.number().int().min(1).optional(),
  keepMonthly: z.number().int().min(1).optional(),
};

/** --identity and --trust of verify, inspect and restore. */
const READ_KEYS = { identity: z.array(z.string().min(1)).optional(), trust: z.array(z.string().min(1)).optional() };

const SaveArgs = z.object({
  zones: z.array(z.string().min(1)).default([]),
  all: z.boolean(),
  to: z.string().min(1),
  dryRun: z.boolean(),
  partSize: z.string().optional(),
  keep: z.number().int().min(1, 'keep at least 1 (the snapshot this save takes)'),
  keepArchives: z.number().int().min(1, 'keep at least 1 (the archive this save writes)').optional(),
  ...KEEP_FLAGS,
  progress: z.boolean().optional(),
  medium: z.array(mediumLabel).optional(),
  newMedium: mediumLabel.optional(),
  incremental: z.boolean().default(false),
  fullEvery: z.number().int().min(1).optional(),
  maxLinks: z.number().int().min(2).optional(),
  sign: z.string().min(1).optional(),
  encryptTo: z.array(z.string()).optional(),
  recipientsFile: z.array(z.string().min(1)).optional(),
  compress: z.string().optional(),
});

/** `--compress zstd` or `zstd:LEVEL` (docs/FORMAT.md "Layers"); without the flag, no compression. */
export function parseCompress(text: string | undefined): { compress?: { level: number } } {
  if (text === undefined) return {};
  const level = zstdLevelOf(text);
  if (level === undefined)
    throw new UsageError(`--compress '${printable(text)}' is not a compression; use zstd or zstd:LEVEL with LEVEL ${ZSTD_LEVELS.min} to ${ZSTD_LEVELS.max} (default ${ZSTD_LEVELS.default})`);
  return { compress: { level } };
}

export async function commandSave(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(SaveArgs, raw);
  if (a.all && a.zones.length > 0) throw new UsageError('give zones or --all, not both');
  if (!a.incremental && (a.fullEvery !== undefined || a.maxLinks !== undefined)) throw new UsageError('--full-every and --max-links apply to --incremental; add it');
  if (!a.all && a.zones.length === 0) throw new UsageError("name a zone to save (uuid or alias), or --all; run 'zbak list' to see the zones");
  if (a.to === STDIO_ARG) return saveToStdout(host, a);
  const progress = progressDisplay(process.stderr, a.dryRun ? false : a.progress);
  const signal = interruptSignal();
  const opts = {
    to: a.to,
    dryRun: a.dryRun,
    ...(process.env.ZBAK_NOW ? { now: parseNow(process.env.ZBAK_NOW) } : {}),
    keep: a.keep,
    signal,
    progress,
    ...retentionOf(a),
    ...(a.incremental ? { incremental: { ...(a.fullEvery ? { fullEveryDays: a.fullEvery } : {}), ...(a.maxLinks ? { maxLinks: a.maxLinks } : {}) } } : {}),
    ...(a.partSize ? { partSize: parseSize(a.partSize) } : {}),
    ...(a.medium || a.newMedium ? { medium: { labels: a.medium ?? [], ...(a.newMedium ? { newLabel: a.newMedium } : {}) } } : {}),
    ...(await keyOptions(a)),
    ...parseCompress(a.compress),
  };
  const log = a.dryRun ? out : progress.log;
  const zones = a.all ? (await listVms(host)).map((v) => v.uuid) : a.zones;
  if (zones.length === 1) {
    const r = await runSave(host, zones[0]!, opts, log);
    if (r.path) out(r.path);
    return EXIT.ok;
  }
  // Several zones: each is saved on its own; a failure is reported and the next one goes on.
  await checkTargetDir(a.to); // once, rather than the same refusal for every zone
  const { code, failed } = await eachReported(zones, async (zone) => {
    const r = await runSave(host, zone, opts, log);
    if (r.path) out(r.path);
  }, signal);
  if (failed.length > 0) {
    const which = failed.map((f) => `${f.item} (exit ${f.code})`).join(', ');
    process.stderr.write(`zbak: saved ${zones.length - failed.length} of ${zones.length} zones; failed: ${which}\n`);
  }
  return code;
}

/** Options that need a directory to write into, refused with `--to -`. */
const DIRECTORY_FLAGS = ['all', 'incremental', 'medium', 'newMedium', 'keepArchives', 'keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly'] as const;

/**
 * `save ZONE --to -`: one zone's archive on standard output, every log line on stderr. A
 * failed save ends the stream without its trailer (the reader refuses it) and exits non-zero.
 */
async function saveToStdout(host: Host, a: z.infer<typeof SaveArgs>): Promise<number> {
  const flag = DIRECTORY_FLAGS.find((f) => a[f] !== undefined && a[f] !== false);
  if (flag) throw new UsageError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs a directory; it does not apply to --to - (standard output)`);
  if (a.zones.length !== 1) throw new UsageError('--to - (standard output) takes one zone; save several to a directory');
  if (!a.dryRun && process.stdout.isTTY)
    throw new UsageError("--to - writes the archive to standard output, which is a terminal; pipe it (e.g. '| ssh hostb zbak restore -') or redirect it");
  const progress = progressDisplay(process.stderr, a.dryRun ? false : a.progress);
  const opts = {
    to: STDOUT_TARGET,
    ...(a.dryRun ? {} : { stream: process.stdout }),
    dryRun: a.dryRun,
    ...(process.env.ZBAK_NOW ? { now: parseNow(process.env.ZBAK_NOW) } : {}),
    keep: a.keep,
    signal: interruptSignal(),
    progress,
    ...(a.partSize ? { partSize: parseSize(a.partSize) } : {}),
    ...(await keyOptions(a)),
    ...parseCompress(a.compress),
  };
  // The dry run writes no archive: its plan goes to stdout like any dry run's.
  await runSave(host, a.zones[0]!, opts, a.dryRun ? out : progress.log);
  return EXIT.ok;
}

/** The --keep-* flags as one retention policy (--keep-archives N is --keep-last N); none: keep all. */
export function retentionOf(a: { keepArchives?: number; keepLast?: number; keepDaily?: number; keepWeekly?: number; keepMonthly?: number }): { retention?: KeepPolicy } {
  if (a.keepArchives !== undefined && a.keepLast !== undefined) throw new UsageError('--keep-archives is --keep-last; give one of them');
  const policy: KeepPolicy = {
    ...(a.keepLast ?? a.keepArchives ? { last: a.keepLast ?? a.keepArchives } : {}),
    ...(a.keepDaily ? { daily: a.keepDaily } : {}),
    ...(a.keepWeekly ? { weekly: a.keepWeekly } : {}),
    ...(a.keepMonthly ? { monthly: a.keepMonthly } : {}),
  };
  return hasPolicy(policy) ? { retention: policy } : {};
}

/**
 * Runs `fn` for each item in turn. A failure is printed naming its item
 * (`zbak: <item>: <message>`) and the next item goes on; an interrupt stops all.
 * The exit code is the first failure's.
 */
async function eachReported(
  items: readonly string[],
  fn: (item: string) => Promise<void>,
  signal?: AbortSignal,
): Promise<{ code: number; failed: Array<{ item: string; code: number }> }> {
  const failed: Array<{ item: string; code: number }> = [];
  for (const item of items) {
    if (signal?.aborted) throw signal.reason;
    try {
      await fn(item);
    } catch (e) {
      if (signal?.aborted) throw e;
      const code = e instanceof ZbakError ? exitCodeFor(e.code) : reportError(e);
      if (e instanceof ZbakError) process.stderr.write(`zbak: ${printable(item)}: ${printable(e.message)}\n`);
      failed.push({ item, code });
    }
  }
  return { code: failed[0]?.code ?? EXIT.ok, failed };
}

const RestoreArgs = z.object({
  file: z.string().min(1),
  dryRun: z.boolean(),
  force: z.boolean(),
  start: z.boolean().optional(),
  newUuid: z.boolean(),
  copyUuid: uuid.optional(),
  alias: z.string().min(1).optional(),
  keepIps: z.boolean(),
  pool: z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,254}$/, 'not a pool name (e.g. zones)'),
  allowGlobalReach: z.boolean().default(false),
  progress: z.boolean().optional(),
  from: z.string().min(1).optional(),
  ...READ_KEYS,
});

export async function commandRestore(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(RestoreArgs, raw);
  if (a.keepIps && !a.newUuid) throw new UsageError('--keep-ips only applies to a copy; add --new-uuid');
  if (a.copyUuid !== undefined && !a.newUuid) throw new UsageError('--copy-uuid only applies to a copy; add --new-uuid');
  const progress = progressDisplay(process.stderr, a.progress);
  const opts = {
    progress,
    dryRun: a.dryRun,
    force: a.force,
    signal: interruptSignal(),
    keepIps: a.keepIps,
    pool: a.pool,
    allowGlobalReach: a.allowGlobalReach,
    ...(a.start !== undefined ? { start: a.start } : {}),
    ...(a.newUuid ? { newUuid: a.copyUuid ?? randomUUID() } : {}),
    ...(a.alias !== undefined ? { alias: a.alias } : {}),
    ...(a.from !== undefined ? { from: a.from } : {}),
    trusted: loadTrusted(a.trust),
  };
  const log = a.dryRun ? out : progress.log;
  const identities = loadIdentities(a.identity);
  const layeredFile = a.file !== STDIN_SOURCE && (await isLayeredFile(a.file));
  const plan = a.file === STDIN_SOURCE
    ? await runRestoreStream(host, (await archiveInput(host, a.file, identities, stdinArchive)).stream!, 'standard input', opts, log)
    : layeredFile
      ? await runRestoreLayered(host, a.file, identities, opts, log)
      : (await runRestore(host, a.file, opts, log)).plan;
  // The dry run printed these with its plan; after a real restore say what was left out.
  if (!a.dryRun) for (const line of globalReachLines(plan)) progress.log(line);
  return EXIT.ok;
}

const RecoverArgs = z.object({ zone: uuid });

/** Takes back what a killed restore of the zone left; exit 0 when nothing is left of it. */
export async function commandRecover(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(RecoverArgs, raw);
  const result = await runRecover(host, a.zone, (line) => process.stderr.write(`${printable(line)}\n`));
  if (result === 'none') out(`no interrupted restore of ${a.zone} is recorded; nothing to do`);
  else if (result === 'undone') out(`took back what the interrupted restore of ${a.zone} did`);
  else throw new ZbakError(`some undo steps of the interrupted restore of ${a.zone} failed (listed above); finish them by hand`);
  return EXIT.ok;
}

const FileArgs = z.object({ file: z.string().min(1), json: z.boolean().optional(), ...READ_KEYS });

const VerifyArgs = z.object({ files: z.array(z.string().min(1)).min(1), progress: z.boolean().optional(), ...READ_KEYS });

/** `restore -`, `verify -`: the archive comes from standard input. */
const STDIN_SOURCE = STDIO_ARG;

/** Standard input as the archive; refused when it is a terminal (nobody types an archive). */
function stdinArchive(): Readable {
  if (process.stdin.isTTY) throw new UsageError("'-' reads the archive from standard input, which is a terminal; pipe an archive in (e.g. 'zbak save web01 --to - | zbak restore -')");
  return process.stdin;
}

/** Verifies each file in turn; a bad one is reported and the next goes on; exit status of the first failure. */
export async function commandVerify(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(VerifyArgs, raw);
  if (a.files.includes(STDIN_SOURCE) && a.files.length > 1) throw new UsageError("verify - reads one archive from standard input; give '-' alone");
  const progress = progressDisplay(process.stderr, a.progress);
  const keys = { trusted: loadTrusted(a.trust), identities: loadIdentities(a.identity) };
  if (a.files.length === 1) {
    await verifyOne(host, a.files[0]!, progress, keys);
    return EXIT.ok;
  }
  const { code, failed } = await eachReported(a.files, (file) => verifyOne(host, file, progress, keys));
  const bad = failed.length;
  if (bad > 0) process.stderr.write(`zbak: ${a.files.length - bad} of ${a.files.length} archives verified; ${bad} failed\n`);
  return code;
}

interface ReadKeys {
  trusted: KeyObject[];
  identities: string[];
}

async function verifyOne(host: Host, file: string, progress: ProgressDisplay, keys: ReadKeys): Promise<void> {
  const input = await archiveInput(host, file, keys.identities, file === STDIN_SOURCE ? stdinArchive : undefined);
  const v = input.stream
    ? await verifyStreamWithProgress(input.stream, input.label, progress, keys.trusted)
    : await verifyWithProgress(file, progress, keys.trusted);
  const bytes = v.trailer.streams.reduce((n, s) => n + s.size, 0);
  const layers = layerWords(input);
  const what = `${layers ? `${layers}, ` : ''}all checksums match; ${describeSignature(v.signature, keys.trusted.length > 0)}`;
  out(`${file === STDIN_SOURCE ? '-' : file}: OK (zone ${v.header.zone.uuid}, ${v.header.streams.length} streams, ${bytes} bytes, ${what})`);
}

export async function commandInspect(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(FileArgs, raw);
  const trusted = loadTrusted(a.trust);
  const input = await archiveInput(host, a.file, loadIdentities(a.identity), a.file === STDIN_SOURCE ? stdinArchive : undefined);
  const v = input.stream ? await verifyStream(input.stream, input.label, { trusted }) : await verifyArchive(a.file, { trusted });
  if (a.json) outJson(inspectSummary(v));
  else out(formatInspect(v));
  return EXIT.ok;
}

/** save's --sign, --encrypt-to and --recipients-file, read and checked before the save starts. */
async function keyOptions(a: { sign?: string | undefined; encryptTo?: string[] | undefined; recipientsFile?: string[] | undefined }): Promise<{ signer?: ArchiveSigner; recipients?: string[] }> {
  const signer = loadSigner(a.sign);
  const recipients = await loadRecipients(a.encryptTo, a.recipientsFile);
  return { ...(signer ? { signer } : {}), ...(recipients.length > 0 ? { recipients } : {}) };
}

export async function commandKeygen(raw: unknown): Promise<number> {
  const a = parseOpts(z.object({ file: z.string().min(1).optional(), sign: z.boolean() }), raw);
  for (const line of await keygen(a.file, a.sign, (l) => process.stderr.write(`${printable(l)}\n`))) out(line);
  return EXIT.ok;
}

export async function commandList(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(z.object({ json: z.boolean() }), raw);
  const zones = await runList(host);
  if (a.json) outJson(zones);
  else out(formatList(zones));
  return EXIT.ok;
}

/** Prints an error: a ZbakError as its one-line message, anything else with its stack. */
export function reportError(e: unknown): number {
  if (e instanceof ZbakError) {
    process.stderr.write(`zbak: ${printable(e.message)}\n`);
    return exitCodeFor(e.code);
  }
  process.stderr.write(`zbak: unexpected error: ${printableLines(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
  return EXIT.failure;
}
