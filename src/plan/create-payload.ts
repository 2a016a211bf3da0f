// Turns saved `vmadm get` JSON into a payload `vmadm create` accepts
// (docs/SMARTOS.md "Feeding vmadm get output": read-only fields are dropped, `datasets` becomes
// `delegate_dataset`, disk paths/sizes of image disks go), withholding the
// properties that reach into the global zone unless asked (global-reach.ts). Pure.
import { findGlobalReach } from './global-reach.js';

/** Fields `vmadm get` prints that `vmadm create` rejects or ignores. */
const DROP_TOP = [
  'zone_state', 'zoneid', 'zonedid', 'pid', 'hvm', 'state', 'type', 'last_modified',
  'boot_timestamp', 'exit_status', 'exit_timestamp', 'server_uuid', 'datacenter_name',
  'platform_buildstamp', 'headnode_id', 'zonepath', 'snapshots', 'free_space',
  'zfs_filesystem', 'datasets', 'create_timestamp', 'v', 'zonename',
  // Restored after the datasets are back, or the clone could not be replaced.
  'indestructible_zoneroot', 'indestructible_delegated',
] as const;

export interface CreatePayloadResult {
  payload: Record<string, unknown>;
  /** What was removed or changed, for the plan printout. */
  changes: string[];
  /** Global-reach properties left out of the payload (without allowGlobalReach). */
  withheld: string[];
  /** Global-reach properties kept because the operator asked (allowGlobalReach). */
  allowed: string[];
}

export interface CreatePayloadOptions {
  uuid: string;
  autoboot: boolean;
  /** Keep filesystems, fs_allowed, added privileges, spoofing nic flags... (--allow-global-reach). */
  allowGlobalReach?: boolean;
}

export function buildCreatePayload(vm: Record<string, unknown>, opts: CreatePayloadOptions): CreatePayloadResult {
  const payload: Record<string, unknown> = structuredClone(vm);
  const changes: string[] = [];
  for (const key of DROP_TOP) {
    if (key in payload) {
      delete payload[key];
      changes.push(`drop ${key}`);
    }
  }
  if (payload.cpu_cap === null) {
    delete payload.cpu_cap;
    changes.push('drop null cpu_cap');
  }
  const datasets = vm.datasets;
  if (Array.isArray(datasets) && datasets.length > 0) {
    payload.delegate_dataset = true;
    changes.push('datasets -> delegate_dataset: true');
  }
  if (Array.isArray(payload.disks)) {
    payload.disks = payload.disks.map((raw, i) => sanitizeDisk(raw as Record<string, unknown>, i, changes));
  }
  const reach = findGlobalReach(vm);
  if (!opts.allowGlobalReach) reach.strip(payload);
  payload.uuid = opts.uuid;
  payload.autoboot = opts.autoboot;
  return opts.allowGlobalReach
    ? { payload, changes, withheld: [], allowed: reach.found }
    : { payload, changes, withheld: reach.found, allowed: [] };
}

function sanitizeDisk(disk: Record<string, unknown>, i: number, changes: string[]): Record<string, unknown> {
  const d = { ...disk };
  const drop = (k: string, why: string): void => {
    if (k in d) {
      delete d[k];
      changes.push(`drop disks.${i}.${k} (${why})`);
    }
  };
  drop('zfs_filesystem', 'receive-only');
  // vmadm get prints each disk's pool; the restore's pool (payload zpool) must decide, not the archive.
  drop('zpool', 'the restore chooses the pool');
  if (d.nocreate !== true) drop('path', 'vmadm create refuses a path without nocreate');
  if (typeof d.image_uuid === 'string') {
    drop('block_size', 'not allowed with image_uuid');
    drop('refreservation', 'set by the image clone');
    drop('size', 'comes back with the received volume');
  }
  return d;
}
