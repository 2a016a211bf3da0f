// What the fault matrix compares: a summary of the fake host (datasets,
// snapshot GUIDs, mounts, zones, image records, the zone's files, zbak's
// journal), and one cell's verdict — the host holds the old state or the new
// one, never neither, and the next run of the same command succeeds.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeSmartOS } from './fake-smartos.js';
import { plannedCommands } from './plan-check.js';
import { quoteArgv } from '../../src/run/commands.js';
import { ZONE_UUID } from './demo-zone.js';
import { ageLocks, archiveFiles, nextSecond, readTrace, resetHost, runZbak, type Fault, type Lab, type Scenario, type ZbakRun } from './fault-lab.js';

const WORK = `zones/zbak-${ZONE_UUID}`;
const ZBAK_SNAP = /@zbak-(\d{8}T\d{6}Z)$/;
const CLEAN_UP = new RegExp(`^zfs destroy -r ${WORK}$`);

export interface SummaryOptions {
  /** The save scenario's pre-existing zbak snapshot stamp; any other zbak snapshot reads as @zbak-NEW. */
  oldStamp: string;
  /** SIGKILL cells: zbak's work dataset and journal may remain until the next run. */
  allowLeftovers: boolean;
}

/**
 * The host as lines. Dataset GUIDs are dropped (a receive makes new ones);
 * snapshot GUIDs stay (they are what a restore must bring back). A zbak
 * snapshot other than the old one is `@zbak-NEW`, without its GUID.
 */
export async function hostSummary(host: FakeSmartOS, o: SummaryOptions): Promise<string[]> {
  const zfs = await host.must(['zfs', 'list', '-H', '-p', '-t', 'all', '-o', 'name,type,origin,guid,mounted', '-r', 'zones']);
  const lines: string[] = [];
  for (const l of zfs.split('\n').filter(Boolean)) {
    const [name = '', type = '', origin = '', guid = '', mounted = ''] = l.split('\t');
    if (o.allowLeftovers && (name === WORK || name.startsWith(`${WORK}/`) || name.startsWith(`${WORK}@`))) continue;
    const stamp = ZBAK_SNAP.exec(name)?.[1];
    if (stamp !== undefined && stamp !== o.oldStamp) lines.push(`zfs ${name.replace(ZBAK_SNAP, '@zbak-NEW')} ${type}`);
    else lines.push(`zfs ${name} ${type} origin=${origin} ${type === 'snapshot' ? `guid=${guid}` : `mounted=${mounted}`}`);
  }
  const vms = await host.must(['vmadm', 'list', '-p', '-o', 'uuid,alias,state,autoboot']);
  lines.push(...vms.split('\n').filter(Boolean).map((v) => `vm ${v}`));
  const images = await readdir(join(host.root, 'var/imgadm/images')).catch(() => [] as string[]);
  lines.push(...images.sort().map((i) => `image-record ${i}`));
  lines.push(`files ${await host.treeHash(`/zones/${ZONE_UUID}/root`)}`);
  if (!o.allowLeftovers) {
    const journal = await readdir(join(host.root, 'var/zbak/journal')).catch(() => [] as string[]);
    lines.push(...journal.map((j) => `journal ${j}`));
  }
  return lines.sort();
}

export const sameLines = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((l, i) => l === b[i]);

/** What a scenario's host looks like before (old) and after a clean run (new), both ways of summarising. */
export interface Expected {
  n: number;
  /** Each command of a clean run, quoted (n → commands[n-1]). */
  commands: string[];
  old: { strict: string[]; loose: string[] };
  new: { strict: string[]; loose: string[] };
}

export interface CellResult {
  scenario: string;
  n: number;
  fault: Fault;
  /** 'old' | 'new' when the cell passed; 'journaled': killed mid-way, and `zbak recover` (what the next restore does first) took the host back to old. */
  verdict: 'old' | 'new' | 'journaled' | 'FAILED';
  reason: string;
  notes: string[];
}

function diff(got: readonly string[], want: readonly string[]): string {
  const extra = got.filter((l) => !want.includes(l));
  const missing = want.filter((l) => !got.includes(l));
  return [...extra.slice(0, 3).map((l) => `+${l}`), ...missing.slice(0, 3).map((l) => `-${l}`)].join('; ');
}

