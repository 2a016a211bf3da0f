// The per-zone lock: a file holding the holder's pid. A contender that finds the
// holder dead (killed -9, power cut of a non-tmpfs /var/run) takes the lock at once;
// a live holder means LockedError at once. Replaces proper-lockfile, whose mtime-based
// staleness kept a dead holder's lock for 60 s.
//
// The record is written to a private temp file and link(2)ed into place, so the lock file
// is never seen empty or half written: an unreadable one is a leftover (e.g. the empty file
// older zbak versions used) and is taken over like a dead holder's. Taking over is
// serialised by a second lock (<file>.takeover): moving the dead file aside without it let
// two contenders each believe they held the lock (CI caught it).
// A reused pid makes a dead holder look alive: that errs on the safe side (LockedError,
// whose message names the pid and the file to remove). /var/run is emptied at boot.
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { LockedError } from '../errors.js';
import { pidAlive } from './pid-alive.js';

const LockRecordSchema = z.object({
  pid: z.number().int().positive(),
  token: z.string().regex(/^[0-9a-f]{16}$/),
  since: z.string(),
});
export type LockRecord = z.infer<typeof LockRecordSchema>;

type Holder = { raw: string; record: LockRecord | undefined } | 'gone';

async function readHolder(file: string): Promise<Holder> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const r = LockRecordSchema.safeParse(parsed);
  return { raw, record: r.success ? r.data : undefined };
}

const isCode = (e: unknown, code: string): boolean => (e as NodeJS.ErrnoException).code === code;

/**
 * Takes the lock in `file` for this process; resolves to its release. `what` names the
 * locked thing in the LockedError ("another zbak is working on <what> ...").
 */
export async function takePidLock(file: string, what: string): Promise<() => Promise<void>> {
  const record: LockRecord = { pid: process.pid, token: randomBytes(8).toString('hex'), since: new Date().toISOString() };
  const text = `${JSON.stringify(record)}\n`;
  const mine = `${file}.${record.pid}-${record.token}`;
  const busy = (holder: string): LockedError =>
    new LockedError(`another zbak is working on ${what} (lock ${file}, ${holder}); wait for it to finish`);
  await writeFile(mine, text, { flag: 'wx', mode: 0o644 });
  try {
    // A few rounds: each lost race re-reads who holds the lock now.
    for (let round = 0; round < 5; round++) {
      try {
        await link(mine, file);
        return () => release(file, text);
      } catch (e) {
        if (!isCode(e, 'EEXIST')) throw e;
      }
      const holder = await readHolder(file);
      if (holder === 'gone') continue;
      if (holder.record && pidAlive(holder.record.pid))
        throw busy(`held by pid ${holder.record.pid} since ${holder.record.since}; if that process is not zbak, remove the file`);
      // A dead holder's file is replaced only under the takeover lock: while the lock
      // file exists nobody can link(2) a new one, so the holder of the takeover lock
      // re-reads it and rename(2)s its own record over it atomically.
      const replaced = await underTakeover(`${file}.takeover`, mine, async () => {
        const now = await readHolder(file);
        if (now === 'gone') return false;
        if (now.raw !== holder.raw) return false;
        await rename(mine, file);
        return true;
      });
      if (replaced === 'busy') throw busy('another process is taking over a dead holder\'s lock');
      if (replaced) return () => release(file, text);
    }
    throw busy('contended');
  } finally {
    await rm(mine, { force: true });
  }
}

/**
 * Runs `fn` holding the takeover lock (a hard link of this process's record, so it names
 * a pid). A takeover lock whose holder died (killed inside these few lines) is removed
 * once and re-contended; 'busy' when a live process holds it.
 */
async function underTakeover(takeover: string, mine: string, fn: () => Promise<boolean>): Promise<boolean | 'busy'> {
  for (let round = 0; round < 2; round++) {
    try {
      await link(mine, takeover);
    } catch (e) {
      if (!isCode(e, 'EEXIST')) throw e;
      const holder = await readHolder(takeover);
      if (holder !== 'gone' && holder.record && pidAlive(holder.record.pid)) return 'busy';
      if (holder !== 'gone') await rm(takeover, { force: true });
      continue;
    }
    try {
      return await fn();
    } finally {
      await rm(takeover, { force: true });
    }
  }
  return 'busy';
}

/** Removes the lock file if it is still this process's record. */
async function release(file: string, text: string): Promise<void> {
  const now = await readFile(file, 'utf8').catch(() => undefined);
  if (now === text) await rm(file, { force: true });
}
