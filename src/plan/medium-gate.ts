// Whether a save may write to a medium directory (issue 9, "Media"): rotated USB disks each
// carry an identity file; a save that expects one of them refuses a bare folder on the host's
// own disk (the USB disk is not plugged in) and a disk that is not one of its media, unless
// told to take a new disk (--new-medium LABEL). Pure: the caller gathers the facts.
import { z } from 'zod';
import { isoUtc, uuid } from '../archive/grammar.js';

export const MEDIUM_FILE = '.zbak-medium.json';

export const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const mediumLabel = z.string().regex(LABEL_RE, 'not a medium label ([A-Za-z0-9_.-], at most 64)');

/** The identity file on the medium: hostile input like an archive (anyone may write the disk). */
export const MediumIdentitySchema = z
  .object({ format: z.literal('zbak-medium'), version: z.literal(1), id: uuid, label: mediumLabel, createdAt: isoUtc })
  .strict();
export type MediumIdentity = z.infer<typeof MediumIdentitySchema>;

export interface MediumFacts {
  dir: string;
  /** The directory is a mount point (its own file system), not a folder on its parent's. */
  mounted: boolean;
  /** The identity file: absent, valid, or present but not valid (why). */
  identity: { kind: 'none' } | { kind: 'valid'; value: MediumIdentity } | { kind: 'invalid'; why: string };
}

export interface MediumWant {
  /** The labels this save may write to (a rotation set); empty: any medium. */
  labels: readonly string[];
  /** Accept a disk without identity and give it this label. */
  newLabel?: string;
}

export type GateDecision =
  | { ok: true; identity: MediumIdentity; create: boolean }
  | { ok: false; why: string };

export function mediumGate(f: MediumFacts, want: MediumWant, fresh: { id: string; now: string }): GateDecision {
  const set = want.labels.length > 0 ? want.labels.join(', ') : 'any';
  if (!f.mounted) {
    return { ok: false, why: `${f.dir} is not a mounted disk (it is a folder on the disk below it): plug in and mount the backup disk (media: ${set})` };
  }
  if (f.identity.kind === 'invalid') return { ok: false, why: `${f.dir}/${MEDIUM_FILE} is not a zbak medium identity (${f.identity.why}); check the disk, or move the file away and use --new-medium LABEL` };
  if (f.identity.kind === 'none') {
    if (want.newLabel === undefined) return { ok: false, why: `the disk at ${f.dir} is not a zbak medium yet; to start using it, add --new-medium LABEL (media: ${set})` };
    if (want.labels.length > 0 && !want.labels.includes(want.newLabel)) {
      return { ok: false, why: `--new-medium ${want.newLabel} is not one of this save's media (${set})` };
    }
    return { ok: true, create: true, identity: { format: 'zbak-medium', version: 1, id: fresh.id, label: want.newLabel, createdAt: fresh.now } };
  }
  const id = f.identity.value;
  if (want.newLabel !== undefined && want.newLabel !== id.label) {
    return { ok: false, why: `the disk at ${f.dir} is already medium ${id.label} (${id.id}); --new-medium ${want.newLabel} only names a disk without identity` };
  }
  if (want.labels.length > 0 && !want.labels.includes(id.label)) {
    return { ok: false, why: `the disk at ${f.dir} is medium ${id.label} (${id.id}), not one of this save's media (${set})` };
  }
  return { ok: true, create: false, identity: id };
}
