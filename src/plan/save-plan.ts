// The save planner: from an inventory of the host, decide which datasets to
// snapshot (one atomic `zfs snapshot`), which images to carry (base first) and
// which stream each dataset gets. Pure: no I/O.
import { PlanConflictError, NotFoundError, UsageError } from '../errors.js';
import { relativeToPool, splitSnapshotName } from '../model/names.js';
import { roleFits } from '../model/ownership.js';
import type { StreamSpec, ImageSpec } from '../archive/format.js';
import { imageManifestEntry } from '../archive/format.js';
import { PROP_NAME_RE, propValue } from '../archive/grammar.js';
import type { ZfsRow } from '../parse/zfs-list.js';
import { findRow, imageUuidOfOrigin, snapshotsOf, type ImageFacts, type SaveInventory } from './inventory.js';
import { zoneDatasets, zonePool, type ZoneDataset } from './zone-datasets.js';
import { zfs, zstd } from './argv.js';
import { pruneBatches, snapshotsToPrune } from './prune.js';
import type { Step } from './steps.js';

/** GUID placeholder for the snapshot that does not exist yet (dry run). */
export const PENDING_GUID = 'pending';

export interface SavePlan {
  pool: string;
  snapshotName: string;
  datasets: ZoneDataset[];
  /** One command: every dataset of the zone snapshotted atomically. */
  snapshotArgv: string[];
  images: ImageSpec[];
  /** Receive order: images base first, then the zone's datasets parents first. */
  streams: StreamSpec[];
  /** Plain-language decisions a user should see (e.g. "full stream: not a clone"). */
  notes: string[];
  /** The program: what --dry-run prints and what the executor runs. */
  steps: Step[];
  /** An incremental archive: the archive it continues. */
  base?: ChainBase;
}

/** What an incremental save continues (plan/chain.ts chooseBase): the base archive and where each dataset starts. */
export interface ChainBase {
  archive: string;
  createdAt: string;
  snapshotName: string;
  /** Full dataset name -> the base's snapshot it is sent -I from. */
  from: Readonly<Record<string, { snapshot: string; guid: string }>>;
  /** Archives in the chain up to the base, its full archive included. */
  links: number;
}

export interface SaveTarget {
  /** The archive's final path (written under a temporary name first), or '-': standard output. */
  path: string;
  /** zbak snapshots kept per dataset after the save, the new one included. */
  keep: number;
  /** A save to a named medium: hold the new snapshots as its chain end, release its previous end. */
  medium?: {
    tag: string;
    previousEnd?: { snapshot: string; datasets: readonly string[] };
  };
  /** Full snapshot names some medium's chain ends at (other than this save's medium): never pruned. */
  protect?: readonly string[];
  /** Compress the tar with zstd at this level (before encryption, when `encrypted`). */
  compress?: { level: number; encrypted?: boolean };
}

/** Brands whose dataset layout zbak knows (docs/SMARTOS.md "Datasets of a zone"). */
export const SUPPORTED_BRANDS = ['joyent', 'joyent-minimal', 'lx', 'kvm', 'bhyve'] as const;

