// The restore planner: from a verified archive and the target host's state,
// the exact steps of the restore, or a refusal before anything changes. Pure.
//
// Shape of every restore (docs/ARCHITECTURE.md "Restore"):
//   images (received as <uuid>-partial, @final GUID checked, renamed in) → with
//   --force, the old zone is stopped, its datasets unmounted and renamed aside below
//   <pool>/zbak-<uuid>/old and its configuration deleted → vmadm create → the fresh
//   datasets destroyed → every zone stream received (-u -F) into the zone's own
//   names (staging below zbak-<uuid> and renaming in was dropped: OpenZFS refuses
//   to rename a dataset whose zoned child has an inherited mountpoint) → mounts,
//   create-timestamp, start, autoboot → commit → the old zone's datasets destroyed.
//   Any failure before the commit runs the undo steps of what was done, newest
//   first, so the old zone comes back.
import type { Header, ImageSpec, StreamSpec } from '../archive/format.js';
import { NotFoundError, PlanConflictError, UsageError } from '../errors.js';
import type { SnapshotHold } from '../parse/zfs-holds.js';
import { imageDataset, IMAGE_SNAPSHOT, imgadmDbPath, isZbakMediumTag, isPoolName, roleFits, workDataset, zoneRoleOf, zoneTops } from '../model/ownership.js';
import { compareNames, relativeToPool } from '../model/names.js';
import { parseImgadmGet } from '../parse/imgadm.js';
import type { Vm } from '../parse/vmadm.js';
import type { ZfsRow } from '../parse/zfs-list.js';
import { vmadm, zfs, zonecfg, isIsoUtc } from './argv.js';
import { buildCreatePayload } from './create-payload.js';
import { copyReceiveProps } from './copy-rewrite.js';
import { findRow } from './inventory.js';
import { checkSpace, spaceNeeded, type SpaceNeed } from './space.js';
import type { Step } from './steps.js';

export const DEFAULT_POOL = 'zones';

export interface RestoreTarget {
  /** Every VM on the target host (`vmadm lookup -j`, full JSON). */
  vms: Vm[];
  /** `zfs list -t all -r <pool>` on the target host. */
  rows: ZfsRow[];
  /** The pool's `available` bytes (undefined: not known, space is not checked). */
  poolAvailable?: number;
  /** `zoned` of the existing zone's datasets (`zfs get -r zoned <pool>/<uuid>`), for --force. */
  zoned?: ZonedRow[];
  /** User holds on the existing zone's snapshots (`zfs holds -r`), for --force. */
  holds?: SnapshotHold[];
}

export interface ZonedRow {
  name: string;
  value: string;
  /** zfs's source column: local, received, inherited from …, default. */
  source: string;
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
  /** The pool to restore into (default zones); never taken from the archive. */
  pool?: string;
  /** Restore properties with global-zone reach (plan/global-reach.ts); default: withheld. */
  allowGlobalReach?: boolean;
}

export interface ImagePlan {
  image: ImageSpec;
  action: 'present' | 'install';
  dataset: string;
}

export interface RestorePlan {
  uuid: string;
  alias?: string;
  pool: string;
  /** With --force: the zone that is replaced, and its datasets (kept aside until the new zone is complete). */
  replaces?: { uuid: string; alias?: string; datasets: string[] };
  images: ImagePlan[];
  payloadChanges: string[];
  /** Global-reach properties withheld from / kept in the payload (plan/global-reach.ts). */
  globalReach: { withheld: string[]; allowed: string[] };
  start: boolean;
  /** The space check that passed (absent when the archive or the host gave no figures). */
  space?: SpaceNeed;
  /** The program: what --dry-run prints and what the executor runs. */
  steps: Step[];
}

