// The fake hosts the fault matrix works on: one pristine template per
// scenario (built once), copied for every cell, and zbak run against the copy
// in its own process group so a SIGKILLed zbak's orphaned children (a zfs
// receive reading a closed pipe) are waited for before the host is looked at.
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeSmartOS, ZBAK_MAIN } from './fake-smartos.js';
import { createDemoZone, createImages, ZONE_UUID } from './demo-zone.js';

export type Fault = 'fail' | 'SIGINT' | 'SIGKILL';
export const FAULTS: readonly Fault[] = ['fail', 'SIGINT', 'SIGKILL'];

export type ScenarioName = 'save' | 'restore' | 'restore --force';
export const SCENARIOS: readonly ScenarioName[] = ['save', 'restore', 'restore --force'];

export interface Scenario {
  name: ScenarioName;
  /** The pristine host directory (state + root) copied for every cell. */
  template: string;
  /** zbak's arguments on a host in `hostDir`. */
  args: (hostDir: string) => string[];
}

export interface Lab {
  work: string;
  /** The archive the restore scenarios restore (saved on the template host). */
  archive: string;
  /** The zbak snapshot name of that save: the "old" zbak snapshot of the save scenario. */
  oldStamp: string;
  scenarios: Record<ScenarioName, Scenario>;
}

export interface ZbakRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const archivesDir = (hostDir: string): string => join(hostDir, 'archives');

/**
 * Builds the templates: the demo zone saved once (its archive is the restore
 * scenarios' input), then changed after the save (a file and an @after-save
 * snapshot on the zoneroot and the delegated dataset) so the old zone and the
 * restored one differ in every dataset.
 */
export async function buildLab(work: string): Promise<Lab> {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const base = new FakeSmartOS(join(work, 'tpl-save'), 'fault-host');
  await base.init('fa17fa17-0000-4000-8000-000000000001');
  await createImages(base);
  await createDemoZone(base);
  const saved = join(work, 'saved');
  await mkdir(saved);
  const r = await runZbak(base, ['save', 'web01', '--to', saved]);
  if (r.exitCode !== 0) throw new Error(`template save failed (${r.exitCode}): ${r.stderr.trim()}`);
  const archive = r.stdout.trim().split('\n').pop()!;
  const oldStamp = /-(\d{8}T\d{6}Z)\.zbak$/.exec(archive)?.[1];
  if (!oldStamp) throw new Error(`cannot read the stamp of ${archive}`);
  await base.writeFiles(`/zones/${ZONE_UUID}`, { 'root/var/www/index.html': '<h1>v3, after the save</h1>\n' });
  await base.must(['zfs', 'snapshot', `zones/${ZONE_UUID}@after-save`, `zones/${ZONE_UUID}/data@after-save`]);
  await mkdir(archivesDir(base.dir));

  // restore: the zone deleted, its images still installed.
  const gone = join(work, 'tpl-restore');
  await cp(base.dir, gone, { recursive: true });
  await new FakeSmartOS(gone).must(['vmadm', 'delete', ZONE_UUID]);
  return {
    work,
    archive,
    oldStamp,
    scenarios: {
      save: { name: 'save', template: base.dir, args: (h) => ['save', 'web01', '--to', archivesDir(h)] },
      restore: { name: 'restore', template: gone, args: () => ['restore', archive] },
      'restore --force': { name: 'restore --force', template: base.dir, args: () => ['restore', archive, '--force'] },
    },
  };
}

/** A fresh copy of a scenario's pristine host in `dir`. */
export async function resetHost(scenario: Scenario, dir: string): Promise<FakeSmartOS> {
  await rm(dir, { recursive: true, force: true });
  await cp(scenario.template, dir, { recursive: true });
  return new FakeSmartOS(dir, 'fault-host');
}

/**
 * Runs the zbak CLI on `host` as its own process group and returns when zbak
 * and every process it started have exited.
 */
export async function runZbak(host: FakeSmartOS, args: string[], env: Record<string, string> = {}): Promise<ZbakRun> {
  const child = spawn(process.execPath, [ZBAK_MAIN, ...args], {
    env: { ...process.env, ...host.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  });
  if (child.pid !== undefined) await groupGone(child.pid);
  return { exitCode, signal, stdout, stderr };
}

async function groupGone(pgid: number): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`processes of zbak's group ${pgid} still running after 60 s`);
}

/** The commands a run started, from its ZBAK_TRACE file. */
export async function readTrace(file: string): Promise<string[][]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);
}

/**
 * A SIGKILLed zbak leaves its zone lock behind, stale after 60 s without a
 * refresh (host/local-host.ts). Ages the lock so the next run need not wait.
 */
export async function ageLocks(host: FakeSmartOS): Promise<void> {
  const dir = join(host.root, 'var/run/zbak');
  const names = await readdir(dir).catch(() => [] as string[]);
  const past = new Date(Date.now() - 120_000);
  for (const n of names.filter((x) => x.endsWith('.lock.lock') || x.endsWith('.lock'))) await utimes(join(dir, n), past, past);
}

/** The files in the save target: published archives and hidden temp files. */
export async function archiveFiles(hostDir: string): Promise<{ published: string[]; temp: string[] }> {
  const names = (await readdir(archivesDir(hostDir)).catch(() => [] as string[])).sort();
  return {
    published: names.filter((n) => !n.startsWith('.') && n.endsWith('.zbak')).map((n) => join(archivesDir(hostDir), n)),
    temp: names.filter((n) => n.startsWith('.')),
  };
}

/** Waits for the next wall-clock second (a save names its snapshot and file by the second). */
export async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1010 - (Date.now() % 1000)));
}