export function planSave(inv: SaveInventory, snapshotName: string, target: SaveTarget = { path: '-', keep: 1 }, base?: ChainBase): SavePlan {
  if (!(SUPPORTED_BRANDS as readonly string[]).includes(inv.vm.brand)) {
    throw new UsageError(
      `zone ${inv.vm.uuid} has brand '${inv.vm.brand}', which zbak cannot save yet (supported: ${SUPPORTED_BRANDS.join(', ')})`,
    );
  }
  const pool = zonePool(inv.vm);
  const datasets = zoneDatasets(inv.vm, inv.rows);
  if (!datasets.some((d) => d.role === 'zoneroot')) {
    throw new NotFoundError(`zone ${inv.vm.uuid}: zoneroot dataset ${inv.vm.zfs_filesystem ?? `${pool}/${inv.vm.uuid}`} not found in zfs list`);
  }
  // The archive may only carry what restore will accept: the same ownership rule on both sides.
  for (const d of datasets) {
    if (!roleFits(d.role, relativeToPool(d.name), inv.vm.uuid)) {
      throw new UsageError(
        `zone ${inv.vm.uuid}: dataset ${d.name} (${d.role}) is outside the layout zbak can restore ` +
          `(<pool>/<uuid>, below it, <pool>/<uuid>-disk<N>, <pool>/cores/<uuid>); move it or save it with zfs send`,
      );
    }
  }
  const notes: string[] = [];
  // An incremental archive carries no images: its chain's full archive does.
  const images = base ? [] : planImages(inv, pool, datasets);
  const streams: StreamSpec[] = images.map((i) => i.stream);
  let n = streams.length;
  // Pruned after the commit (keep counts the new one): not worth a stream of their own.
  const pruned = new Set(snapshotsToPrune(inv.rows, datasets.map((d) => d.name), target.keep - 1).filter((x) => !(target.protect ?? []).includes(x)));
  for (const d of datasets) {
    const from = base?.from[d.name];
    const planned = from ? [incrementalFromBase(inv, d, snapshotName, from)] : planDatasetStreams(inv, pool, d, snapshotName, images, notes, pruned);
    if (base && !from) notes.push(`${d.name} is not in the base archive ${base.archive}: sent in full`);
    for (const s of planned) streams.push({ ...s, id: streamId(n++) });
  }
  if (base) notes.push(`incremental from ${base.archive} (@${base.snapshotName})`);
  const snapshotArgv = zfs.snapshot(datasets.map((d) => ({ dataset: d.name, snapshot: snapshotName })));
  const newSnaps = datasets.map((d) => `${d.name}@${snapshotName}`);
  const steps: Step[] = [
    {
      kind: 'snapshot',
      op: 'run',
      what: `snapshot every dataset of zone ${inv.vm.uuid} at once`,
      argv: snapshotArgv,
      undo: datasets.map((d): Step => ({
        kind: 'undo', op: 'run', what: `remove ${d.name}@${snapshotName}`, argv: zfs.destroySnapshot(d.name, snapshotName), tolerate: 'missing',
      })),
    },
    { kind: 'read-guids', op: 'read', what: 'the new snapshots\' GUIDs, for the header', argv: zfs.listGuids(newSnaps) },
    ...compressSteps(target),
    ...streams.map((s): Step => ({ kind: 'send', op: 'send', what: `send ${s.dataset} (${s.id} ${s.role} ${s.kind})`, argv: s.sendArgv, streamId: s.id })),
    {
      kind: 'publish',
      op: 'publish',
      // '-' is standard output (`save --to -`): nothing to name.
      what: target.path === '-' ? 'trailer and end of archive, then end the stream' : 'trailer, flush, then the final name',
      path: target.path,
    },
    { kind: 'commit', op: 'commit', what: 'the archive is complete; the snapshot stays' },
    ...mediumHoldSteps(target.medium, newSnaps),
    // No -R: a clone someone made from an old zbak snapshot keeps it alive (then that command's
    // snapshots are all kept, with a warning: zfs destroys a batch all or none).
    ...pruneBatches(inv.rows, datasets.map((d) => d.name), target.keep - 1, target.protect).map((b): Step => ({
      kind: 'prune',
      op: 'run',
      what: `prune the older ${b.names.join(', ')} of ${b.dataset}${b.recursive ? ' and the datasets below it' : ''}`,
      argv: zfs.destroySnapshots(b.dataset, b.names, b.recursive),
      warnOnly: true,
    })),
  ];
  return { pool, snapshotName, datasets, snapshotArgv, images: images.map((i) => i.spec), streams, notes, steps, ...(base ? { base } : {}) };
}

/** A dataset the base archive has: one -I stream from the base's snapshot (user snapshots in between ride along). */
function incrementalFromBase(inv: SaveInventory, d: ZoneDataset, snapshotName: string, from: { snapshot: string; guid: string }): UnnumberedStream {
  const newSnap = `${d.name}@${snapshotName}`;
  const newGuid = findRow(inv.rows, newSnap)?.guid ?? PENDING_GUID;
  const all = snapshotsOf(inv.rows, d.name).filter((s) => s.name !== newSnap);
  const at = all.findIndex((s) => s.name === `${d.name}@${from.snapshot}`);
  if (at < 0) throw new NotFoundError(`snapshot ${d.name}@${from.snapshot} of the base archive is gone; save a full archive`);
  const rel = relativeToPool(d.name);
  return {
    role: d.role,
    dataset: rel,
    kind: 'incremental',
    from: { dataset: rel, snapshot: from.snapshot, guid: from.guid },
    to: { snapshot: snapshotName, guid: newGuid },
    snapshots: [...all.slice(at + 1).map(toRef), { name: snapshotName, guid: newGuid }],
    withProperties: true,
    sendArgv: zfs.send({ snapshot: newSnap, props: true, from: { kind: '-I', snapshot: `@${from.snapshot}` } }),
    ...recordedProps(inv.props?.[d.name]),
  };
}

/**
 * A medium's chain end: the new snapshots are held with the medium's tag (so a save to another
 * disk cannot prune them), then its previous end is released (gone or released already: fine).
 * Warn-only: without the hold the next save to that disk is full, nothing is lost.
 */