const exitText = (r: ZbakRun): string => (r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`);
const lastError = (r: ZbakRun): string => r.stderr.trim().split('\n').filter((l) => l.startsWith('zbak:')).pop() ?? r.stderr.trim().split('\n').pop() ?? '';

/** Whether the faulted command is one the run tolerates failing by design (save's pruning after the archive is published). */
function toleratedByDesign(scenario: Scenario, command: string | undefined, lab: Lab): boolean {
  return scenario.name === 'save' && command !== undefined && command.startsWith('zfs destroy ') && command.endsWith(`@zbak-${lab.oldStamp}`);
}

/** Runs one cell: pristine host, zbak with the fault, checks, then the next run without a fault. */
export async function runCell(lab: Lab, scenario: Scenario, expected: Expected, n: number, fault: Fault, dir: string): Promise<CellResult> {
  const cell: CellResult = { scenario: scenario.name, n, fault, verdict: 'FAILED', reason: '', notes: [] };
  const fail = (reason: string): CellResult => ({ ...cell, verdict: 'FAILED', reason });
  const host = await resetHost(scenario, dir);
  const r = await runZbak(host, scenario.args(host.dir), { ZBAK_FAULT_AT: `${n}:${fault}` });
  if (/unexpected error/.test(r.stderr)) return fail(`unexpected error: ${r.stderr.trim().split('\n').slice(0, 2).join(' / ')}`);
  const killed = fault === 'SIGKILL';
  const command = expected.commands[n - 1];
  // A failed clean-up after the commit leaves the work dataset and the journal that tells the next run to finish it.
  const leftoversAllowed = killed || (command !== undefined && CLEAN_UP.test(command));
  const loose = { oldStamp: lab.oldStamp, allowLeftovers: leftoversAllowed };
  const summary = await hostSummary(host, loose);
  const want = leftoversAllowed ? { old: expected.old.loose, new: expected.new.loose } : { old: expected.old.strict, new: expected.new.strict };
  let state = classify(scenario, summary, want);
  const files = await archiveFiles(host.dir);

  if (scenario.name === 'save') {
    if (files.published.length > 1) return fail(`${files.published.length} archives published`);
    if (files.temp.length > 0) {
      if (!killed) return fail(`temp file left: ${files.temp.join(', ')}`);
      cell.notes.push(`temp file left by kill -9: ${files.temp[0]}`);
    }
    const published = files.published.length === 1;
    // Pruning older zbak snapshots is best effort once the archive is published; a killed run leaves its own snapshot.
    if (state === undefined) state = classifySave(summary, want, published, killed, lab.oldStamp);
    if (state === 'new' && !published) return fail('the old zbak snapshot is gone but no archive was published');
    if (state === 'old' && published) return fail('an archive was published but the host looks unsaved');
    if (published) {
      const v = await runZbak(host, ['verify', files.published[0]!]);
      if (v.exitCode !== 0) return fail(`published archive does not verify: ${lastError(v)}`);
    }
  }
  // Killed between two steps of a restore: the host is between old and new by nature; the journal must record how to go back.
  const journaled = killed && scenario.name !== 'save' && (await journalLeft(host));
  if (state === undefined && !journaled) return fail(`host is neither old nor new (${exitText(r)}): ${diff(summary, want.old)} | vs new: ${diff(summary, want.new)}`);

  if (fault === 'fail' && r.exitCode === 0 && !(state === 'new' && toleratedByDesign(scenario, command, lab))) return fail(`exit 0 after an injected failure (${state})`);
  if (fault === 'fail' && (r.exitCode === null || r.exitCode === 130)) return fail(`${exitText(r)} after an injected failure`);
  if (fault === 'SIGINT' && r.exitCode !== 130) {
    if (!(r.exitCode === 0 && state === 'new')) return fail(`SIGINT gave ${exitText(r)}, not 130: ${lastError(r)}`);
    cell.notes.push('SIGINT after the point of no return: completed, exit 0');
  }
  if (killed && r.signal !== 'SIGKILL') return fail(`SIGKILL fault but zbak ${exitText(r)}`);
  if (killed && scenario.name === 'restore --force' && state !== 'new') {
    const where = await oldDataWhere(host, expected);
    if (where === undefined) return fail('the old zone is lost: its @after-save snapshots are neither in place nor below the work dataset');
    if (where !== 'in place') cell.notes.push(`old zone's data ${where}`);
  }

  if (state === undefined) {
    // Between old and new only until the journal is replayed: `zbak recover` (the first thing any
    // restore of the zone does) must take the host back to exactly the old state.
    const key = (await journalKeys(host))[0]!;
    const rec = await runZbak(host, ['recover', key]);
    if (rec.exitCode !== 0) return fail(`zbak recover ${exitText(rec)} after the kill: ${lastError(rec)}`);
    const recovered = await hostSummary(host, { oldStamp: lab.oldStamp, allowLeftovers: false });
    if (!sameLines(recovered, expected.old.strict)) return fail(`zbak recover left neither the old state: ${diff(recovered, expected.old.strict)}`);
    cell.notes.push(`killed between two steps: ${diff(summary, want.old)}; zbak recover took the host back to the old state`);
  }

  // The next run, without a fault, must succeed and leave the new state.
  if (killed) await ageLocks(host);
  if (scenario.name === 'save') await nextSecond();
  const again = await runZbak(host, scenario.args(host.dir));
  const after = await hostSummary(host, { oldStamp: lab.oldStamp, allowLeftovers: false });
  if (again.exitCode !== 0) {
    // A restore that already completed is refused as "exists" by the next plain restore: fine if nothing is left over.
    const done = scenario.name === 'restore' && again.exitCode === 5 && sameLines(after, expected.new.strict);
    if (!done) return fail(`next run ${exitText(again)} after ${fault} (state was ${state}): ${lastError(again)}`);
    cell.notes.push('next plain restore refused: zone already restored');
  }
  if (!sameLines(after, expected.new.strict)) return fail(`next run left neither-new state: ${diff(after, expected.new.strict)}`);
  return { ...cell, verdict: state ?? 'journaled', reason: exitText(r) };
}

