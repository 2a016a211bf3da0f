// Every zfs / vmadm / zonecfg argv zbak runs is built here, next to the stderr
// each command prints for an outcome zbak may tolerate. Builders check their
// arguments' grammar, so a hostile value can never become an option or a
// zonecfg subcommand even if a caller forgot to validate it.
import { ISO_UTC_RE, PROP_NAME_RE } from '../archive/grammar.js';
import { isUuid } from '../model/ownership.js';
import { ZFS_LIST_COLUMNS } from '../parse/zfs-list.js';

const DATASET_RE = /^[A-Za-z][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)*$/;
const SNAP_RE = /^[A-Za-z0-9_.:-]+$/;

function dataset(ds: string): string {
  if (!DATASET_RE.test(ds) || ds.split('/').some((c) => c === '.' || c === '..')) {
    throw new Error(`refusing to build a command for dataset name ${JSON.stringify(ds)}`);
  }
  return ds;
}

/** A snapshot's own name; never ',' or '%', which `zfs destroy` reads as list and range. */
function snapName(snap: string): string {
  if (!SNAP_RE.test(snap)) throw new Error(`refusing to build a command for snapshot name ${JSON.stringify(snap)}`);
  return snap;
}

function snapshot(ds: string, snap: string): string {
  return `${dataset(ds)}@${snapName(snap)}`;
}

function uuid(u: string): string {
  if (!isUuid(u)) throw new Error(`refusing to build a command for uuid ${JSON.stringify(u)}`);
  return u;
}

/** A property zbak may pass to `zfs receive -o`/`-x`: its name, and for -o a value of one printable line. */
function propName(name: string): string {
  if (!PROP_NAME_RE.test(name)) throw new Error(`refusing to build a command for property name ${JSON.stringify(name)}`);
  return name;
}

/** An absolute path whose components are dataset-name characters, none '.' or '..'. */
const SAFE_PATH_RE = /^(\/[A-Za-z0-9_.:+,=@-]+)+$/;

function propAssignment(name: string, value: string): string {
  propName(name);
  const ok =
    value.length <= 1024 &&
    !/[\p{Cc}\p{Cf}]/u.test(value) &&
    (name !== 'mountpoint' || value === 'none' || value === 'legacy' || (SAFE_PATH_RE.test(value) && !value.split('/').some((c) => c === '.' || c === '..')));
  if (!ok) throw new Error(`refusing to build a command for ${name}=${JSON.stringify(value)}`);
  return `${name}=${value}`;
}

/** What a receive sets (`-o`, local values) and excludes (`-x`, inherited) on the received dataset. */
export interface ReceiveProps {
  set?: Readonly<Record<string, string>>;
  exclude?: readonly string[];
}

/** stderr of outcomes that leave the host as the step wanted it. */
export const TOLERATE = {
  missing: /does not exist|could not find any snapshots|no such pool or dataset/,
  notMounted: /not currently mounted|not mounted|does not exist/,
  alreadyMounted: /already mounted|does not exist/,
  /** What `zfs receive` would not have mounted either: zoned, no mountpoint, canmount=off. */
  unmountable: /already mounted|does not exist|exported to a local zone|legacy mountpoint|no mountpoint set|'canmount' property is set to 'off'/,
  notRunning: /not 'running'|not running/,
  /** A hold already released, or its snapshot gone (a medium's earlier chain end). */
  noHold: /no such tag on this dataset|does not exist|could not find/,
} as const;

/** A user hold's tag: zbak's own are `zbak-medium-<8 hex>` and `do_not_destroy` (vmadm's). */
function holdTag(tag: string): string {
  if (!/^[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,255}$/.test(tag)) throw new Error(`refusing to build a command for hold tag ${JSON.stringify(tag)}`);
  return tag;
}

/**
 * Every `zfs send` zbak runs carries blocks as the pool stores them: -L large blocks whole,
 * -e embedded blocks as such, -c compressed blocks still compressed (docs/FORMAT.md "What the
 * receiving pool needs"). Always all three: a receive that once took -L refuses a later
 * incremental without it.
 */
export const SEND_FLAGS = ['-L', '-e', '-c'] as const;

/** One stream: a full one, `-i from` (one snapshot) or `-I from` (every snapshot between). */
export interface SendSpec {
  /** The snapshot sent: `<dataset>@<snapshot>`. */
  snapshot: string;
  /** -p: the dataset's properties ride in the stream. */
  props?: boolean;
  from?: { kind: '-i' | '-I'; snapshot: string };
}

