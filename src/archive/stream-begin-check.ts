// A stream's own BEGIN record must say what the header says it is: `zfs receive` trusts the
// record (its fromguid picks the clone origin), so a header that only claims is not enough.
import { displayName } from './entry-path.js';
import type { StreamSpec } from './format.js';
import type { SendBegin } from './send-stream.js';

/**
 * kvm and bhyve disks are volumes, and so are images of imgadm type zvol; zone datasets are
 * filesystems. null: an image of another type, which may be either.
 */
export function expectedObjsetType(spec: StreamSpec, imageType?: string): SendBegin['type'] | null {
  if (spec.role === 'disk') return 'volume';
  if (spec.role !== 'image') return 'filesystem';
  if (imageType === 'zvol') return 'volume';
  return imageType === 'zone-dataset' || imageType === 'lx-dataset' ? 'filesystem' : null;
}

/** How the BEGIN record differs from the stream's header entry, or null when it agrees. */
export function beginMismatch(spec: StreamSpec, begin: SendBegin, imageType?: string): string | null {
  const first = spec.snapshots[0];
  if (first === undefined) return 'the header lists no snapshot for this stream';
  if (begin.toguid !== first.guid)
    return `BEGIN record toguid ${begin.toguid} differs from the header's first snapshot GUID ${first.guid}`;
  const from = spec.from?.guid ?? '0';
  if (begin.fromguid !== from) {
    const what = spec.from ? `from GUID ${from}` : 'from GUID 0 (a full stream)';
    return `BEGIN record fromguid ${begin.fromguid} differs from the header's ${what}`;
  }
  const type = expectedObjsetType(spec, imageType);
  if (type !== null && begin.type !== type)
    return `BEGIN record is a ${begin.type} stream but the header's ${spec.role} stream is a ${type}`;
  const snap = begin.toname.slice(begin.toname.indexOf('@') + 1);
  if (snap !== first.name)
    return `BEGIN record snapshot "${displayName(snap)}" differs from the header's first snapshot "${first.name}"`;
  return null;
}
