// The .zbak archive format: entry names and the zod schemas of the two JSON
// documents (header first, trailer last). docs/FORMAT.md is the prose spec.
import { z } from 'zod';
import { isoUtc, poolName, printable, propName, propValue, uuid, word } from './grammar.js';

export const FORMAT_NAME = 'zbak';
/** Major version written: 2 (the stream digest is made from the part digests, stream-digest.ts). */
export const FORMAT_VERSION = 2;
/** Versions this zbak reads; readers abort on any other value. */
export const SUPPORTED_FORMAT_VERSIONS: readonly number[] = [1, 2];

export const HEADER_ENTRY = 'zbak.json';
export const VMADM_ENTRY = 'vmadm.json';
export const TRAILER_ENTRY = 'zbak-trailer.json';
export const imageManifestEntry = (imageUuid: string): string => `images/${imageUuid}.json`;
/** Parts are numbered with 6 digits so a shell glob lists them in order. */
export const streamPartEntry = (streamId: string, index: number): string =>
  `streams/${streamId}/${String(index).padStart(6, '0')}`;

/** Default maximum size of one stream part (one tar entry). */
export const DEFAULT_PART_SIZE = 32 * 1024 * 1024;

/** A ZFS GUID: an unsigned 64-bit integer kept as a decimal string. */
const guid = z.string().regex(/^[0-9]{1,20}$/);
/** A dataset name relative to the pool, e.g. "<uuid>/data" (no pool, no '@'). */
const relDataset = z.string().regex(/^[A-Za-z0-9_.:-]+(\/[A-Za-z0-9_.:-]+)*$/);
const snapName = z.string().regex(/^[A-Za-z0-9_.:%-]+$/);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const streamId = z.string().regex(/^s[0-9]{2,4}$/);
/** An archive's file name on a medium (a chain's base is found beside it by this name). */
const archiveName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,250}\.zbak$/, 'not an archive file name');

export const SnapshotRefSchema = z.object({ name: snapName, guid });

export const StreamKindSchema = z.enum(['full', 'incremental-from-origin', 'incremental']);

export const StreamRoleSchema = z.enum(['image', 'zoneroot', 'dataset', 'cores', 'disk']);

export const StreamSchema = z
  .object({
    id: streamId,
    role: StreamRoleSchema,
    /** Dataset the stream was sent from and is received into, relative to the pool. */
    dataset: relDataset,
    kind: StreamKindSchema,
    /** Incremental source: for incremental-from-origin a snapshot of another dataset. */
    from: z
      .object({ dataset: relDataset, snapshot: snapName, guid })
      .optional(),
    to: z.object({ snapshot: snapName, guid }),
    /** The clone origin the received dataset will have (incremental-from-origin only). */
    origin: z.object({ dataset: relDataset, snapshot: snapName, guid }).optional(),
    /** Every snapshot the stream carries, oldest first (for -I streams, all in between). */
    snapshots: z.array(SnapshotRefSchema).min(1),
    /** Whether `zfs send -p` was used (properties ride in the stream). */
    withProperties: z.boolean(),
    /** The zfs send argv used, for people reading the archive. */
    sendArgv: z.array(z.string()),
    /** The image this stream installs (role image only). */
    imageUuid: uuid.optional(),
    /**
     * Zone streams: the properties set on the dataset at save (`zfs get -s local,received`),
     * what `zfs send -p` carries. Restore reads them to rewrite a copy's uuid-naming values.
     */
    properties: z
      .record(propName, propValue)
      .refine((p) => Object.keys(p).length <= 512, 'more than 512 properties')
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (s.kind !== 'full' && !s.from) ctx.addIssue({ code: 'custom', message: `${s.id}: ${s.kind} stream needs "from"` });
    if (s.kind === 'full' && s.from) ctx.addIssue({ code: 'custom', message: `${s.id}: full stream has "from"` });
    if (s.kind === 'incremental-from-origin' && !s.origin)
      ctx.addIssue({ code: 'custom', message: `${s.id}: incremental-from-origin needs "origin"` });
    if (s.snapshots[s.snapshots.length - 1]?.guid !== s.to.guid)
      ctx.addIssue({ code: 'custom', message: `${s.id}: last carried snapshot is not "to"` });
  });

