// The nightly configuration (docs/CONFIG.md): jobs that save zones to a medium directory,
// verify what they wrote and prune it. A config file is operator input, validated with zod
// like every boundary; what it names reaches argv and paths, so names keep to grammars.
import { z } from 'zod';
import { printable } from '../archive/grammar.js';
import { mediumLabel } from '../plan/medium-gate.js';
import { zstdLevelOf } from '../plan/argv.js';

/** Where the config lives by default: /opt/custom survives a SmartOS reboot (/etc does not). */
export const DEFAULT_CONFIG_PATH = '/opt/custom/zbak/zbak.yaml';
/** Where a run appends its one line per zone when the config names no log. */
export const DEFAULT_LOG = '/var/log/zbak.log';

export const JOB_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** A zone as an operator names it: its uuid or its alias. */
const zoneRef = printable(64).refine((s) => s.length > 0 && !/\s/.test(s), 'not a zone uuid or alias');
/** An absolute directory without '..' (the medium's mount point). */
const absDir = printable(1024)
  .refine((s) => s.startsWith('/'), 'not an absolute path')
  .refine((s) => !s.split('/').includes('..'), "has a '..' component");
/** Five cron fields: minute hour day-of-month month day-of-week. */
const CRON_FIELD = '[0-9*][0-9*,/-]*';
export const SCHEDULE_RE = new RegExp(`^${CRON_FIELD}( ${CRON_FIELD}){4}$`);

export const KeepSchema = z
  .object({
    last: z.number().int().min(1).optional(),
    daily: z.number().int().min(1).optional(),
    weekly: z.number().int().min(1).optional(),
    monthly: z.number().int().min(1).optional(),
  })
  .strict();

export const JobSchema = z
  .object({
    /** 'all', or a list of uuids/aliases. */
    zones: z.union([z.literal('all'), z.array(zoneRef).min(1)]),
    /** With 'all': zones left out (uuid or alias). */
    exclude: z.array(zoneRef).default([]),
    /** The medium directory the archives go to (a USB disk's mount point). */
    to: absDir,
    /** The rotated disks this job writes to (labels): a save refuses a bare folder or another disk. */
    media: z.array(mediumLabel).min(1).optional(),
    /** Incremental archives continuing the zone's newest on the medium (plan/chain.ts); true or the policy. */
    incremental: z
      .union([
        z.boolean(),
        z.object({ full_every_days: z.number().int().min(1).optional(), max_links: z.number().int().min(2).optional() }).strict(),
      ])
      .default(false),
    /** Read back every archive after writing it (zbak verify). */
    verify: z.boolean().default(true),
    /** Archive retention on the medium after a successful run (as `zbak prune`). */
    keep: KeepSchema.optional(),
    /** zbak snapshots kept per dataset on the host (save --keep). */
    snapshots: z.number().int().min(1).max(100).default(1),
    /** Encrypt each archive (age) to these recipients, age1… (save --encrypt-to); the host needs no secret. */
    encrypt_to: z.array(z.string().regex(/^age1[0-9a-z]+$/, 'not an age recipient (age1…)')).min(1).optional(),
    /** ...and to the recipients in this file (save --recipients-file; age's format). */
    recipients_file: absDir.optional(),
    /** Compress each archive with the zstd command (save --compress): zstd or zstd:LEVEL. */
    compress: z.string().refine((t) => zstdLevelOf(t) !== undefined, 'not a compression: zstd or zstd:LEVEL with LEVEL 1 to 19').optional(),
    /** Sign each archive with this Ed25519 key file (save --sign; zbak keygen --sign). */
    sign: absDir.optional(),
    /** When `zbak cron` runs this job: five cron fields. */
    schedule: z.string().regex(SCHEDULE_RE, 'not five cron fields like "30 2 * * *"').default('30 2 * * *'),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** A file the runs append to, or 'syslog' (logger -t zbak). */
    log: z.union([z.literal('syslog'), absDir]).default(DEFAULT_LOG),
    /** Public keys (files, zbak keygen --sign's FILE.pub): a job's verify accepts only archives signed by one. */
    trust: z.array(absDir).min(1).optional(),
    jobs: z.record(z.string().regex(JOB_NAME_RE, 'not a job name ([A-Za-z0-9_-], at most 64)'), JobSchema).refine(
      (j) => Object.keys(j).length > 0,
      'no jobs',
    ),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type Job = z.infer<typeof JobSchema>;
export type Keep = z.infer<typeof KeepSchema>;