/** The keys (zone uuids) of the restore journals left on the host. */
async function journalKeys(host: FakeSmartOS): Promise<string[]> {
  return (await readdir(join(host.root, 'var/zbak/journal')).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
}

async function journalLeft(host: FakeSmartOS): Promise<boolean> {
  return (await journalKeys(host)).length > 0;
}

function classify(scenario: Scenario, summary: string[], want: { old: string[]; new: string[] }): 'old' | 'new' | undefined {
  if (sameLines(summary, want.old)) return 'old';
  if (sameLines(summary, want.new)) return 'new';
  return undefined;
}

/** save: old plus a killed run's own zbak snapshot is still old; new plus unpruned old zbak snapshots is still new. */
function classifySave(summary: string[], want: { old: string[]; new: string[] }, published: boolean, killed: boolean, oldStamp: string): 'old' | 'new' | undefined {
  if (published) {
    const withoutOld = summary.filter((l) => !l.includes(`@zbak-${oldStamp} `));
    return sameLines(withoutOld, want.new) ? 'new' : undefined;
  }
  if (!killed) return undefined;
  const withoutNew = summary.filter((l) => !l.includes('@zbak-NEW '));
  return sameLines(withoutNew, want.old) ? 'old' : undefined;
}

/** --force after a kill: where the old zone's datasets are (found by their @after-save snapshot lines). */
async function oldDataWhere(host: FakeSmartOS, expected: Expected): Promise<string | undefined> {
  const marks = expected.old.strict.filter((l) => l.includes('@after-save ')).map((l) => / guid=(\d+)/.exec(l)?.[1]);
  const zfs = await host.must(['zfs', 'list', '-H', '-p', '-t', 'snapshot', '-o', 'name,guid', '-r', 'zones']);
  const places = marks.map((g) => zfs.split('\n').find((l) => g !== undefined && l.endsWith(`\t${g}`))?.split('\t')[0]);
  if (places.some((p) => p === undefined)) return undefined;
  const okPlace = (p: string): boolean => p.startsWith(`zones/${ZONE_UUID}`) || p.startsWith(`${WORK}/old/`);
  if (!places.every((p) => okPlace(p!))) return undefined;
  return places.every((p) => p!.startsWith(`zones/${ZONE_UUID}`)) ? 'in place' : `kept aside: ${places.filter((p) => p!.startsWith(WORK)).join(', ')}`;
}

/** The old state (pristine copy) and a clean run's commands and new state. */
export async function cleanRun(lab: Lab, scenario: Scenario, dir: string): Promise<Expected> {
  const host = await resetHost(scenario, dir);
  const strict = { oldStamp: lab.oldStamp, allowLeftovers: false };
  const loose = { oldStamp: lab.oldStamp, allowLeftovers: true };
  const old = { strict: await hostSummary(host, strict), loose: await hostSummary(host, loose) };
  const trace = join(dir, '..', `trace-${scenario.name.replace(/\W+/g, '-')}.jsonl`);
  await rm(trace, { force: true });
  const r = await runZbak(host, scenario.args(host.dir), { ZBAK_TRACE: trace });
  if (r.exitCode !== 0) throw new Error(`clean ${scenario.name} failed (${r.exitCode}): ${r.stderr.trim()}`);
  const commands = (await readTrace(trace)).map(quoteArgv);
  const now = { strict: await hostSummary(host, strict), loose: await hostSummary(host, loose) };
  if (sameLines(old.strict, now.strict)) throw new Error(`clean ${scenario.name}: the host did not change`);
  return { n: commands.length, commands, old, new: now };
}

/**
 * A restore's commands without running it: the --dry-run's reads, then its
 * printed steps (the plan is the program, scripts/lib/plan-check.ts). The new
 * state is given (a clean run of another scenario that ends the same way).
 */
export async function plannedRun(lab: Lab, scenario: Scenario, dir: string, newState: Expected['new']): Promise<Expected> {
  const host = await resetHost(scenario, dir);
  const old = {
    strict: await hostSummary(host, { oldStamp: lab.oldStamp, allowLeftovers: false }),
    loose: await hostSummary(host, { oldStamp: lab.oldStamp, allowLeftovers: true }),
  };
  const trace = join(dir, '..', `trace-dry-${scenario.name.replace(/\W+/g, '-')}.jsonl`);
  await rm(trace, { force: true });
  const r = await runZbak(host, [...scenario.args(host.dir), '--dry-run'], { ZBAK_TRACE: trace });
  if (r.exitCode !== 0) throw new Error(`${scenario.name} --dry-run failed (${r.exitCode}): ${r.stderr.trim()}`);
  const commands = [...(await readTrace(trace)).map(quoteArgv), ...plannedCommands(r.stdout)];
  return { n: commands.length, commands, old, new: newState };
}
