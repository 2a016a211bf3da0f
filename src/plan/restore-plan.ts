// The restore planner: given a verified archive and the target host's state,
// decide every step, or refuse before anything changes. Pure.
import type { Header, ImageSpec, StreamSpec } from '../archive/format.js';
import { NotFoundError, PlanConflictError } from '../errors.js';
import { inPool } from '../model/names.js';
import type { Vm } from '../parse/vmadm.js';
import type { ZfsRow } from '../parse/zfs-list.js';
import { buildCreatePayload } from './create-payload.js';
import { findRow } from './inventory.js';
import { checkSpace, spaceFreed, spaceNeeded, type SpaceNeed } from './space.js';

export interface RestoreTarget {
  /** Every VM on the target host. */
  vms: Vm[];
  /** `zfs list -t all -r <pool>` on the target host. */
  rows: ZfsRow[];
  /** The pool's `available` bytes (undefined: not known, space is not checked). */
  poolAvailable?: number;
}

export interface RestoreOptions {
  force?: boolean;
  /** Restore as a copy under this uuid (fresh MACs; IPs only with keepIps). */
  newUuid?: string;
  /** Alias of the copy (default: the saved alias + "-copy"). */
  alias?: string;
  keepIps?: boolean;
  /** undefined: start when the zone was running at save time. */
  start?: boolean;
  /** Restore properties with global-zone reach (plan/global-reach.ts); default: withheld. */
  allowGlobalReach?: boolean;
}

export interface ImageStep {
  image: ImageSpec;
  action: 'present' | 'install';
  dataset: string;
}

export interface ReceiveStep {
  stream: StreamSpec;
  argv: string[];
}

export interface IndestructibleStep {
  flag: 'indestructible_zoneroot' | 'indestructible_delegated';
  dataset: string;
  /** The stream brought <dataset>@indestructible back: only its hold is missing. */
  snapshotReceived: boolean;
}

export interface RestorePlan {
  uuid: string;
  alias?: string;
  pool: string;
  /** Set with --force when a zone with this uuid exists: it is deleted first. */
  replaces?: { uuid: string; alias?: string; datasets: string[] };
  images: ImageStep[];
  createPayload: Record<string, unknown>;
  payloadChanges: string[];
  /** Global-reach properties withheld from / kept in the payload (plan/global-reach.ts). */
  globalReach: { withheld: string[]; allowed: string[] };
  zoneroot: string;
  cores: string;
  /** Datasets `vmadm create` makes that the archive's streams replace (destroyed with -fr). */
  replaceAfterCreate: string[];
  receives: ReceiveStep[];
  /** indestructible_* flags to put back once the datasets are received. */
  indestructible: IndestructibleStep[];
  createTimestamp?: string;
  autoboot: boolean;
  start: boolean;
  /** The space check that passed (absent when the archive or the host gave no figures). */
  space?: SpaceNeed;
}

