// sysinfo for the fake/lab host: an operator-written file wins; otherwise a
// generated one whose UUID is created once and kept, so the host keeps its identity.
import os from 'node:os';
import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { hostPath } from '../common/paths.js';
import { isUuid, newUuid } from '../common/uuid.js';
import { readJsonFile } from '../common/json-file.js';

/** The fields zbak and vmadm read; everything else passes through untouched. */
export const SysinfoSchema = z
  .object({
    UUID: z.string(),
    Hostname: z.string(),
    'Live Image': z.string(),
    'System Type': z.string().optional(),
    Zpool: z.string().optional(),
    'Bhyve Capable': z.boolean().optional(),
    'Datacenter Name': z.string().optional(),
    'Network Interfaces': z.record(z.object({ 'NIC Names': z.array(z.string()).optional() }).passthrough()).optional(),
    'Virtual Network Interfaces': z.record(z.object({ 'Host Interface': z.string().optional() }).passthrough()).optional(),
  })
  .passthrough();
export type Sysinfo = z.infer<typeof SysinfoSchema>;

/** Platform stamp reported by generated sysinfo (a real SmartOS build stamp shape). */
export const GENERATED_LIVE_IMAGE = '20250306T000316Z';

export function sysinfoFilePath(): string {
  return hostPath('/etc/zbak-sysinfo.json');
}

/** SmartOS's cache of sysinfo's output; the shims print it instead of starting node. */
export function sysinfoCachePath(): string {
  return hostPath('/tmp/.sysinfo.json');
}

/** Writes the cache whole (a temp file per process, then rename), so a reader never sees part of it. */
export async function writeSysinfoCache(info: Sysinfo): Promise<void> {
  const file = sysinfoCachePath();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.${process.pid}`, JSON.stringify(info, null, 2) + '\n');
  await rename(`${file}.${process.pid}`, file);
}

function serverUuidPath(): string {
  return hostPath('/etc/zbak-server-uuid');
}

/** Returns the stored server UUID, creating it on first use (exclusive create, so racing callers agree). */
async function stableServerUuid(): Promise<string> {
  const file = serverUuidPath();
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && isUuid(existing.trim())) return existing.trim();
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, newUuid() + '\n', { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return (await readFile(file, 'utf8')).trim();
}

/** Builds sysinfo for a host without an operator-written file. */
export async function generatedSysinfo(): Promise<Sysinfo> {
  return {
    'Live Image': GENERATED_LIVE_IMAGE,
    'System Type': 'SunOS',
    'SDC Version': '7.0',
    Manufacturer: 'zbak',
    Product: 'zbak SmartOS personality',
    'Bhyve Capable': true,
    'HVM API': true,
    UUID: await stableServerUuid(),
    Hostname: os.hostname(),
    'CPU Total Cores': os.cpus().length,
    'MiB of Memory': String(Math.floor(os.totalmem() / (1024 * 1024))),
    Zpool: 'zones',
  };
}

/** Loads $ZBAK_ROOT/etc/zbak-sysinfo.json if present, else the generated sysinfo. */
export async function loadSysinfo(): Promise<Sysinfo> {
  const fromFile = await readJsonFile(sysinfoFilePath(), SysinfoSchema);
  return fromFile ?? (await generatedSysinfo());
}

/** Every NIC tag the host knows, or undefined when sysinfo lists no interfaces (then tags are not checked). */
export function nicTagsOf(info: Sysinfo): Set<string> | undefined {
  const nics = info['Network Interfaces'];
  if (!nics) return undefined;
  const tags = new Set<string>();
  for (const nic of Object.values(nics)) for (const t of nic['NIC Names'] ?? []) tags.add(t);
  for (const [name, vnic] of Object.entries(info['Virtual Network Interfaces'] ?? {})) {
    if (vnic['Host Interface'] !== undefined) tags.add(name);
  }
  return tags;
}
