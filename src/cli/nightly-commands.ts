// The nightly workflow's commands: run (the config's jobs, cron-quiet), status (per zone,
// with nagios --check), cron (the crontab entry and its SMF service) and prune (retention
// on a medium). Flags are validated with zod as in commands.ts.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../config/load.js';
import { DEFAULT_CONFIG_PATH, type Config } from '../config/schema.js';
import { UsageError, ZbakError, type ZbakErrorCode } from '../errors.js';
import type { Host } from '../host/host.js';
import { CRON_BOOT_SCRIPT, CRON_FILE, SMF_MANIFEST, cronBootScript, crontabLines, smfManifest } from '../plan/cron.js';
import { mediumLabel } from '../plan/medium-gate.js';
import { judgeStatus, NAGIOS, parseAge } from '../plan/status-check.js';
import { outcomeLine, runJob, selectJobs } from '../run/nightly.js';
import { configTrust } from '../run/keys.js';
import { runPrune } from '../run/prune-medium.js';
import { formatStatus, gatherStatus } from '../run/status.js';
import { printable } from '../model/printable.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { interruptSignal } from './interrupt.js';
import { KEEP_FLAGS, out, outJson, parseNow, parseOpts, retentionOf } from './commands.js';

const now = (): Date => (process.env.ZBAK_NOW ? parseNow(process.env.ZBAK_NOW) : new Date());
const configPath = z.string().min(1).default(DEFAULT_CONFIG_PATH);

/** Where a run's lines go: the config's log file (appended, one timestamped line each) or syslog. */
function logSink(host: Host, config: Config): { log: (line: string) => void; flush: () => Promise<void> } {
  let chain = Promise.resolve();
  const write = async (line: string): Promise<void> => {
    try {
      if (config.log === 'syslog') {
        const r = await host.run(['logger', '-t', 'zbak', '-p', 'daemon.notice', line]);
        if (r.exitCode !== 0) throw new Error(r.stderrTail || `logger exited ${r.exitCode}`);
      } else await host.appendFile(config.log, `${new Date().toISOString()} ${printable(line)}\n`);
    } catch (e) {
      // A log that cannot be written must not hide the line: cron mails stderr.
      process.stderr.write(`zbak: cannot log to ${config.log} (${(e as Error).message}): ${printable(line)}\n`);
    }
  };
  return {
    log: (line) => {
      chain = chain.then(() => write(line));
    },
    flush: () => chain,
  };
}

const RunArgs = z.object({ job: z.string().optional(), config: configPath, newMedium: mediumLabel.optional() });

/** Silent when every zone of every job saved (and verified); else a summary on stderr and the first failure's exit. */
export async function commandRun(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(RunArgs, raw);
  const config = await loadConfig(host, a.config);
  const jobs = selectJobs(config, a.job);
  const trusted = await configTrust(host, config.trust);
  const sink = logSink(host, config);
  const signal = interruptSignal();
  const failures: string[] = [];
  let code: number = EXIT.ok;
  try {
    for (const [name, job] of jobs) {
      const record = await runJob(host, name, job, { now: now(), signal, trusted, ...(a.newMedium ? { newMedium: a.newMedium } : {}) }, sink.log);
      for (const o of record.outcomes.filter((x) => !x.ok)) {
        failures.push(outcomeLine(name, o));
        if (code === EXIT.ok) code = exitCodeFor((o.code ?? 'failure') as ZbakErrorCode);
      }
    }
  } finally {
    await sink.flush();
  }
  if (failures.length > 0) {
    process.stderr.write(`zbak run: ${failures.length} zone(s) failed (details in ${config.log}):\n`);
    for (const f of failures) process.stderr.write(`  ${printable(f)}\n`);
    return code === EXIT.ok ? EXIT.failure : code;
  }
  return EXIT.ok;
}

