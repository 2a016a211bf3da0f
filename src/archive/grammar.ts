// The grammars of values read from an archive. An archive is hostile input: every
// value that reaches an argv, a `vmadm create` payload or a terminal is checked
// against one of these before anything else sees it (docs/FORMAT.md, threat model).
import { z } from 'zod';

import { POOL_RE, UUID_RE } from '../model/ownership.js';

export { POOL_RE, UUID_RE };
export const uuid = z.string().regex(UUID_RE, 'not a lowercase uuid');

/** Strict ISO-8601 UTC ("2024-11-04T10:22:31.118Z"): never a ';', a quote or a space. */
export const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
export const isoUtc = z
  .string()
  .regex(ISO_UTC_RE, 'not an ISO-8601 UTC time like 2024-11-04T10:22:31.118Z')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a valid date');

/** A ZFS pool name: starts with a letter, no '/'. */
export const poolName = z.string().regex(POOL_RE, 'not a pool name');

const COMPONENT = '[A-Za-z0-9_.:-]+';
/** "<pool>/<a>/<b>": a filesystem or volume name (no snapshot, no '.'/'..' components). */
export const DATASET_RE = new RegExp(`^[A-Za-z][A-Za-z0-9_.:-]{0,255}(/${COMPONENT})+$`);
export const datasetName = z
  .string()
  .max(255)
  .regex(DATASET_RE, 'not a dataset name')
  .refine((s) => !s.split('/').some((c) => c === '.' || c === '..'), "has a '.' or '..' component");

// C0/C1 controls (ESC starts terminal escape sequences) and format characters
// (bidi overrides that reorder what a terminal shows).
const UNPRINTABLE_RE = /[\p{Cc}\p{Cf}]/u;

/** Text shown on a terminal: no control or format characters, at most `max` characters. */
export const printable = (max: number) =>
  z
    .string()
    .max(max, `longer than ${max} characters`)
    .refine((s) => !UNPRINTABLE_RE.test(s), 'contains control characters');

/**
 * Text vmadm writes into its own zonecfg script inside double quotes
 * (limit_priv, fs_allowed, filesystems): printable, no '"' or '\'.
 */
export const zonecfgText = (max: number) =>
  printable(max).refine((s) => !/["\\]/.test(s), 'contains a quote or backslash');

/** An absolute path without '..' components. */
export const absPath = zonecfgText(1024)
  .refine((s) => s.startsWith('/'), 'not an absolute path')
  .refine((s) => !s.split('/').includes('..'), "has a '..' component");

/** A ZFS property name: native (`mountpoint`) or user (`module:property`). */
export const PROP_NAME_RE = /^[A-Za-z][A-Za-z0-9_.:-]{0,255}$/;
export const propName = z.string().regex(PROP_NAME_RE, 'not a property name');
/** A property value as `zfs get -H -p` prints it: one printable line (no tab, no control characters). */
export const propValue = printable(1024);

/** Comma lists vmadm get prints (limit_priv, fs_allowed): words, '-' or '!' to remove. */
export const PRIV_LIST_RE = /^[A-Za-z0-9_!-]*(,[A-Za-z0-9_!-]+)*$/;
export const privList = z.union([
  z.string().max(4096).regex(PRIV_LIST_RE, 'not a comma-separated list of names'),
  z.array(z.string().regex(/^[A-Za-z0-9_!-]+$/, 'not a name')).max(256),
]);

/** A simple lowercase word ("running", "shutting_down"). */
export const word = z.string().regex(/^[a-z][a-z_-]{0,31}$/, 'not a simple word');