/** The compress step (save --compress zstd[:N]): the compressor starts once the header can be written. */
function compressSteps(target: SaveTarget): Step[] {
  if (!target.compress) return [];
  const { level, encrypted } = target.compress;
  const dest = target.path === '-' ? 'standard output' : 'the archive file';
  return [{
    kind: 'compress',
    op: 'compress',
    what: `the archive's tar goes through zstd (level ${level})${encrypted ? ', then age encryption,' : ''} to ${dest}`,
    argv: zstd.compress(level),
  }];
}

function mediumHoldSteps(medium: SaveTarget['medium'], newSnaps: readonly string[]): Step[] {
  if (!medium) return [];
  const prev = medium.previousEnd;
  return [
    { kind: 'hold', op: 'run', what: `hold the new snapshots as this medium's chain end (${medium.tag})`, argv: zfs.holdAll(medium.tag, newSnaps), warnOnly: true },
    ...(prev ? prev.datasets.filter((ds) => !newSnaps.includes(`${ds}@${prev.snapshot}`)) : []).map(
      (ds): Step => ({
        kind: 'release',
        op: 'run',
        what: `release this medium's previous chain end ${ds}@${prev!.snapshot}`,
        argv: zfs.release(medium.tag, `${ds}@${prev!.snapshot}`),
        tolerate: 'noHold',
        warnOnly: true,
      }),
    ),
  ];
}

/** Stream ids count from s01, in receive order. */
export function streamId(n: number): string {
  return `s${String(n + 1).padStart(2, '0')}`;
}

interface PlannedImage {
  spec: ImageSpec;
  stream: StreamSpec;
}

/** Images the zone's datasets are cloned from, plus ancestors, base first. */
function planImages(inv: SaveInventory, pool: string, datasets: ZoneDataset[]): PlannedImage[] {
  const order: ImageFacts[] = [];
  const visit = (uuid: string, chain: string[]): void => {
    if (order.some((i) => i.uuid === uuid)) return;
    if (chain.includes(uuid)) throw new PlanConflictError(`image ${uuid}: origin chain loops (${chain.join(' -> ')})`);
    const facts = inv.images.find((i) => i.uuid === uuid);
    if (!facts) throw new NotFoundError(`image ${uuid} is not installed (imgadm get failed); the zone's clone origin cannot be saved`);
    const parent = facts.record.manifest.origin;
    if (parent) visit(parent, [...chain, uuid]);
    order.push(facts);
  };
  for (const d of datasets) {
    const img = imageUuidOfOrigin(d.origin, pool);
    if (img && inv.images.some((i) => i.uuid === img)) visit(img, []);
  }
  return order.map((facts, i) => {
    const ds = `${pool}/${facts.uuid}`;
    const final = findRow(inv.rows, `${ds}@final`);
    if (!final) throw new NotFoundError(`image ${facts.uuid}: snapshot ${ds}@final not found`);
    const m = facts.record.manifest;
    const parentFinal = m.origin ? findRow(inv.rows, `${pool}/${m.origin}@final`) : undefined;
    if (m.origin && !parentFinal) throw new NotFoundError(`image ${facts.uuid}: parent image snapshot ${pool}/${m.origin}@final not found`);
    const id = streamId(i);
    const from =
      m.origin && parentFinal ? { dataset: relativeToPool(`${pool}/${m.origin}`), snapshot: 'final', guid: parentFinal.guid } : undefined;
    const stream: StreamSpec = {
      id,
      role: 'image',
      dataset: relativeToPool(ds),
      kind: from ? 'incremental-from-origin' : 'full',
      ...(from ? { from, origin: from } : {}),
      to: { snapshot: 'final', guid: final.guid },
      snapshots: [{ name: 'final', guid: final.guid }],
      withProperties: false,
      sendArgv: zfs.send({ snapshot: `${ds}@final`, ...(from ? { from: { kind: '-i', snapshot: `${pool}/${m.origin}@final` } } : {}) }),
      imageUuid: facts.uuid,
    };
    const spec: ImageSpec = {
      uuid: facts.uuid,
      name: m.name,
      version: m.version,
      type: m.type,
      ...(m.origin ? { origin: m.origin } : {}),
      finalGuid: final.guid,
      streamId: id,
      manifestEntry: imageManifestEntry(facts.uuid),
    };
    return { spec, stream };
  });
}

type UnnumberedStream = Omit<StreamSpec, 'id'>;

/**
 * A clone of an image's @final: one `-I <image>@final` stream (keeps the clone
 * and every snapshot). Anything else: a full stream of its oldest snapshot,
 * then `-I oldest -> new` when there are more.
 */
