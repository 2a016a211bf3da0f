// The property every restore plan must have, stated here on its own terms (not with
// src/model/ownership.ts, so a mistake there cannot hide here): each step and each
// undo step only touches the zone's own datasets, zbak's work dataset, and images the
// plan installs that the host did not have; the create payload is the zone's and
// carries no global-zone reach; zonecfg gets a strict ISO time; no name can be read
// as an option. Returns the violations, empty when the plan is fine.
import type { Step } from '../../src/plan/steps.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ISO = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$/;
const COMPONENT = /^[A-Za-z0-9_.:-]+$/;

/** Whether a payload value of filesystems / fs_allowed / limit_priv reaches past a plain zone. */
const REACH: Record<string, (v: unknown) => boolean> = {
  filesystems: (v) => !(Array.isArray(v) && v.length === 0),
  fs_allowed: (v) => v !== '' && !(Array.isArray(v) && v.length === 0),
  // "default" and removals ("-net_access", "!proc_fork") never add a privilege.
  limit_priv: (v) => typeof v !== 'string' || v.split(',').some((t) => t !== 'default' && !/^[-!]/.test(t)),
};

export interface PlanContext {
  pool: string;
  /** The zone the restore creates (the archive's, or --new-uuid's). */
  uuid: string;
  /** Image uuids the archive lists whose dataset the host did not have. */
  newImages: ReadonlySet<string>;
  allowGlobalReach: boolean;
}

/** Whether `ds` (with the pool) is one the restore of ctx.uuid may touch. */
export function allowedDataset(ds: string, ctx: PlanContext): boolean {
  const [name, snap, ...more] = ds.split('@');
  if (more.length > 0 || (snap !== undefined && !COMPONENT.test(snap))) return false;
  const parts = name!.split('/');
  if (parts[0] !== ctx.pool || parts.length < 2) return false;
  if (parts.some((c) => !COMPONENT.test(c) || c === '.' || c === '..')) return false;
  const rel = parts.slice(1).join('/');
  const under = (top: string): boolean => rel === top || rel.startsWith(`${top}/`);
  const u = ctx.uuid;
  if (under(u) || under(`cores/${u}`) || under(`zbak-${u}`)) return true;
  if (new RegExp(`^${u}-disk[0-9]+(/|$)`).test(rel)) return true;
  return [...ctx.newImages].some((img) => rel === img || rel === `${img}-partial`);
}

/** zfs options zbak's steps may use, and whether each takes a value. */
const ZFS_FLAGS: Record<string, boolean> = { '-u': false, '-r': false, '-f': false, '-F': false, '-H': false, '-p': false, '-o': true, '-t': true, '-x': true };

function checkZfs(argv: string[], ctx: PlanContext, v: string[]): void {
  const sub = argv[1] ?? '';
  const operands: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a in ZFS_FLAGS) {
      if (ZFS_FLAGS[a]) i++;
    } else if (a.startsWith('-')) v.push(`zfs ${sub}: ${JSON.stringify(a)} where a dataset name belongs`);
    else operands.push(a);
  }
  const names = sub === 'hold' ? operands.slice(1) : operands;
  if (!['receive', 'rename', 'destroy', 'create', 'mount', 'umount', 'hold', 'list'].includes(sub)) v.push(`unexpected zfs ${sub}`);
  if (names.length === 0) v.push(`zfs ${sub} without a dataset`);
  for (const n of names) if (!allowedDataset(n, ctx)) v.push(`zfs ${sub} touches ${JSON.stringify(n)}`);
}

function checkVmadm(argv: string[], ctx: PlanContext, v: string[]): void {
  const [, sub, target, ...rest] = argv;
  if (sub === 'create') {
    if (argv.length !== 2) v.push(`vmadm create with arguments ${JSON.stringify(argv)}`);
    return;
  }
  if (!['stop', 'start', 'delete', 'update'].includes(sub ?? '')) v.push(`unexpected vmadm ${sub}`);
  if (target !== ctx.uuid) v.push(`vmadm ${sub} on ${JSON.stringify(target)}, not zone ${ctx.uuid}`);
  if (sub === 'stop' && !(rest.length === 1 && rest[0] === '-F')) v.push(`vmadm stop with ${JSON.stringify(rest)}`);
  if (sub === 'update' && !rest.every((p) => /^(autoboot=(true|false)|indestructible_(zoneroot|delegated)=true)$/.test(p))) {
    v.push(`vmadm update sets ${JSON.stringify(rest)}`);
  }
}

