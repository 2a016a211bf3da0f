// What a nightly job remembers on the host between runs (/var/zbak/runs/<job>.json): the
// last run's outcome per zone and each zone's newest good archive. `zbak status` reads it
// with the medium unplugged, which is how rotated USB disks spend most of their time.
import { z } from 'zod';
import { isoUtc, uuid } from '../archive/grammar.js';
import type { Host } from '../host/host.js';
import { readHostRecord, writeHostRecord } from './host-record.js';

export const runRecordPath = (job: string): string => `/var/zbak/runs/${job}.json`;

const text = z.string().max(4096);

export const ZoneOutcomeSchema = z.object({
  /** The uuid, or the config's name for a zone that did not resolve. */
  zone: text,
  alias: text.optional(),
  ok: z.boolean(),
  archive: text.optional(),
  bytes: z.number().int().nonnegative().optional(),
  verified: z.boolean().optional(),
  error: text.optional(),
  /** The error's kind (errors.ts ZbakErrorCode); the CLI maps it to an exit status. */
  code: z.string().max(32).optional(),
});

export const LastArchiveSchema = z.object({
  path: text,
  createdAt: isoUtc,
  bytes: z.number().int().nonnegative(),
  verified: z.boolean(),
  /** Links from the chain's full archive to this one (1: a full archive). */
  chainLength: z.number().int().positive().default(1),
});

export const RunRecordSchema = z.object({
  job: text,
  startedAt: isoUtc,
  endedAt: isoUtc,
  ok: z.boolean(),
  outcomes: z.array(ZoneOutcomeSchema),
  pruned: z.array(text).default([]),
  /** Newest good archive of each zone by uuid, carried over from earlier runs. */
  lastArchive: z.record(uuid, LastArchiveSchema).default({}),
  /** The same per medium (by medium id) when the job names its media: rotated disks each have their own. */
  media: z.record(uuid, z.object({ label: text, zones: z.record(uuid, LastArchiveSchema) })).default({}),
});

export type ZoneOutcome = z.infer<typeof ZoneOutcomeSchema>;
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type LastArchive = z.infer<typeof LastArchiveSchema>;

/** The job's record, or undefined when it never ran; a damaged record reads as none (and says so). */
export async function readRunRecord(host: Host, job: string, warn: (line: string) => void): Promise<RunRecord | undefined> {
  return readHostRecord(host, runRecordPath(job), RunRecordSchema, warn, `treating job ${job} as never run`);
}

export async function writeRunRecord(host: Host, record: RunRecord): Promise<void> {
  await writeHostRecord(host, runRecordPath(record.job), record);
}