export function planRestore(
  header: Header,
  vmJson: Record<string, unknown>,
  target: RestoreTarget,
  opts: RestoreOptions,
  /** Raw `imgadm get` records from the archive, by image uuid. */
  imageManifests: ReadonlyMap<string, string> = new Map(),
): RestorePlan {
  const pool = opts.pool ?? DEFAULT_POOL;
  if (!isPoolName(pool)) throw new UsageError(`--pool '${pool}' is not a pool name`);
  const savedUuid = header.zone.uuid;
  const uuid = opts.newUuid ?? savedUuid;
  const copy = uuid !== savedUuid;
  const work = workDataset(pool, uuid);
  const rel = (r: ZfsRow): string | undefined => (r.name.startsWith(`${pool}/`) ? r.name.slice(pool.length + 1) : undefined);

  // Every zone stream must name one of the saved zone's datasets, in a role that fits the name.
  const zoneStreams = header.streams.filter((s) => s.role !== 'image');
  for (const s of zoneStreams) {
    if (!roleFits(s.role, s.dataset, savedUuid)) {
      throw new PlanConflictError(`stream ${s.id}: ${s.dataset} (role ${s.role}) is not a dataset of zone ${savedUuid}; the archive is not restorable`);
    }
  }
  // A copy renames exactly the owning uuid in each name, nothing else.
  const targetRel = (d: string): string => {
    if (!copy) return d;
    return d.startsWith('cores/') ? `cores/${uuid}` : `${uuid}${d.slice(savedUuid.length)}`;
  };

  const existing = target.vms.find((v) => v.uuid === uuid);
  const hostOwned = target.rows.filter((r) => r.type !== 'snapshot' && rel(r) !== undefined && zoneRoleOf(rel(r)!, uuid) !== null);
  if (findRow(target.rows, work)) {
    throw new PlanConflictError(
      `${work} exists, but no interrupted zbak restore of ${uuid} is recorded; inspect it (zfs list -r ${work}) and remove it with 'zfs destroy -r ${work}' if it is not needed`,
    );
  }
  let replaces: RestorePlan['replaces'];
  if (existing) {
    const flags = (['indestructible_zoneroot', 'indestructible_delegated'] as const).filter((f) => existing[f] === true);
    if (!opts.force) {
      throw new PlanConflictError(
        `zone ${uuid}${existing.alias ? ` (${existing.alias})` : ''} already exists on this host; delete it first or use --force to replace it`,
      );
    }
    if (flags.length > 0) {
      throw new PlanConflictError(
        `zone ${uuid} has ${flags.join(' and ')} set, so it cannot be replaced; ` +
          `clear it first (vmadm update ${uuid} ${flags.map((f) => `${f}=false`).join(' ')}) and retry`,
      );
    }
    // Its datasets are destroyed after the commit: a hold would stop that half-way. zbak's own
    // (a medium's chain end) are released first and held again on undo; anyone else's refuse.
    const foreign = (target.holds ?? []).find((h) => !isZbakMediumTag(h.tag));
    if (foreign) {
      throw new PlanConflictError(
        `snapshot ${foreign.snapshot} of zone ${uuid} has a hold '${foreign.tag}' that is not zbak's; release it (zfs release ${foreign.tag} ${foreign.snapshot}) or keep the zone`,
      );
    }
    replaces = { uuid, ...(existing.alias !== undefined ? { alias: existing.alias } : {}), datasets: hostOwned.map((r) => r.name) };
  } else if (hostOwned.length > 0) {
    throw new PlanConflictError(
      `dataset ${hostOwned[0]!.name} exists but no zone ${uuid} is configured; rename or destroy it first (zbak will not overwrite it)`,
    );
  }

  const images = header.images.map((image) => imagePlan(image, pool, target.rows));
  checkCreateImages(vmJson, header, pool, target.rows);
  const space = planSpace(header, images, target, pool, `zone ${uuid}`);

  const { payload, changes, withheld, allowed } = buildCreatePayload(vmJson, { uuid, autoboot: false, allowGlobalReach: opts.allowGlobalReach ?? false });
  payload.zpool = pool;
  const alias = copy ? (opts.alias ?? `${header.zone.alias ?? savedUuid.slice(0, 8)}-copy`) : (opts.alias ?? header.zone.alias);
  if (alias !== undefined) payload.alias = alias;
  if (copy) changes.push(...asCopy(payload, opts.keepIps ?? false, savedUuid, uuid, pool, targetRel));
  const start = opts.start ?? header.zone.state === 'running';

  const steps: Step[] = [];
  for (const img of images) steps.push(...imageSteps(img, pool, imageManifests.get(img.image.uuid)));

  const rels = [...new Set(zoneStreams.map((s) => targetRel(s.dataset)))];
  const tops = zoneTops(uuid, rels);
  const final = (r: string): string => `${pool}/${r}`;
  const cores = final(`cores/${uuid}`);

  // --force: the old zone is put aside (kept whole below the work dataset) before anything
  // of the new one exists; every later failure brings it back.
  if (replaces && existing) {
    const oldTops = zoneTops(uuid, replaces.datasets.map(relativeToPool));
    const containers = [work, `${work}/old`, ...(oldTops.some((r) => r.startsWith('cores/')) ? [`${work}/old/cores`] : [])];
    for (const c of containers) {
      steps.push({ kind: 'make-work', op: 'run', what: `work dataset ${c}`, argv: zfs.createContainer(c), undo: [destroyWork(c)] });
    }
    for (const h of target.holds ?? []) {
      const at = h.snapshot.indexOf('@');
      steps.push({
        kind: 'release',
        op: 'run',
        what: `release ${h.tag} on ${h.snapshot} (a medium's chain end; the old zone goes after the commit)`,
        argv: zfs.release(h.tag, h.snapshot),
        undo: [{ kind: 'undo', op: 'run', what: `hold ${h.snapshot} for its medium again`, argv: zfs.hold(h.tag, h.snapshot.slice(0, at), h.snapshot.slice(at + 1)) }],
      });
    }
    steps.push(...setAsideSteps(existing, pool, uuid, work, oldTops, hostOwned, target.zoned ?? []));
  }

  steps.push(
    {
      kind: 'create-zone',
      op: 'run',
      what: `create zone ${uuid} (vmadm create, autoboot=false)`,
      argv: vmadm.create(),
      input: `${JSON.stringify(payload)}\n`,
      // vmadm delete takes the received datasets with it: they are the zone's.
      undo: [{ kind: 'undo', op: 'run', what: `delete the new zone ${uuid}`, argv: vmadm.delete(uuid) }],
    },
    { kind: 'stop', op: 'run', what: `keep the new zone stopped while its datasets are replaced`, argv: vmadm.stop(uuid), tolerate: 'notRunning' },
    { kind: 'destroy-fresh', op: 'run', what: `unmount the fresh cores dataset`, argv: zfs.umount(cores), tolerate: 'notMounted' },
  );
  const ordered = [...tops.filter((t) => !t.startsWith('cores/')), ...tops.filter((t) => t.startsWith('cores/'))];
  for (const t of ordered) {
    steps.push({ kind: 'destroy-fresh', op: 'run', what: `destroy the fresh ${final(t)} vmadm created`, argv: zfs.destroyTree(final(t)), tolerate: 'missing' });
  }
  // Unmounted (-u) until every stream is in: a received mountpoint must not mount over anything.
  // A copy: what the stream would set that names the original uuid is set with the copy's (-o/-x).
  for (const s of zoneStreams) {
    const rewrite = copy ? copyReceiveProps(s, savedUuid, uuid, pool) : { props: {}, changes: [] };
    steps.push({
      kind: 'receive',
      op: 'receive',
      what:
        `receive ${s.id} (${s.role} ${s.kind}, ${s.snapshots.length} snapshots) into ${final(targetRel(s.dataset))}` +
        (rewrite.changes.length > 0 ? `; copy: ${rewrite.changes.join('; ')}` : ''),
      argv: zfs.receive(final(targetRel(s.dataset)), true, rewrite.props),
      streamId: s.id,
    });
  }
  steps.push({ kind: 'archive-checked', op: 'archive-end', what: 'every archive byte read and matched against its checksum' });
  // Every received filesystem, parents first, as a receive into its place would have mounted it
  // (zoned delegated datasets stay for the zone to mount), and cores even when vmadm made it.
  const filesystems = [...new Set([...zoneStreams.filter((s) => s.role !== 'disk').map((s) => final(targetRel(s.dataset))), cores])].sort(
    (a, b) => (a === cores ? 1 : b === cores ? -1 : compareNames(a, b)),
  );
  for (const ds of filesystems) {
    // Undone by unmounting, or the move back of a mounted dataset fails.
    const unmount: Step = { kind: 'undo', op: 'run', what: `unmount ${ds}`, argv: zfs.umount(ds), tolerate: 'notMounted' };
    steps.push({ kind: 'mount', op: 'run', what: `mount ${ds}`, argv: zfs.mount(ds), tolerate: 'unmountable', undo: [unmount] });
  }
  // A copy is a new zone: it keeps the create_timestamp vmadm gives it.
  const ts = header.zone.createTimestamp;
  if (ts !== undefined && !copy && isIsoUtc(ts)) {
    steps.push({ kind: 'set-timestamp', op: 'run', what: `restore create_timestamp ${ts}`, argv: zonecfg.createTimestamp(uuid, ts) });
  }
  // Undo stops it first: a running zone's datasets cannot be moved back nor the zone deleted.
  const stopAgain: Step = { kind: 'undo', op: 'run', what: `stop the new zone ${uuid}`, argv: vmadm.stop(uuid), tolerate: 'notRunning' };
  if (start) steps.push({ kind: 'start', op: 'run', what: `start zone ${uuid}`, argv: vmadm.start(uuid), undo: [stopAgain] });
  // After the start: on SmartOS `vmadm start` sets autoboot=true itself, and the zone was created
  // with autoboot=false and stopped (which clears it too): a vmadm update only when that differs.
  if (header.zone.autoboot !== start) {
    steps.push({ kind: 'autoboot', op: 'run', what: `autoboot=${header.zone.autoboot} as saved`, argv: vmadm.autoboot(uuid, header.zone.autoboot) });
  }
  steps.push({ kind: 'commit', op: 'commit', what: `zone ${uuid} is complete; from here nothing is undone` });

  // After the commit: holds (a held zone cannot be undone) and the old zone's datasets.
  for (const [flag, ds] of [
    ['indestructible_zoneroot', final(uuid)],
    ['indestructible_delegated', `${final(uuid)}/data`],
  ] as const) {
    if (vmJson[flag] !== true) continue;
    const received = zoneStreams.some((s) => final(targetRel(s.dataset)) === ds && s.snapshots.some((x) => x.name === 'indestructible'));
    steps.push(
      received
        ? { kind: 'protect', op: 'run', what: `restore ${flag} (hold the received @indestructible)`, argv: zfs.hold('do_not_destroy', ds, 'indestructible') }
        : { kind: 'protect', op: 'run', what: `restore ${flag}`, argv: vmadm.setFlag(uuid, flag) },
    );
  }
  if (replaces) {
    steps.push({ kind: 'clean-up', op: 'run', what: `destroy the replaced zone's datasets (kept in ${work} until now)`, argv: zfs.destroyTree(work) });
  }

  return {
    uuid,
    ...(alias !== undefined ? { alias } : {}),
    pool,
    ...(replaces ? { replaces } : {}),
    images,
    payloadChanges: changes,
    start,
    globalReach: { withheld, allowed },
    ...(space ? { space } : {}),
    steps,
  };
}

