// Reads one record's content from the stream into a private staging
// directory, so nothing is visible in the pool until the record is complete
// and its checksum matched.
import { closeSync, ftruncateSync, mkdirSync, openSync, symlinkSync, utimesSync, chmodSync, writeSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { type Entry, EntrySchema, type FrameReader } from './stream.js';

export type StageResult = 'ok' | 'truncated' | 'checksum' | 'invalid';

function safePath(root: string, rel: string): string | undefined {
  const n = normalize(rel);
  if (n.startsWith('/') || n === '..' || n.startsWith('../') || n === '.') return undefined;
  return join(root, n);
}

function parseEntry(payload: Buffer): Entry | undefined {
  try {
    return EntrySchema.parse(JSON.parse(payload.toString('utf8')));
  } catch {
    return undefined;
  }
}

/** Writes `size` bytes of d frames into fd; holes stay holes for volumes. */
async function readData(r: FrameReader, fd: number, size: number, sparse: boolean): Promise<StageResult> {
  let done = 0;
  while (done < size) {
    const f = await r.next();
    if (!f) return 'truncated';
    if (f.type !== 'd' || done + f.payload.length > size) return 'invalid';
    if (!(sparse && f.payload.every((b) => b === 0))) writeSync(fd, f.payload, 0, f.payload.length, done);
    done += f.payload.length;
  }
  if (sparse) ftruncateSync(fd, size);
  return 'ok';
}

/** Stages the record's files into `dir` (a tree) or `dir/volume` (bytes). */
export async function stageRecord(r: FrameReader, dir: string): Promise<StageResult> {
  mkdirSync(dir, { recursive: true });
  const dirTimes: Array<[string, Entry]> = [];
  for (;;) {
    const f = await r.next();
    if (!f) return 'truncated';
    if (f.type === 'E') {
      for (const [p, e] of dirTimes.reverse()) {
        chmodSync(p, e.mode);
        utimesSync(p, new Date(e.mtime), new Date(e.mtime));
      }
      return f.checksumOk ? 'ok' : 'checksum';
    }
    if (f.type === 'V') {
      const size = (JSON.parse(f.payload.toString('utf8')) as { size: number }).size;
      const fd = openSync(join(dir, 'volume'), 'w');
      try {
        const res = await readData(r, fd, size, true);
        if (res !== 'ok') return res;
      } finally {
        closeSync(fd);
      }
      continue;
    }
    const e = parseEntry(f.payload);
    const p = e && safePath(dir, e.path);
    if (!e || !p) return 'invalid';
    if (f.type === 'D') {
      mkdirSync(p, { recursive: true });
      dirTimes.push([p, e]);
    } else if (f.type === 'L' && e.target !== undefined) {
      symlinkSync(e.target, p);
    } else if (f.type === 'F' && e.size !== undefined) {
      const fd = openSync(p, 'w');
      try {
        const res = await readData(r, fd, e.size, false);
        if (res !== 'ok') return res;
      } finally {
        closeSync(fd);
      }
      chmodSync(p, e.mode);
      utimesSync(p, new Date(e.mtime), new Date(e.mtime));
    } else return 'invalid';
  }
}