export function planRestore(header: Header, vmJson: Record<string, unknown>, target: RestoreTarget, opts: RestoreOptions): RestorePlan {
  const pool = header.source.pool;
  const savedUuid = header.zone.uuid;
  const uuid = opts.newUuid ?? savedUuid;
  const copy = uuid !== savedUuid;
  // A copy lives beside the original: every dataset name carries the new uuid.
  const targetDataset = (rel: string): string => inPool(pool, copy ? rel.split(savedUuid).join(uuid) : rel);
  const existing = target.vms.find((v) => v.uuid === uuid);
  let replaces: RestorePlan['replaces'];
  if (existing) {
    const flags = (['indestructible_zoneroot', 'indestructible_delegated'] as const).filter((f) => existing[f] === true);
    if (opts.force && flags.length > 0) {
      throw new PlanConflictError(
        `zone ${uuid} has ${flags.join(' and ')} set, so it cannot be replaced; ` +
          `clear it first (vmadm update ${uuid} ${flags.map((f) => `${f}=false`).join(' ')}) and retry`,
      );
    }
    if (!opts.force) {
      throw new PlanConflictError(
        `zone ${uuid}${existing.alias ? ` (${existing.alias})` : ''} already exists on this host; delete it first or use --force to replace it`,
      );
    }
    replaces = {
      uuid,
      ...(existing.alias !== undefined ? { alias: existing.alias } : {}),
      datasets: target.rows.filter((r) => r.type !== 'snapshot' && belongsToZone(r.name, pool, uuid)).map((r) => r.name),
    };
  } else {
    const stray = target.rows.find((r) => r.type !== 'snapshot' && belongsToZone(r.name, pool, uuid));
    if (stray) {
      throw new PlanConflictError(
        `dataset ${stray.name} exists but no zone ${uuid} is configured; rename or destroy it first (zbak will not overwrite it)`,
      );
    }
  }

  const images = header.images.map((image) => imageStep(image, pool, target.rows));
  checkCreateImages(vmJson, header, pool, target.rows);
  const zoneStreams = header.streams.filter((s) => s.role !== 'image');
  const datasetsOf = (role: StreamSpec['role']): string[] =>
    [...new Set(zoneStreams.filter((s) => s.role === role).map((s) => targetDataset(s.dataset)))];
  const zoneroot = datasetsOf('zoneroot')[0] ?? inPool(pool, uuid);
  const cores = inPool(pool, `cores/${uuid}`);
  // The zoneroot -fr takes delegated data and bhyve disks with it; kvm disks
  // and cores live elsewhere and are replaced one by one.
  const replaceAfterCreate = [
    zoneroot,
    ...datasetsOf('disk').filter((d) => !d.startsWith(`${zoneroot}/`)),
    ...datasetsOf('cores').filter((d) => d === cores),
  ];
  const { payload, changes, withheld, allowed } = buildCreatePayload(vmJson, { uuid, autoboot: false, allowGlobalReach: opts.allowGlobalReach ?? false });
  const alias = copy ? (opts.alias ?? `${header.zone.alias ?? savedUuid.slice(0, 8)}-copy`) : (opts.alias ?? header.zone.alias);
  if (alias !== undefined) payload.alias = alias;
  if (copy) changes.push(...asCopy(payload, opts.keepIps ?? false));
  const receives = zoneStreams.map((stream) => ({ stream, argv: ['zfs', 'receive', '-F', targetDataset(stream.dataset)] }));
  const space = planSpace(header, images, target, replaces, `zone ${uuid}`);
  const indestructible = (
    [
      ['indestructible_zoneroot', zoneroot],
      ['indestructible_delegated', `${zoneroot}/data`],
    ] as const
  )
    .filter(([flag]) => vmJson[flag] === true)
    .map(([flag, dataset]) => ({
      flag,
      dataset,
      snapshotReceived: receives.some((r) => r.argv[3] === dataset && r.stream.snapshots.some((x) => x.name === 'indestructible')),
    }));
  return {
    uuid,
    ...(alias !== undefined ? { alias } : {}),
    pool,
    ...(replaces ? { replaces } : {}),
    images,
    createPayload: payload,
    payloadChanges: changes,
    globalReach: { withheld, allowed },
    zoneroot,
    cores,
    replaceAfterCreate,
    receives,
    indestructible,
    // A copy is a new zone: it keeps the create_timestamp vmadm gives it.
    ...(header.zone.createTimestamp !== undefined && !copy ? { createTimestamp: header.zone.createTimestamp } : {}),
    autoboot: header.zone.autoboot,
    start: opts.start ?? header.zone.state === 'running',
    ...(space ? { space } : {}),
  };
}