/** Undo of a work container: it must be empty by then (the old zone's datasets moved back), so never -r. */
function destroyWork(container: string): Step {
  return { kind: 'undo', op: 'run', what: `remove ${container}`, argv: zfs.destroyOne(container), tolerate: 'missing' };
}

/**
 * --force: stop the old zone, unmount and rename its datasets aside, delete its
 * configuration. Undo re-creates it from its own `vmadm get` JSON and moves the
 * datasets back, so it returns byte for byte.
 */
function setAsideSteps(old: Vm, pool: string, uuid: string, work: string, oldTops: string[], oldRows: ZfsRow[], zoned: ZonedRow[]): Step[] {
  const steps: Step[] = [];
  const running = (old.state ?? old.zone_state) === 'running';
  const ts = old.create_timestamp;
  // Undone last: the old zone is whole again, then started and given back its settings
  // (on SmartOS `vmadm stop` clears autoboot and `vmadm start` sets it).
  const restoreState: Step[] = [
    ...(running ? [{ kind: 'undo', op: 'run', what: `start the old zone ${uuid} again`, argv: vmadm.start(uuid) } as Step] : []),
    ...(typeof old.autoboot === 'boolean' ? [{ kind: 'undo', op: 'run', what: `autoboot as before`, argv: vmadm.autoboot(uuid, old.autoboot) } as Step] : []),
    ...(ts !== undefined && isIsoUtc(ts) ? [{ kind: 'undo', op: 'run', what: `create_timestamp as before`, argv: zonecfg.createTimestamp(uuid, ts) } as Step] : []),
  ];
  steps.push({
    kind: 'stop-old',
    op: 'run',
    what: `stop the zone being replaced`,
    argv: vmadm.stop(uuid),
    tolerate: 'notRunning',
    ...(restoreState.length > 0 ? { undo: restoreState } : {}),
  });
  // Cores first: it is mounted inside the zoneroot.
  const ordered = [...oldTops.filter((t) => t.startsWith('cores/')), ...oldTops.filter((t) => !t.startsWith('cores/'))];
  for (const t of ordered) {
    const live = `${pool}/${t}`;
    const aside = `${work}/old/${t}`;
    steps.push({ kind: 'set-aside', op: 'run', what: `unmount ${live}`, argv: zfs.umount(live), tolerate: 'notMounted' });
    // ZFS refuses to rename a dataset with a zoned child whose mountpoint is inherited
    // ("child dataset with inherited mountpoint is used in a non-global zone"): the flag is
    // cleared for the move and put back as it was (local, or received) by the undo.
    for (const z of zoned.filter((r) => r.value === 'on' && r.name.startsWith(`${live}/`) && (r.source === 'local' || r.source === 'received'))) {
      const back = z.source === 'local' ? zfs.setZoned(z.name, true) : zfs.inheritZoned(z.name, true);
      steps.push({
        kind: 'set-aside',
        op: 'run',
        what: `clear zoned on ${z.name} for the move`,
        argv: zfs.setZoned(z.name, false),
        undo: [{ kind: 'undo', op: 'run', what: `zoned on ${z.name} as it was`, argv: back }],
      });
    }
    steps.push({
      kind: 'set-aside',
      op: 'run',
      what: `keep the old ${t} aside as ${aside}`,
      argv: zfs.rename(live, aside),
      undo: [
        { kind: 'undo', op: 'run', what: `move the old ${t} back`, argv: zfs.rename(aside, live) },
        // Its filesystems mounted again as they were (parents first; zoned ones stay with the zone).
        ...oldRows
          .filter((r) => r.type === 'filesystem' && (r.name === live || r.name.startsWith(`${live}/`)))
          .filter((r) => !zoned.some((z) => z.name === r.name && z.value === 'on'))
          .map((r) => r.name)
          .sort()
          .map((ds): Step => ({ kind: 'undo', op: 'run', what: `mount ${ds}`, argv: zfs.mount(ds), tolerate: 'unmountable' })),
      ],
    });
  }
  // The host's own zone: its configuration comes back whole, global-zone reach included.
  const { payload } = buildCreatePayload(old as Record<string, unknown>, { uuid, autoboot: false, allowGlobalReach: true });
  const cores = `${pool}/cores/${uuid}`;
  const recreate: Step[] = [
    { kind: 'undo', op: 'run', what: `re-create the old zone ${uuid} from its configuration`, argv: vmadm.create(), input: `${JSON.stringify(payload)}\n` },
    { kind: 'undo', op: 'run', what: `stop it`, argv: vmadm.stop(uuid), tolerate: 'notRunning' },
    { kind: 'undo', op: 'run', what: `unmount its fresh cores`, argv: zfs.umount(cores), tolerate: 'notMounted' },
    ...[...ordered].reverse().map(
      (t): Step => ({ kind: 'undo', op: 'run', what: `destroy the fresh ${pool}/${t}`, argv: zfs.destroyTree(`${pool}/${t}`), tolerate: 'missing' }),
    ),
  ];
  steps.push({ kind: 'delete-old', op: 'run', what: `delete the old zone's configuration (its datasets are aside)`, argv: vmadm.delete(uuid), undo: recreate });
  return steps;
}

