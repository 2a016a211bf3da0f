// The host's record of the media it has written to (/var/zbak/media.json): each medium's
// label, where and when it was last seen, and per zone the snapshot its chain ends at (held
// on the host with `zfs hold zbak-medium-<id8>`, so a save to another disk cannot prune it).
// Read back as a boundary (zod); a damaged record reads as empty and says so.
import { z } from 'zod';
import { isoUtc, uuid } from '../archive/grammar.js';
import type { Host } from '../host/host.js';
import { mediumLabel } from '../plan/medium-gate.js';
import type { Log } from './commands.js';
import { readHostRecord, writeHostRecord } from './host-record.js';

export const MEDIA_RECORD = '/var/zbak/media.json';

const ChainEndSchema = z.object({ snapshot: z.string().regex(/^[A-Za-z0-9_.:-]+$/), datasets: z.array(z.string().max(1024)).max(1000) });

const MediumRecordSchema = z.object({
  label: mediumLabel,
  lastDir: z.string().max(1024),
  lastSeenAt: isoUtc,
  /** Zone uuid -> where this medium's chain of the zone ends on this host. */
  ends: z.record(uuid, ChainEndSchema).default({}),
});

const MediaSchema = z.record(uuid, MediumRecordSchema);

export type MediumRecord = z.infer<typeof MediumRecordSchema>;
export type ChainEnd = z.infer<typeof ChainEndSchema>;
export type Media = z.infer<typeof MediaSchema>;


export async function readMedia(host: Host, log: Log): Promise<Media> {
  return (
    (await readHostRecord(host, MEDIA_RECORD, MediaSchema, (line) => log(`warning: ${line}`), 'media chain ends are not known (an incremental save may write a full archive)')) ?? {}
  );
}

export async function writeMedia(host: Host, media: Media): Promise<void> {
  await writeHostRecord(host, MEDIA_RECORD, media);
}
