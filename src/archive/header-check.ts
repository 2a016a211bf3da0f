// Checks on a schema-valid header that zod cannot express: unique ids, the image
// ancestry, and the GUID chain that makes every stream receivable in header order.
import { ArchiveFormatError } from '../errors.js';
import { roleFits } from '../model/ownership.js';
import { HEADER_ENTRY, imageManifestEntry, startsAtBase, type Header, type ImageSpec, type StreamSpec } from './format.js';
import { partSizeProblem } from '../model/part-size.js';

function fail(message: string): never {
  throw new ArchiveFormatError(`${HEADER_ENTRY}: ${message}`, HEADER_ENTRY);
}

const snapText = (ref: { dataset?: string; snapshot?: string; name?: string; guid: string }): string =>
  `${ref.dataset ? `${ref.dataset}@` : '@'}${ref.snapshot ?? ref.name ?? '?'} (GUID ${ref.guid})`;

function checkImages(header: Header, streams: Map<string, StreamSpec>): void {
  const seen = new Map<string, ImageSpec>();
  for (const img of header.images) {
    const what = `image ${img.uuid}`;
    if (seen.has(img.uuid)) fail(`${what} is listed twice`);
    if (img.manifestEntry !== imageManifestEntry(img.uuid))
      fail(`${what}: manifestEntry is "${img.manifestEntry}", expected "${imageManifestEntry(img.uuid)}"`);
    const s = streams.get(img.streamId);
    if (!s) fail(`${what}: its stream ${img.streamId} is not in "streams"`);
    if (s.role !== 'image' || s.imageUuid !== img.uuid)
      fail(`${what}: stream ${s.id} is not an image stream for this image`);
    if (s.dataset !== img.uuid) fail(`${what}: stream ${s.id} is received into ${s.dataset}, expected ${img.uuid}`);
    if (s.to.guid !== img.finalGuid)
      fail(`${what}: stream ${s.id} ends at GUID ${s.to.guid}, not at the image's finalGuid ${img.finalGuid}`);
    if (img.origin !== undefined) {
      const parent = seen.get(img.origin);
      if (!parent) fail(`${what}: origin image ${img.origin} is not listed before it (images are base first)`);
      if (s.kind === 'full' || s.from?.guid !== parent.finalGuid)
        fail(`${what}: stream ${s.id} must be incremental from ${img.origin}@final (GUID ${parent.finalGuid})`);
    } else if (s.kind !== 'full') {
      fail(`${what} has no origin, so its stream ${s.id} must be a full stream (it is ${s.kind})`);
    }
    seen.set(img.uuid, img);
  }
}

/** Throws ArchiveFormatError (entry zbak.json) when the header is inconsistent. */
export function checkHeader(header: Header): void {
  const partSize = partSizeProblem(header.partSize);
  if (partSize !== null) fail(`partSize ${partSize}`);
  const streams = new Map<string, StreamSpec>();
  for (const s of header.streams) {
    if (streams.has(s.id)) fail(`stream id ${s.id} is used twice`);
    streams.set(s.id, s);
  }
  checkImages(header, streams);
  if (header.base && header.images.length > 0) fail('an incremental archive (with "base") carries no images: its chain\'s full archive does');

  // Receiving in header order must always find the incremental source already present:
  // the receiver holds exactly the snapshots carried by earlier streams.
  const carried = new Set<string>();
  let imageIndex = 0;
  let zoneStreamSeen = false;
  for (const s of header.streams) {
    if (s.role === 'image') {
      if (zoneStreamSeen) fail(`stream ${s.id}: image streams must come before all zone streams`);
      if (header.images[imageIndex]?.streamId !== s.id)
        fail(`stream ${s.id}: image streams must appear in the order of "images" (base first)`);
      imageIndex++;
    } else {
      zoneStreamSeen = true;
      if (s.imageUuid !== undefined) fail(`stream ${s.id}: imageUuid is only allowed on image streams`);
      if (!roleFits(s.role, s.dataset, header.zone.uuid))
        fail(
          `stream ${s.id}: dataset ${s.dataset} (role ${s.role}) is not one of zone ${header.zone.uuid}'s ` +
            `(<uuid>, <uuid>/…, <uuid>-disk<N>, cores/<uuid>, each in its role)`,
        );
    }
    // A stream starting at the base's snapshot: the GUIDs across the chain are checked on restore (plan/chain.ts).
    if (s.from && !carried.has(s.from.guid) && !startsAtBase(header, s))
      fail(`stream ${s.id}: ${s.kind} from ${snapText(s.from)}, which no earlier stream carries`);
    if (s.origin && s.origin.guid !== s.from?.guid)
      fail(`stream ${s.id}: origin ${snapText(s.origin)} is not the stream's "from" snapshot`);
    for (const snap of s.snapshots) {
      if (carried.has(snap.guid)) fail(`stream ${s.id}: snapshot ${snapText(snap)} is carried twice`);
      carried.add(snap.guid);
    }
  }
}
