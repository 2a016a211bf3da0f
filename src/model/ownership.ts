// The one ownership rule: which datasets belong to a zone, which are images,
// which snapshots are zbak's, and the names zbak itself works under. Save
// planning, the archive check, restore planning and undo all ask this module,
// so they cannot disagree (docs/SMARTOS.md "Datasets of a zone").

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
export const UUID_RE = new RegExp(`^${UUID}$`);
/** One dataset name component as ZFS allows it (no '@', '/', '#', no '.'/'..'). */
const COMPONENT_RE = /^[A-Za-z0-9_.:-]{1,255}$/;
/** A pool name: starts with a letter, no '/'; 'mirror', 'raidz'… are reserved by zpool. */
export const POOL_RE = /^[A-Za-z][A-Za-z0-9_.:-]{0,255}$/;
const RESERVED_POOLS = /^(mirror|raidz|draid|spare|log|c[0-9])/;

export type ZoneRole = 'zoneroot' | 'dataset' | 'disk' | 'cores';

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

export function isPoolName(s: string): boolean {
  return POOL_RE.test(s) && !RESERVED_POOLS.test(s);
}

/** A pool-relative dataset name: components separated by '/', none empty, '.' or '..'. */
export function isRelativeDatasetName(s: string): boolean {
  if (s.length === 0 || s.length > 255) return false;
  return s.split('/').every((c) => COMPONENT_RE.test(c) && c !== '.' && c !== '..');
}

/**
 * The role a pool-relative dataset has in zone `uuid`, or null when the zone does not own it:
 * `<uuid>` (zoneroot), `<uuid>/…` (delegated data and its children, bhyve disks),
 * `<uuid>-disk<N>` and below (kvm disks), `cores/<uuid>` (cores).
 */
export function zoneRoleOf(rel: string, uuid: string): ZoneRole | null {
  if (!isUuid(uuid) || !isRelativeDatasetName(rel)) return null;
  if (rel === uuid) return 'zoneroot';
  if (rel.startsWith(`${uuid}/`)) return 'dataset';
  const disk = new RegExp(`^${uuid}-disk[0-9]{1,3}(/.*)?$`);
  if (disk.test(rel)) return 'disk';
  if (rel === `cores/${uuid}`) return 'cores';
  return null;
}

export function ownedByZone(rel: string, uuid: string): boolean {
  return zoneRoleOf(rel, uuid) !== null;
}

/** Whether a role in an archive header may be received into `rel` (a bhyve disk lives below the zoneroot). */
export function roleFits(role: string, rel: string, uuid: string): boolean {
  const actual = zoneRoleOf(rel, uuid);
  if (actual === null) return false;
  if (role === actual) return true;
  return role === 'disk' && actual === 'dataset';
}

/** Top-level datasets of a zone, each destroyed or renamed with everything below it. */
export function zoneTops(uuid: string, rels: readonly string[]): string[] {
  return rels.filter((r) => ownedByZone(r, uuid) && !rels.some((p) => p !== r && r.startsWith(`${p}/`)));
}

/** `<pool>/<image uuid>`: an installed image; its `@final` is what zones are cloned from. */
export function imageDataset(pool: string, imageUuid: string): string {
  return `${pool}/${imageUuid}`;
}

export const IMAGE_SNAPSHOT = 'final';

/**
 * imgadm's database record of an image, `{manifest, zpool, source?}`: what `imgadm get` prints
 * when the dataset exists (docs/SMARTOS.md "Images"). Save reads it, an image install writes it.
 */
export function imgadmDbPath(pool: string, uuid: string): string {
  return `/var/imgadm/images/${pool}-${uuid}.json`;
}

/** zbak's snapshots are exactly zbak-YYYYMMDDTHHMMSSZ; anything else is the user's. */
export const ZBAK_SNAPSHOT_RE = /^zbak-[0-9]{8}T[0-9]{6}Z$/;

export function isZbakSnapshot(snapshotName: string): boolean {
  return ZBAK_SNAPSHOT_RE.test(snapshotName);
}

/**
 * The dataset a restore of zone `uuid` works under: streams are received below `new/`,
 * a replaced zone's datasets wait below `old/` until the new zone is complete.
 * Created and removed by that restore only.
 */
export function workDataset(pool: string, uuid: string): string {
  return `${pool}/zbak-${uuid}`;
}

/** zbak's hold on a medium's chain end (one tag per medium: `zbak-medium-<first 8 of its id>`). */
export const ZBAK_MEDIUM_TAG_RE = /^zbak-medium-[0-9a-f]{8}$/;
export const mediumHoldTag = (mediumId: string): string => `zbak-medium-${mediumId.slice(0, 8)}`;
export const isZbakMediumTag = (tag: string): boolean => ZBAK_MEDIUM_TAG_RE.test(tag);