const StatusArgs = z.object({
  config: configPath,
  json: z.boolean(),
  check: z.boolean(),
  warn: z.string().default('26h'),
  crit: z.string().default('50h'),
});

export async function commandStatus(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(StatusArgs, raw);
  if (!a.check) {
    const config = await loadConfig(host, a.config);
    const rows = await gatherStatus(host, config, now(), (l) => process.stderr.write(`zbak: ${printable(l)}\n`));
    if (a.json) outJson(rows);
    else out(formatStatus(rows));
    return EXIT.ok;
  }
  // A monitoring check answers every question with a nagios line and code, errors included.
  try {
    const warnSeconds = parseAge(a.warn);
    const critSeconds = parseAge(a.crit);
    if (warnSeconds === undefined || critSeconds === undefined) throw new UsageError(`--warn/--crit take an age like 26h, 2d or 90m (got ${a.warn}, ${a.crit})`);
    if (warnSeconds > critSeconds) throw new UsageError(`--warn ${a.warn} is longer than --crit ${a.crit}`);
    const config = await loadConfig(host, a.config);
    const rows = await gatherStatus(host, config, now(), () => undefined);
    const verdict = judgeStatus(rows, { warnSeconds, critSeconds });
    out(verdict.line);
    return verdict.code;
  } catch (e) {
    out(`ZBAK UNKNOWN - ${e instanceof ZbakError ? e.message : String(e)}`);
    return NAGIOS.unknown;
  }
}

const CronArgs = z.object({ config: configPath, install: z.boolean() });

/**
 * The zbak that cron should run: the file this process runs (bin/zbak's target, dist/zbak.mjs or
 * dist/src/cli/main.js; a bundle's import.meta.url names no neighbouring main.js).
 */
function zbakEntry(): string {
  const ran = process.argv[1];
  return ran ? resolve(ran) : fileURLToPath(new URL('./main.js', import.meta.url));
}

export async function commandCron(host: Host, raw: unknown): Promise<number> {
  const a = parseOpts(CronArgs, raw);
  const config = await loadConfig(host, a.config);
  let lines: string[];
  try {
    lines = crontabLines(Object.entries(config.jobs), { node: process.execPath, zbakMain: zbakEntry(), configPath: a.config });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!a.install) {
    for (const l of lines) out(l);
    out(`# zbak cron --install writes these to ${CRON_FILE}, with ${CRON_BOOT_SCRIPT} and the SMF manifest ${SMF_MANIFEST}`);
    out('# (SmartOS rebuilds root\'s crontab at boot; the service site/zbak-cron puts these lines back)');
    return EXIT.ok;
  }
  await host.writeFile(CRON_FILE, `${lines.join('\n')}\n`);
  await host.writeFile(CRON_BOOT_SCRIPT, cronBootScript());
  await host.writeFile(SMF_MANIFEST, smfManifest());
  for (const argv of [['svccfg', 'import', SMF_MANIFEST], ['svcadm', 'restart', 'site/zbak-cron']]) {
    const r = await host.run(argv);
    if (r.exitCode !== 0) throw new ZbakError(`${argv.join(' ')} failed: ${r.stderrTail.trim()}; the files are written, run it by hand`);
  }
  out(`installed ${lines.length} crontab line(s) (${CRON_FILE}), ${SMF_MANIFEST} and service site/zbak-cron`);
  return EXIT.ok;
}

const PruneArgs = z.object({
  dir: z.string().min(1),
  ...KEEP_FLAGS,
  dryRun: z.boolean(),
});

export async function commandPrune(raw: unknown): Promise<number> {
  const a = parseOpts(PruneArgs, raw);
  const r = await runPrune(a.dir, retentionOf(a).retention ?? {}, { dryRun: a.dryRun }, out);
  if (!a.dryRun) out(`pruned ${a.dir}: removed ${r.removed.length}, kept ${r.decisions.filter((d) => d.keep).length + r.unreadable.length}`);
  return EXIT.ok;
}