/** `<dataset>@<snapshot>`, both parts checked. */
function fullSnapshot(full: string): string {
  const at = full.indexOf('@');
  if (at <= 0) throw new Error(`refusing to build a command for snapshot ${JSON.stringify(full)}`);
  return snapshot(full.slice(0, at), full.slice(at + 1));
}

/** An incremental source: a full snapshot name, or `@<snapshot>` of the sent dataset. */
function sendSource(from: string): string {
  return from.startsWith('@') && SNAP_RE.test(from.slice(1)) ? from : fullSnapshot(from);
}

export const zfs = {
  send: (s: SendSpec): string[] => [
    'zfs', 'send', ...SEND_FLAGS, ...(s.props ? ['-p'] : []),
    ...(s.from ? [s.from.kind, sendSource(s.from.snapshot)] : []),
    fullSnapshot(s.snapshot),
  ],
  snapshot: (names: readonly { dataset: string; snapshot: string }[]): string[] => [
    'zfs', 'snapshot', ...names.map((n) => snapshot(n.dataset, n.snapshot)),
  ],
  /**
   * Into a name nothing else uses; -u: a received mountpoint must not mount over the live zone's.
   * `rollback` (-F): zone streams, whose targets this restore has just destroyed or received
   * itself; between the substreams of one -I stream a zvol's device probe can count as a
   * change, which -F rolls back (kvm/bhyve disks failed without it). Never onto the host's own.
   */
  receive: (target: string, rollback = false, props: ReceiveProps = {}): string[] => [
    'zfs', 'receive', '-u', ...(rollback ? ['-F'] : []),
    ...Object.entries(props.set ?? {}).flatMap(([k, v]) => ['-o', propAssignment(k, v)]),
    ...(props.exclude ?? []).flatMap((k) => ['-x', propName(k)]),
    dataset(target),
  ],
  /** The properties set on each dataset itself (local or received): what `zfs send -p` carries. */
  getSetHere: (datasets: readonly string[]): string[] => [
    'zfs', 'get', '-H', '-p', '-o', 'name,property,value,source', '-s', 'local,received', 'all', ...datasets.map(dataset),
  ],
  rename: (from: string, to: string): string[] => ['zfs', 'rename', dataset(from), dataset(to)],
  /** -r: children and snapshots; never -R (a clone made from it keeps its origin alive). */
  destroyTree: (ds: string): string[] => ['zfs', 'destroy', '-r', dataset(ds)],
  /** Only an empty dataset: fails when anything is below it. */
  destroyOne: (ds: string): string[] => ['zfs', 'destroy', dataset(ds)],
  destroySnapshot: (ds: string, snap: string): string[] => ['zfs', 'destroy', snapshot(ds, snap)],
  /** Several snapshots of one dataset (`ds@a,b`), all or none; -r: those names below it too. */
  destroySnapshots: (ds: string, snaps: readonly string[], recursive: boolean): string[] => {
    if (snaps.length === 0) throw new Error(`refusing to build a destroy of no snapshots of ${JSON.stringify(ds)}`);
    return ['zfs', 'destroy', ...(recursive ? ['-r'] : []), `${dataset(ds)}@${snaps.map(snapName).join(',')}`];
  },
  /** A container that never mounts: children inherit nothing from it but the name. */
  createContainer: (ds: string): string[] => ['zfs', 'create', '-o', 'canmount=off', '-o', 'mountpoint=none', dataset(ds)],
  /** Only the `zoned` flag is ever set (around renames, see restore-plan's set-aside). */
  setZoned: (ds: string, on: boolean): string[] => ['zfs', 'set', `zoned=${on ? 'on' : 'off'}`, dataset(ds)],
  /** Back to the received (-S) or inherited value of `zoned`. */
  inheritZoned: (ds: string, received: boolean): string[] => ['zfs', 'inherit', ...(received ? ['-S'] : []), 'zoned', dataset(ds)],
  getZoned: (ds: string): string[] => ['zfs', 'get', '-H', '-p', '-r', '-o', 'name,property,value,source', 'zoned', dataset(ds)],
  mount: (ds: string): string[] => ['zfs', 'mount', dataset(ds)],
  umount: (ds: string): string[] => ['zfs', 'umount', dataset(ds)],
  hold: (tag: string, ds: string, snap: string): string[] => ['zfs', 'hold', holdTag(tag), snapshot(ds, snap)],
  /** One hold on several snapshots (a medium's chain end: every dataset of the zone). */
  holdAll: (tag: string, snapshots: readonly string[]): string[] => ['zfs', 'hold', holdTag(tag), ...snapshots.map(fullSnapshot)],
  release: (tag: string, full: string): string[] => ['zfs', 'release', holdTag(tag), fullSnapshot(full)],
  /** Every user hold on these snapshots (zfs holds takes snapshots, not datasets). */
  holds: (snapshots: readonly string[]): string[] => ['zfs', 'holds', '-H', ...snapshots.map(fullSnapshot)],
  listGuids: (snapshots: readonly string[]): string[] => [
    'zfs', 'list', '-H', '-p', '-t', 'snapshot', '-o', 'name,guid',
    ...snapshots.map((full) => fullSnapshot(full)),
  ],
  /** Each of these datasets with everything below it and their snapshots (inventory columns). */
  listTrees: (names: readonly string[]): string[] => [
    'zfs', 'list', '-H', '-p', '-t', 'all', '-o', ZFS_LIST_COLUMNS.join(','), '-r', ...names.map(dataset),
  ],
  listSnapshots: (ds: string): string[] => ['zfs', 'list', '-H', '-p', '-t', 'snapshot', '-o', 'name,guid', '-r', dataset(ds)],
};