function checkZonecfg(argv: string[], ctx: PlanContext, v: string[]): void {
  const m = /^select attr name=create-timestamp; set value=(.*); end$/.exec(argv[3] ?? '');
  if (argv.length !== 4 || argv[1] !== '-z' || argv[2] !== ctx.uuid || !m || !ISO.test(m[1]!)) {
    v.push(`zonecfg ${JSON.stringify(argv.slice(1))} is not a create-timestamp of zone ${ctx.uuid} with a strict ISO time`);
  }
}

/** A dataset named in a payload path, e.g. /dev/zvol/rdsk/zones/<uuid>-disk0. */
function pathDataset(p: string): string | undefined {
  const m = /^\/dev\/zvol\/r?dsk\/(.+)$/.exec(p) ?? /^\/(.+)$/.exec(p);
  return m?.[1];
}

function checkPayload(input: string, ctx: PlanContext, v: string[]): void {
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(input) as Record<string, unknown>;
  } catch {
    v.push('vmadm create payload is not JSON');
    return;
  }
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return void v.push('vmadm create payload is not an object');
  if (p.uuid !== ctx.uuid) v.push(`vmadm create payload uuid ${JSON.stringify(p.uuid)}, not ${ctx.uuid}`);
  if (!ctx.allowGlobalReach) for (const [k, reaches] of Object.entries(REACH)) if (k in p && reaches(p[k])) v.push(`vmadm create payload carries ${k} ${JSON.stringify(p[k])}`);
  if (p.zpool !== undefined && p.zpool !== ctx.pool) v.push(`vmadm create payload zpool ${JSON.stringify(p.zpool)}`);
  for (const k of ['zfs_filesystem', 'zonepath']) {
    const val = p[k];
    if (val !== undefined && !(typeof val === 'string' && allowedDataset(pathDataset(val) ?? val, ctx))) v.push(`payload ${k} ${JSON.stringify(val)}`);
  }
  const disks = Array.isArray(p.disks) ? p.disks : [];
  for (const [i, d] of disks.entries()) {
    const disk = (d ?? {}) as Record<string, unknown>;
    if (disk.zpool !== undefined && disk.zpool !== ctx.pool) v.push(`payload disks.${i}.zpool ${JSON.stringify(disk.zpool)}`);
    for (const k of ['path', 'zfs_filesystem']) {
      const val = disk[k];
      if (val === undefined) continue;
      const ds = typeof val === 'string' ? (k === 'path' ? pathDataset(val) : val) : undefined;
      if (ds === undefined || !allowedDataset(ds, ctx)) v.push(`payload disks.${i}.${k} ${JSON.stringify(val)}`);
    }
  }
}

function checkFile(path: string, content: string | undefined, ctx: PlanContext, v: string[]): void {
  const m = new RegExp(`^/var/imgadm/images/${ctx.pool}-(${UUID})\\.json$`).exec(path);
  if (!m || !ctx.newImages.has(m[1]!)) return void v.push(`writes ${JSON.stringify(path)}`);
  if (content === undefined) return;
  let uuid: unknown;
  try {
    uuid = (JSON.parse(content) as { manifest?: { uuid?: unknown } }).manifest?.uuid;
  } catch {
    uuid = undefined;
  }
  if (uuid !== m[1]) v.push(`imgadm record for ${m[1]} claims image ${JSON.stringify(uuid)}`);
}

function checkStep(step: Step, ctx: PlanContext, v: string[]): void {
  if (step.op === 'write-file' || step.op === 'remove-file') checkFile(step.path, step.op === 'write-file' ? step.content : undefined, ctx, v);
  if (step.op === 'run' || step.op === 'receive' || step.op === 'expect-snapshots') {
    const cmd = step.argv[0];
    if (cmd === 'zfs') checkZfs(step.argv, ctx, v);
    else if (cmd === 'vmadm') checkVmadm(step.argv, ctx, v);
    else if (cmd === 'zonecfg') checkZonecfg(step.argv, ctx, v);
    else v.push(`runs ${JSON.stringify(cmd)}`);
    if (step.op === 'run' && step.input !== undefined) {
      if (step.argv[0] === 'vmadm' && step.argv[1] === 'create') checkPayload(step.input, ctx, v);
      else v.push(`stdin for ${step.argv.join(' ')}`);
    }
  }
  for (const u of step.undo ?? []) checkStep(u, ctx, v);
}

export function planViolations(steps: readonly Step[], ctx: PlanContext): string[] {
  const v: string[] = [];
  for (const s of steps) {
    const before = v.length;
    checkStep(s, ctx, v);
    for (let i = before; i < v.length; i++) v[i] = `${s.kind} (${s.what}): ${v[i]}`;
  }
  return v;
}