function imageSteps(img: ImagePlan, pool: string, rawRecord: string | undefined): Step[] {
  const { image, dataset } = img;
  const label = `image ${image.uuid} (${image.name}@${image.version})`;
  if (img.action === 'present') {
    return [{ kind: 'skip-image', op: 'drain', what: `${label} is installed with the same @final GUID: stream read, not received`, streamId: image.streamId }];
  }
  const partial = `${dataset}-partial`;
  if (rawRecord === undefined) throw new PlanConflictError(`${label}: the archive has no manifest for it`);
  const record = { ...parseImgadmGet(rawRecord), zpool: pool };
  return [
    {
      kind: 'install-image',
      op: 'write-file',
      what: `install ${label}: manifest into the imgadm database`,
      path: imgadmDbPath(pool, image.uuid),
      content: `${JSON.stringify(record, null, 2)}\n`,
    },
    {
      kind: 'install-image',
      op: 'receive',
      what: `install ${label}: receive into ${partial}`,
      argv: zfs.receive(partial),
      streamId: image.streamId,
      undo: [{ kind: 'undo', op: 'run', what: `remove ${partial}`, argv: zfs.destroyTree(partial), tolerate: 'missing' }],
    },
    {
      kind: 'check-image',
      op: 'expect-snapshots',
      what: `${label}: exactly ${partial}@final with GUID ${image.finalGuid} arrived`,
      argv: zfs.listSnapshots(partial),
      expected: [{ name: `${partial}@${IMAGE_SNAPSHOT}`, guid: image.finalGuid }],
    },
    {
      kind: 'install-image',
      op: 'run',
      what: `install ${label}: rename ${partial} to ${dataset}`,
      argv: zfs.rename(partial, dataset),
      undo: [{ kind: 'undo', op: 'run', what: `remove ${label}`, argv: zfs.destroyTree(dataset), tolerate: 'missing' }],
    },
  ];
}

