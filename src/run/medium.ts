// The medium directory's facts for plan/medium-gate.ts: is it a mount point, what identity file
// does it carry; and writing the identity (under a temp name, fsynced, renamed) and the host's
// record of the media it has seen (run/media-record.ts).
import { randomUUID } from 'node:crypto';
import { open, readFile, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ZbakError } from '../errors.js';
import type { Host } from '../host/host.js';
import { readMedia, writeMedia, type Media } from './media-record.js';
import { MEDIUM_FILE, MediumIdentitySchema, mediumGate, type MediumFacts, type MediumIdentity, type MediumWant } from '../plan/medium-gate.js';
import type { Log } from './commands.js';

/**
 * Test hook ZBAK_FAKE_MOUNTS=<dir>[:<dir>…]: these directories count as mount points (tests run
 * in one file system). Otherwise a directory is a mount point when its device differs from
 * its parent's, or it is /.
 */
async function isMountPoint(dir: string): Promise<boolean> {
  const fake = process.env.ZBAK_FAKE_MOUNTS;
  if (fake !== undefined) return fake.split(':').some((d) => d !== '' && resolve(d) === resolve(dir));
  const here = await stat(dir);
  const parent = await stat(join(dir, '..'));
  return here.dev !== parent.dev || here.ino === parent.ino;
}

const MAX_IDENTITY = 4096;

async function readIdentity(dir: string): Promise<MediumFacts['identity']> {
  let text: string;
  try {
    const path = join(dir, MEDIUM_FILE);
    if ((await stat(path)).size > MAX_IDENTITY) return { kind: 'invalid', why: `larger than ${MAX_IDENTITY} bytes` };
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    return { kind: 'invalid', why: (e as Error).message };
  }
  try {
    const r = MediumIdentitySchema.safeParse(JSON.parse(text));
    if (r.success) return { kind: 'valid', value: r.data };
    const i = r.error.issues[0]!;
    return { kind: 'invalid', why: `${i.path.join('.') || 'top level'}: ${i.message}` };
  } catch {
    return { kind: 'invalid', why: 'not JSON' };
  }
}

export async function mediumFacts(dir: string): Promise<MediumFacts> {
  return { dir, mounted: await isMountPoint(dir), identity: await readIdentity(dir) };
}

export class MediumError extends ZbakError {
  override name = 'MediumError' as const;
  constructor(message: string) {
    super(message, 'medium');
  }
}

/**
 * Checks the medium at `dir` against what the save wants; refuses with exit 13 naming the fix.
 * With `write` (a real save, not a dry run) a new medium's identity is written and the host's
 * record of the medium updated (and returned, so the save does not read it again).
 */
export async function admitMedium(host: Host, dir: string, want: MediumWant, opts: { write: boolean; now: Date }, log: Log): Promise<AdmittedMedium> {
  const decision = mediumGate(await mediumFacts(dir), want, { id: process.env.ZBAK_NEW_MEDIUM_ID ?? randomUUID(), now: opts.now.toISOString() });
  if (!decision.ok) throw new MediumError(decision.why);
  if (!opts.write) return { identity: decision.identity };
  if (decision.create) {
    await writeIdentity(dir, decision.identity);
    log(`${dir} is now zbak medium ${decision.identity.label} (${decision.identity.id})`);
  }
  const media = await readMedia(host, log);
  const id = decision.identity;
  media[id.id] = { label: id.label, lastDir: dir, lastSeenAt: opts.now.toISOString(), ends: media[id.id]?.ends ?? {} };
  await writeMedia(host, media);
  return { identity: id, media };
}

/** The medium a save may write to and, after a real save's update, the host's media record. */
export interface AdmittedMedium {
  identity: MediumIdentity;
  /** /var/zbak/media.json as just written (absent for a dry run): the save plans with it. */
  media?: Media;
}

async function writeIdentity(dir: string, identity: MediumIdentity): Promise<void> {
  const tmp = join(dir, `.${MEDIUM_FILE}.${process.pid}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(`${JSON.stringify(identity, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, MEDIUM_FILE));
}