function planDatasetStreams(
  inv: SaveInventory,
  pool: string,
  d: ZoneDataset,
  snapshotName: string,
  images: PlannedImage[],
  notes: string[],
  pruned: ReadonlySet<string>,
): UnnumberedStream[] {
  const rel = relativeToPool(d.name);
  const recorded = recordedProps(inv.props?.[d.name]);
  const newSnap = `${d.name}@${snapshotName}`;
  const newGuid = findRow(inv.rows, newSnap)?.guid ?? PENDING_GUID;
  const existing = snapshotsOf(inv.rows, d.name).filter((s) => s.name !== newSnap);
  const carried = [...existing.map(toRef), { name: snapshotName, guid: newGuid }];
  // A full stream may start after the oldest snapshots this save prunes (-I carries all between).
  const kept = existing.findIndex((s) => !pruned.has(s.name));
  const fromKept = [...(kept < 0 ? [] : existing.slice(kept)).map(toRef), { name: snapshotName, guid: newGuid }];
  const to = { snapshot: snapshotName, guid: newGuid };
  const imageUuid = imageUuidOfOrigin(d.origin, pool);
  const image = images.find((i) => i.spec.uuid === imageUuid);

  if (d.origin && image) {
    const from = { dataset: image.stream.dataset, snapshot: 'final', guid: image.spec.finalGuid };
    return [
      {
        role: d.role,
        dataset: rel,
        kind: 'incremental-from-origin',
        from,
        origin: from,
        to,
        snapshots: carried,
        withProperties: true,
        sendArgv: zfs.send({ snapshot: newSnap, props: true, from: { kind: '-I', snapshot: d.origin } }),
        ...recorded,
      },
    ];
  }
  if (d.origin) {
    notes.push(`${d.name} is a clone of ${d.origin}, which is not an installed image: saved as a full stream, restored as a plain dataset`);
  } else if (d.role === 'zoneroot') {
    notes.push(`${d.name} is not a clone of an image: saved as a full stream`);
  }
  const first = fromKept[0]!;
  const full: UnnumberedStream = {
    role: d.role,
    dataset: rel,
    kind: 'full',
    to: { snapshot: first.name, guid: first.guid },
    snapshots: [first],
    withProperties: true,
    sendArgv: zfs.send({ snapshot: `${d.name}@${first.name}`, props: true }),
    ...recorded,
  };
  if (fromKept.length === 1) return [full];
  return [
    full,
    {
      role: d.role,
      dataset: rel,
      kind: 'incremental',
      from: { dataset: rel, snapshot: first.name, guid: first.guid },
      to,
      snapshots: fromKept.slice(1),
      withProperties: true,
      sendArgv: zfs.send({ snapshot: newSnap, props: true, from: { kind: '-I', snapshot: `@${first.name}` } }),
      ...recorded,
    },
  ];
}

/**
 * The header's record of a dataset's properties: those the archive grammar can hold (a value
 * it cannot, e.g. with a tab, still rides in the stream, it is only not recorded).
 */
function recordedProps(props: Record<string, string> | undefined): { properties?: Record<string, string> } {
  if (props === undefined) return {};
  const out: Record<string, string> = {};
  // At most 512 (the header's limit): native properties sort before user ones (module:prop).
  const fit = Object.entries(props)
    .filter(([k, v]) => PROP_NAME_RE.test(k) && propValue.safeParse(v).success)
    .sort(([a], [b]) => Number(a.includes(':')) - Number(b.includes(':')) || (a < b ? -1 : 1))
    .slice(0, 512);
  for (const [k, v] of fit) out[k] = v;
  return { properties: out };
}

function toRef(r: ZfsRow): { name: string; guid: string } {
  return { name: splitSnapshotName(r.name)!.snapshot, guid: r.guid };
}

/** The plan's streams and images with the new snapshot's GUIDs filled in (from the read-guids step). */
export function withNewGuids(plan: SavePlan, guids: ReadonlyMap<string, string>): SavePlan {
  const fill = (dataset: string, ref: { guid: string }, name: string): string => {
    if (ref.guid !== PENDING_GUID || name !== plan.snapshotName) return ref.guid;
    const g = guids.get(`${plan.pool}/${dataset}@${name}`);
    if (g === undefined) throw new NotFoundError(`snapshot ${plan.pool}/${dataset}@${name} was not listed after it was taken`);
    return g;
  };
  const streams = plan.streams.map((s) => ({
    ...s,
    to: { ...s.to, guid: fill(s.dataset, s.to, s.to.snapshot) },
    snapshots: s.snapshots.map((x) => ({ ...x, guid: fill(s.dataset, x, x.name) })),
  }));
  return { ...plan, streams };
}