/** What the received datasets and installed images will take against what the pool has; refuses if short. */
function planSpace(header: Header, images: ImagePlan[], target: RestoreTarget, pool: string, what: string): SpaceNeed | undefined {
  const installed = new Set(images.filter((i) => i.action === 'install').map((i) => i.image.streamId));
  const received = header.streams.filter((s) => s.role !== 'image' || installed.has(s.id)).map((s) => s.dataset);
  const needed = spaceNeeded(header.space, received);
  if (needed === undefined || target.poolAvailable === undefined) return undefined;
  // A replaced zone is kept until the new one is complete, so it frees nothing in time.
  const need = { needed, available: target.poolAvailable, freed: 0 };
  checkSpace(need, pool, what, header.source.hostname);
  return need;
}

/**
 * `vmadm create` needs every image the payload names (zone image, disk images)
 * installed; each must be on the host already or come from the archive.
 */
function checkCreateImages(vmJson: Record<string, unknown>, header: Header, pool: string, rows: ZfsRow[]): void {
  const disks = Array.isArray(vmJson.disks) ? (vmJson.disks as Array<Record<string, unknown>>) : [];
  const wanted = [vmJson.image_uuid, ...disks.map((d) => d?.image_uuid)].filter((u): u is string => typeof u === 'string');
  for (const uuid of new Set(wanted)) {
    if (header.images.some((i) => i.uuid === uuid) || findRow(rows, `${imageDataset(pool, uuid)}@${IMAGE_SNAPSHOT}`)) continue;
    throw new NotFoundError(
      `image ${uuid}, which vmadm create needs for this zone, is neither installed on this host nor in the archive ` +
        `(the zone's datasets are not clones of it); install it first (imgadm import ${uuid}) and retry`,
    );
  }
}