/** Zone brands zbak saves and restores. */
export const BrandSchema = z.enum(['joyent', 'joyent-minimal', 'lx', 'kvm', 'bhyve']);

/** Header text that reaches a terminal (alias, hostname, image names). */
const text = printable(256);

export const ImageSchema = z.object({
  uuid,
  name: text,
  version: text,
  type: text,
  /** Parent image (incremental image), installed before this one. */
  origin: uuid.optional(),
  /** GUID of zones/<uuid>@final on the source host. */
  finalGuid: guid,
  streamId,
  manifestEntry: z.string(),
});

export const HeaderSchema = z.object({
  format: z.literal(FORMAT_NAME),
  formatVersion: z.number().int().positive(),
  tool: z.object({ name: z.literal('zbak'), version: text }),
  createdAt: isoUtc,
  source: z.object({
    hostname: text,
    sysinfoUuid: text,
    platform: text,
    /** Restore receives into this pool: a pool name, never a path. */
    pool: poolName,
  }),
  zone: z.object({
    uuid,
    alias: text.optional(),
    brand: BrandSchema,
    /** zone state at save time ("running", "stopped", ...) */
    state: word,
    autoboot: z.boolean(),
    /** Goes into a zonecfg subcommand on restore: strict ISO-8601 UTC, so never a ';'. */
    createTimestamp: isoUtc.optional(),
  }),
  snapshotName: snapName,
  partSize: z.number().int().positive(),
  vmadmEntry: z.literal(VMADM_ENTRY),
  /** Base image first, then each incremental child. */
  images: z.array(ImageSchema),
  /** Streams in the order they must be received. */
  streams: z.array(StreamSchema).min(1),
  /**
   * An incremental archive: the archive on the same medium it continues (docs/FORMAT.md
   * "Chains"). Its zone streams of datasets the base has start at the base's snapshot.
   */
  base: z.object({ archive: archiveName, createdAt: isoUtc, snapshotName: snapName }).optional(),
  /**
   * Bytes each streamed dataset (relative to the pool) used on the source pool at
   * save, without its child datasets: what restore expects receiving it to take.
   */
  space: z.record(relDataset, z.number().int().nonnegative()).optional(),
});

export const EntrySumSchema = z.object({
  name: z.string(),
  size: z.number().int().nonnegative(),
  sha256,
});

export const TrailerSchema = z.object({
  format: z.literal(FORMAT_NAME),
  formatVersion: z.number().int().positive(),
  /** Checksums of the JSON entries (header, vmadm.json, image manifests). */
  entries: z.array(EntrySumSchema),
  streams: z.array(
    z.object({
      id: streamId,
      size: z.number().int().nonnegative(),
      /** Version 1: SHA-256 of the stream's bytes; version 2: of its part list (stream-digest.ts). */
      sha256,
      parts: z.array(EntrySumSchema).min(1),
    }),
  ),
});

export type Header = z.infer<typeof HeaderSchema>;
export type Brand = z.infer<typeof BrandSchema>;
export type Trailer = z.infer<typeof TrailerSchema>;
export type StreamSpec = z.infer<typeof StreamSchema>;
export type ImageSpec = z.infer<typeof ImageSchema>;
export type StreamKind = z.infer<typeof StreamKindSchema>;
export type EntrySum = z.infer<typeof EntrySumSchema>;

/**
 * An incremental archive's stream that starts at its base archive's snapshot of its own
 * dataset ("Chains"): its `from` is carried by the base, not by an earlier stream here.
 */
export function startsAtBase(header: Pick<Header, 'base'>, s: StreamSpec): boolean {
  return header.base !== undefined && s.kind === 'incremental' && s.from?.dataset === s.dataset && s.from.snapshot === header.base.snapshotName;
}