/** What the received datasets and installed images will take against what the pool has; refuses if short. */
function planSpace(
  header: Header,
  images: ImageStep[],
  target: RestoreTarget,
  replaces: RestorePlan['replaces'],
  what: string,
): SpaceNeed | undefined {
  const installed = new Set(images.filter((i) => i.action === 'install').map((i) => i.image.streamId));
  const received = header.streams.filter((s) => s.role !== 'image' || installed.has(s.id)).map((s) => s.dataset);
  const needed = spaceNeeded(header.space, received);
  if (needed === undefined || target.poolAvailable === undefined) return undefined;
  const freed = replaces ? spaceFreed(target.rows, replaces.datasets) : 0;
  const need = { needed, available: target.poolAvailable + freed, freed };
  checkSpace(need, header.source.pool, what, header.source.hostname);
  return need;
}

/**
 * `vmadm create` needs every image the payload names (zone image, disk images)
 * installed; each must be on the host already or come from the archive.
 */
function checkCreateImages(vmJson: Record<string, unknown>, header: Header, pool: string, rows: ZfsRow[]): void {
  const disks = Array.isArray(vmJson.disks) ? (vmJson.disks as Array<Record<string, unknown>>) : [];
  const wanted = [vmJson.image_uuid, ...disks.map((d) => d.image_uuid)].filter((u): u is string => typeof u === 'string');
  for (const uuid of new Set(wanted)) {
    if (header.images.some((i) => i.uuid === uuid) || findRow(rows, inPool(pool, `${uuid}@final`))) continue;
    throw new NotFoundError(
      `image ${uuid}, which vmadm create needs for this zone, is neither installed on this host nor in the archive ` +
        `(the zone's datasets are not clones of it); install it first (imgadm import ${uuid}) and retry`,
    );
  }
}

/** A copy gets fresh MACs from vmadm, and DHCP unless the user keeps the IPs. */
function asCopy(payload: Record<string, unknown>, keepIps: boolean): string[] {
  const changes = ['copy: new uuid, new MAC addresses'];
  if (!Array.isArray(payload.nics)) return changes;
  payload.nics = payload.nics.map((raw) => {
    const nic = { ...(raw as Record<string, unknown>) };
    delete nic.mac;
    if (!keepIps) {
      for (const k of ['ip', 'ips', 'gateway', 'gateways', 'netmask']) delete nic[k];
      nic.ips = ['dhcp'];
    }
    return nic;
  });
  if (!keepIps) changes.push('copy: IPs replaced by dhcp (--keep-ips keeps them)');
  return changes;
}

function imageStep(image: ImageSpec, pool: string, rows: ZfsRow[]): ImageStep {
  const dataset = inPool(pool, image.uuid);
  const label = `image ${image.uuid} (${image.name}@${image.version})`;
  const final = findRow(rows, `${dataset}@final`);
  if (final) {
    if (final.guid !== image.finalGuid) {
      throw new PlanConflictError(
        `${label} is installed here with @final GUID ${final.guid} but the archive's is ${image.finalGuid}; ` +
          `the zone's streams cannot be received onto it (a different build of the image)`,
      );
    }
    return { image, action: 'present', dataset };
  }
  if (findRow(rows, dataset)) {
    throw new PlanConflictError(`${dataset} exists but has no @final snapshot, so ${label} cannot be installed; inspect it with imgadm/zfs`);
  }
  const partial = `${dataset}-partial`;
  if (findRow(rows, partial)) {
    throw new PlanConflictError(`${partial} exists (an interrupted image import); remove it with 'zfs destroy -r ${partial}' and retry`);
  }
  return { image, action: 'install', dataset };
}

/** zones/<uuid>, anything below it, zones/<uuid>-disk<N>, zones/cores/<uuid>. */
function belongsToZone(name: string, pool: string, uuid: string): boolean {
  const root = `${pool}/${uuid}`;
  return (
    name === root ||
    name.startsWith(`${root}/`) ||
    name.startsWith(`${root}-disk`) ||
    name === `${pool}/cores/${uuid}`
  );
}