export const vmadm = {
  create: (): string[] => ['vmadm', 'create'],
  stop: (u: string): string[] => ['vmadm', 'stop', uuid(u), '-F'],
  start: (u: string): string[] => ['vmadm', 'start', uuid(u)],
  delete: (u: string): string[] => ['vmadm', 'delete', uuid(u)],
  autoboot: (u: string, on: boolean): string[] => ['vmadm', 'update', uuid(u), `autoboot=${on}`],
  setFlag: (u: string, flag: 'indestructible_zoneroot' | 'indestructible_delegated'): string[] => [
    'vmadm', 'update', uuid(u), `${flag}=true`,
  ],
};

export const zonecfg = {
  createTimestamp: (u: string, iso: string): string[] => {
    // zonecfg reads its last argument as a script (';' separates subcommands): only strict ISO time passes.
    if (!ISO_UTC_RE.test(iso) || Number.isNaN(Date.parse(iso))) throw new Error(`refusing to pass create-timestamp ${JSON.stringify(iso)} to zonecfg`);
    return ['zonecfg', '-z', uuid(u), `select attr name=create-timestamp; set value=${iso}; end`];
  },
};

export function isIsoUtc(s: string): boolean {
  return ISO_UTC_RE.test(s) && !Number.isNaN(Date.parse(s));
}

/** Compression levels `save --compress zstd:N` takes (20–22 would need zstd's --ultra and much memory). */
export const ZSTD_LEVELS = { min: 1, max: 19, default: 3 } as const;

/** The level of `zstd` (the default) or `zstd:N` (save --compress, a job's compress:); undefined for anything else. */
export function zstdLevelOf(text: string): number | undefined {
  const m = /^zstd(?::(\d{1,2}))?$/.exec(text);
  const level = m ? Number(m[1] ?? ZSTD_LEVELS.default) : NaN;
  return level >= ZSTD_LEVELS.min && level <= ZSTD_LEVELS.max ? level : undefined;
}

/**
 * Window memory a decompressor may use (zstd refuses a frame that asks for more). zbak's own
 * levels use at most 8 MiB; 64 MiB also opens an archive compressed by hand up to --long=26.
 */
export const ZSTD_MEMORY_LIMIT = '64MB';

/** The `zstd` command (docs/FORMAT.md "Layers"): standard input to standard output, nothing else. */
export const zstd = {
  /** Whether zstd is installed (asked before a compressed save takes its snapshot). */
  version: (): string[] => ['zstd', '-V'],
  compress: (level: number): string[] => {
    if (!Number.isInteger(level) || level < ZSTD_LEVELS.min || level > ZSTD_LEVELS.max) throw new Error(`refusing to build a zstd command for level ${JSON.stringify(level)}`);
    return ['zstd', `-${level}`, '-q', '-c'];
  },
  decompress: (): string[] => ['zstd', '-d', '-q', '-c', `--memory=${ZSTD_MEMORY_LIMIT}`],
};