/**
 * A copy gets fresh MACs from vmadm, and DHCP unless the user keeps the IPs. What vmadm derives
 * from the uuid follows the new one: a hostname that is the original uuid (vmadm's default) and
 * the zvol path of a `nocreate` disk of the original's (other disks' paths are dropped already).
 */
function asCopy(
  payload: Record<string, unknown>,
  keepIps: boolean,
  from: string,
  to: string,
  pool: string,
  targetRel: (rel: string) => string,
): string[] {
  const changes = ['copy: new uuid, new MAC addresses'];
  if (payload.hostname === from) {
    payload.hostname = to;
    changes.push('copy: hostname (the original uuid) -> the new uuid');
  }
  if (Array.isArray(payload.disks)) {
    payload.disks = payload.disks.map((raw, i) => {
      const disk = { ...(raw as Record<string, unknown>) };
      const path = disk.path;
      const prefix = '/dev/zvol/rdsk/';
      if (typeof path !== 'string' || !path.startsWith(prefix)) return disk;
      const name = path.slice(prefix.length);
      const slash = name.indexOf('/');
      const rel = name.slice(slash + 1);
      // Verify allows only the zone's own zvols here; anything else is left for vmadm to refuse.
      if (slash < 0 || zoneRoleOf(rel, from) === null) return disk;
      disk.path = `${prefix}${pool}/${targetRel(rel)}`;
      changes.push(`copy: disks.${i}.path -> ${String(disk.path)}`);
      return disk;
    });
  }
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

function imagePlan(image: ImageSpec, pool: string, rows: ZfsRow[]): ImagePlan {
  const dataset = imageDataset(pool, image.uuid);
  const label = `image ${image.uuid} (${image.name}@${image.version})`;
  const final = findRow(rows, `${dataset}@${IMAGE_SNAPSHOT}`);
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

export type { StreamSpec };
